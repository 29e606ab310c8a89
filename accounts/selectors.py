"""Reads of accounts: a company's people, the authorised fetch of one person, offered languages."""
from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from .models import Company, Membership, Role, Tenant
from .permissions import Capability, can

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


def access_person(membership: Membership, pk: int) -> Membership:
    """The membership of person ``pk`` (a user id) when ``membership`` may manage them.

    Raises Http404 alike for a missing person, another company's or another tenant's, and for a
    membership without "Manage accounts" (ACC-4, TEN-2).
    """
    if not can(membership, Capability.MANAGE_ACCOUNTS):
        raise Http404
    person = (Membership.objects.for_tenant(membership.tenant_id)
              .filter(company_id=membership.company_id, user_id=pk)
              .select_related("user", "company")
              .first())
    if person is None:
        raise Http404
    return person


def offered_languages(tenant: Tenant | None) -> list[str]:
    """Language codes a person may choose here: the tenant's, or all on the platform host."""
    if tenant is None:
        return [code for code, _name in settings.LANGUAGES]
    return list(tenant.policy.languages)
