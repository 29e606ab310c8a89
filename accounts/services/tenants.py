"""Creating tenants: a tenant always has its policy row."""
from django.db import transaction

from ..models import Department, Tenant, TenantPolicy


@transaction.atomic
def create_tenant(*, slug: str, name: str, departments: tuple[str, ...] = (),
                  **policy) -> Tenant:
    """Create a tenant with its policy (spec defaults unless given) and departments (TEN-3)."""
    tenant = Tenant.objects.create(slug=slug, name=name)
    policy_row = TenantPolicy(tenant=tenant, **policy)
    policy_row.full_clean()
    policy_row.save()
    for department in departments:
        Department.objects.create(tenant=tenant, name=department)
    return tenant
