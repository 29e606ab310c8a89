"""Reads of accounts: a company's people, the authorised fetch of one person, offered languages."""
from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Company, Membership, Role, Tenant

ROLE_ORDER = Case(
    When(role=Role.PRIMARY, then=Value(0)),
    When(role=Role.ADVANCED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def people_of_company(tenant: Tenant, company: Company) -> QuerySet[Membership]:
    """The company's memberships with their people, primary first, for "Manage accounts" (ACC-4)."""
    return (Membership.objects.for_tenant(tenant)
            .filter(company=company)
            .select_related("user")
            .order_by(ROLE_ORDER, "user__last_name", "user__first_name", "user__email"))


def offered_languages(tenant: Tenant | None) -> list[str]:
    """Language codes a person may choose here: the tenant's, or all on the platform host."""
    if tenant is None:
        return [code for code, _name in settings.LANGUAGES]
    return list(tenant.policy.languages)
