"""The demo data that `python3 dev.py run` seeds (SPEC §0): both vendors with their seeds'
policies, one person of each role, staff, catalogue and licenses; idempotent; logins printed."""
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import (
    Company,
    Department,
    Membership,
    Role,
    StaffRole,
    Tenant,
    TenantPolicy,
    User,
)
from helpdesk.demo import PASSWORD
from licenses.models import License, Product, ProductKind, ProductVersion
from tickets.lifecycle import Status
from tickets.models import CannedReply, Message, Ticket, TicketType

pytestmark = pytest.mark.django_db
SEEDED = [Tenant, TenantPolicy, Department, Company, User, Membership, Product, ProductVersion,
          License, TicketType, CannedReply, Ticket, Message]


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in SEEDED}


def test_seeding_twice_changes_nothing():
    seed()
    first = row_counts()

    seed()

    assert row_counts() == first
    assert first["Tenant"] == 2


def test_qualiteam_follows_seed_000():
    seed()
    policy = Tenant.objects.get(slug="qualiteam").policy

    assert policy.label_help_desk == "Communication Center"
    assert (policy.auto_sales_preclose, policy.auto_project_preclose,
            policy.auto_support_preclose, policy.auto_close_preclosed) == (True, True, True, True)
    assert policy.auto_close_waiting is False
    assert policy.show_ticket_type is True
    assert policy.simple_statuses is False


def test_magespecialist_follows_seed_004():
    seed()
    policy = Tenant.objects.get(slug="magespecialist").policy

    assert policy.label_help_desk == "HELP DESK"
    assert policy.auto_close_waiting is True
    assert (policy.auto_sales_preclose, policy.auto_project_preclose,
            policy.auto_support_preclose, policy.auto_close_preclosed) == (False,) * 4
    assert policy.simple_statuses is True
    assert policy.reply_box_on_top is True
    assert policy.show_ticket_type is False
    assert sorted(policy.languages) == ["en", "it"]


@pytest.mark.parametrize("slug", ["qualiteam", "magespecialist"])
def test_each_vendor_has_staff_a_customer_of_each_role_and_licensed_products(slug):
    seed()
    tenant = Tenant.objects.get(slug=slug)

    staff = User.objects.for_tenant(tenant).filter(is_staff=True)
    assert sorted(staff.values_list("staff_role", flat=True)) == sorted(StaffRole.values)
    memberships = Membership.objects.for_tenant(tenant)
    assert sorted(memberships.values_list("role", flat=True)) == sorted(Role.values)
    assert memberships.values("company").distinct().count() == 1
    for membership in memberships.select_related("user"):
        assert membership.user.check_password(PASSWORD)
        assert membership.user.email_verified_at is not None
    assert ProductVersion.objects.for_tenant(tenant).exists()
    main = License.objects.for_tenant(tenant).filter(parent=None,
                                                     product__kind=ProductKind.MAIN)
    addons = License.objects.for_tenant(tenant).filter(parent__in=main)
    assert main.exists()
    assert addons.filter(product__kind=ProductKind.ADDON).exists()


def test_people_of_one_vendor_are_not_the_other_vendors_people():
    seed()

    emails = User.objects.filter(email="primary@demo-store.example")

    assert emails.values("tenant").distinct().count() == 2


def test_the_output_gives_both_portals_and_the_logins():
    out = seed("--port", "8123")

    assert "http://qualiteam.localhost:8123/" in out
    assert "http://magespecialist.localhost:8123/" in out
    assert "http://localhost:8123/admin/" in out
    assert PASSWORD in out
    for email in ["primary@demo-store.example", "advanced@demo-store.example",
                  "secondary@demo-store.example", "agent@qualiteam.example",
                  "manager@magespecialist.example", "admin@platform.example"]:
        assert email in out


def test_demo_vendors_have_canned_replies_and_sample_tickets_once():
    seed()
    seed()
    for tenant in Tenant.objects.all():
        tickets = Ticket.objects.for_tenant(tenant)
        assert tickets.count() == 2
        assert tickets.filter(status=Status.CLOSED, rating=5).count() == 1
        assert CannedReply.objects.for_tenant(tenant).count() == 2
