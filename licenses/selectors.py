"""Reads of licenses, always within one tenant and one company."""
from django.db.models import QuerySet

from accounts.models import Company, Tenant

from .models import License, LicenseStatus


def licenses_for_company(tenant: Tenant, company: Company) -> QuerySet[License]:
    """Main licenses of the company with their add-ons, for "My licenses" (L-1)."""
    return (License.objects.for_tenant(tenant)
            .filter(company=company, parent__isnull=True)
            .select_related("product")
            .prefetch_related("addons__product")
            .order_by("product__name", "key"))


def pending_license_count(tenant: Tenant, company: Company) -> int:
    """How many of the company's licenses wait on verification, for the dashboard."""
    return (License.objects.for_tenant(tenant)
            .filter(company=company, status=LicenseStatus.PENDING).count())
