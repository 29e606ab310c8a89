"""The demo data of SPEC §0: the two vendors of the seeds, their staff, customers and licenses.

Idempotent: running it again changes nothing that exists and fills in what is missing.
"""
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

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
from accounts.services.tenants import create_tenant
from licenses.models import License, LicenseStatus, Product, ProductKind, ProductVersion
from tickets import services
from tickets.lifecycle import Actor, Status
from tickets.models import CannedReply, Kind, Priority, Ticket, TicketType

PASSWORD = "demo-helpdesk-2026"

TENANTS = {
    "qualiteam": {
        "name": "Qualiteam",
        "departments": ("Technical support", "Sales", "Projects"),
        # Seed 000: pre-close by type, close three days later; no 48/96 h rule.
        "policy": dict(
            primary_colour="#234e70", accent_colour="#f4a300", languages=["en"],
            time_zone="Europe/Moscow", label_help_desk="Communication Center",
            label_new_ticket="Create a new ticket", label_send_ticket="Send",
            auto_close_waiting=False, support_email="support@qualiteam.example",
        ),
        "products": {
            "X-Cart": [("4.6", "4.6.8", 2024, 3), ("4.7", "4.7.11", 2025, 2),
                       ("4.7", "4.7.12", 2026, 6)],
            "LiteCommerce": [("3.0", "3.0.4", 2025, 9)],
        },
        "addons": ["X-Cart Add-on: One Page Checkout", "X-Cart Skin: Fashion"],
        # Seed 000's ticket types, each routed to its department (T-1, T-14).
        "ticket_types": [("Tech support question", Kind.SUPPORT, "Technical support", True),
                         ("Sales question", Kind.SALES, "Sales", True),
                         ("Project question", Kind.PROJECT, "Projects", True),
                         ("Generic", Kind.GENERIC, "Technical support", True),
                         ("LOG", Kind.LOG, "Technical support", False)],
    },
    "magespecialist": {
        "name": "MageSpecialist",
        "departments": ("Technical Dept.", "Sales Dept."),
        # Seed 004: no type field, Open/Closed, reply box on top, 48 h reminder, 96 h close.
        "policy": dict(
            primary_colour="#7a1f2b", accent_colour="#e0b04a", languages=["en", "it"],
            time_zone="Europe/Rome", label_help_desk="HELP DESK",
            label_new_ticket=gettext_noop("Create new ticket"),
            label_send_ticket=gettext_noop("Send ticket"),
            show_ticket_type=False, simple_statuses=True, reply_box_on_top=True,
            auto_sales_preclose=False, auto_project_preclose=False,
            auto_support_preclose=False, auto_close_preclosed=False, auto_close_waiting=True,
            ticket_prices={
                "support": {"major": 3, "normal": 1, "minor": 1},
                "sales": {"major": 0, "normal": 0, "minor": 0},
                "project": {"major": 3, "normal": 1, "minor": 1},
                "generic": {"major": 3, "normal": 1, "minor": 1},
            },
            support_email="support@magespecialist.example",
        ),
        "products": {"Magento Extension Pack": [("2.4", "2.4.6", 2025, 4),
                                                ("2.4", "2.4.7", 2026, 5)]},
        "addons": ["MageSpecialist Module: Advanced Search"],
        # Seed 004 shows no type field: the department chosen decides the type.
        "ticket_types": [("Technical", Kind.SUPPORT, "Technical Dept.", True),
                         ("Sales", Kind.SALES, "Sales Dept.", True)],
    },
}


@dataclass
class Login:
    tenant: str
    role: str
    email: str


def _person(tenant, email, first, last, **fields) -> tuple[User, bool]:
    user = User.objects.for_tenant(tenant).filter(email=email).first()
    if user:
        return user, False
    user = User(tenant=tenant, email=email, first_name=first, last_name=last,
                email_verified_at=timezone.now(), **fields)
    user.set_password(PASSWORD)
    user.save()
    return user, True


@transaction.atomic
def seed_demo() -> list[Login]:
    """Create (or complete) the demo tenants and return the logins to print."""
    logins: list[Login] = []
    for slug, spec in TENANTS.items():
        tenant = Tenant.objects.filter(slug=slug).first() or create_tenant(
            slug=slug, name=spec["name"], departments=spec["departments"], **spec["policy"])
        TenantPolicy.objects.get_or_create(tenant=tenant)
        departments = list(Department.objects.for_tenant(tenant))
        for role in StaffRole:
            email = f"{role.value}@{slug}.example"
            user, _created = _person(tenant, email, role.label, "Demo", is_staff=True,
                                     staff_role=role)
            user.departments.set(departments)
            logins.append(Login(slug, f"staff {role.label}", email))
        company = (Company.objects.for_tenant(tenant).filter(name="Demo Store Ltd").first()
                   or Company.objects.create(
                       tenant=tenant, name="Demo Store Ltd", vat_code="IT01234567890",
                       phone="+39 02 555 0100", address="Via Torino 10", city="Milano",
                       postcode="20123", country="IT"))
        for role, first in ((Role.PRIMARY, "Paula"), (Role.ADVANCED, "Adam"),
                            (Role.SECONDARY, "Sam")):
            email = f"{role.value}@demo-store.example"
            user, created = _person(tenant, email, first, "Customer")
            if created:
                Membership.objects.create(tenant=tenant, user=user, company=company, role=role)
            logins.append(Login(slug, role.label, email))
        _seed_catalogue(tenant, company, spec)
        _seed_ticket_types(tenant, spec)
        _seed_conversations(tenant, company)
    if not User.objects.filter(tenant=None, email="admin@platform.example").exists():
        User.objects.create_superuser("admin@platform.example", PASSWORD, first_name="Platform",
                                      last_name="Admin", email_verified_at=timezone.now())
    logins.append(Login("", "platform superuser", "admin@platform.example"))
    return logins


def _seed_catalogue(tenant, company, spec) -> None:
    main_license = None
    for name, versions in spec["products"].items():
        product, _ = Product.objects.for_tenant(tenant).get_or_create(
            name=name, defaults={"tenant": tenant})
        for branch, number, year, month in versions:
            ProductVersion.objects.for_tenant(tenant).get_or_create(
                product=product, number=number,
                defaults={"tenant": tenant, "branch": branch,
                          "released_on": datetime.date(year, month, 1)})
        key = f"{tenant.slug[:4].upper()}-{product.pk:04d}-DEMO"
        license_, _ = License.objects.for_tenant(tenant).get_or_create(
            key=key, defaults={"tenant": tenant, "company": company, "product": product,
                               "url": "https://shop.demo-store.example/",
                               "status": LicenseStatus.ACTIVE,
                               "purchased_on": datetime.date(2025, 5, 2)})
        main_license = main_license or license_
    for n, name in enumerate(spec["addons"], start=1):
        product, _ = Product.objects.for_tenant(tenant).get_or_create(
            name=name, defaults={"tenant": tenant, "kind": ProductKind.ADDON})
        License.objects.for_tenant(tenant).get_or_create(
            key=f"{tenant.slug[:4].upper()}-ADD{n}-DEMO",
            defaults={"tenant": tenant, "company": company, "product": product,
                      "parent": main_license,
                      "status": LicenseStatus.PENDING if n == 1 else LicenseStatus.ACTIVE})


def _seed_ticket_types(tenant, spec) -> None:
    departments = {d.name: d for d in Department.objects.for_tenant(tenant)}
    for position, (name, kind, department, selectable) in enumerate(spec["ticket_types"]):
        TicketType.objects.for_tenant(tenant).get_or_create(
            name=name, defaults={"tenant": tenant, "kind": kind, "position": position,
                                 "department": departments[department],
                                 "customer_selectable": selectable})


CANNED_REPLIES = (
    ("Need server access", "To look into this we need access to your server. Please post it "
                           "on the ticket's \"Post access info\" tab; it is stored encrypted."),
    ("Solved, closing soon", "We believe this is solved. If anything is still wrong, just "
                             "reply here; otherwise the ticket closes by itself."),
)


def _seed_conversations(tenant, company) -> None:
    """Canned replies and two sample tickets, so that the queue and the portal are not empty."""
    for title, body in CANNED_REPLIES:
        CannedReply.objects.for_tenant(tenant).get_or_create(
            title=title, defaults={"tenant": tenant, "body": body})
    if Ticket.objects.for_tenant(tenant).filter(company=company).exists():
        return
    primary = (Membership.objects.for_tenant(tenant).select_related("user", "company")
               .get(company=company, role=Role.PRIMARY))
    agent = User.objects.for_tenant(tenant).get(email=f"agent@{tenant.slug}.example")
    support, sales = (TicketType.objects.for_tenant(tenant).filter(kind=kind)
                      .order_by("position").first() for kind in (Kind.SUPPORT, Kind.SALES))
    ticket = services.submit_ticket(
        tenant=tenant, membership=primary, ticket_type=support, priority=Priority.MAJOR,
        subject="Checkout shows a blank page after the upgrade",
        body="Since this morning's upgrade our checkout page is blank. Customers cannot pay.")
    services.post_message(ticket=ticket, author=agent, body=CANNED_REPLIES[0][1])
    question = services.submit_ticket(
        tenant=tenant, membership=primary, ticket_type=sales, priority=Priority.MINOR,
        subject="Price of a second store license",
        body="We are opening a second shop. What does one more license cost?")
    services.post_message(ticket=question, author=agent,
                          body="A second license is 40% off the list price. Shall we send "
                               "an invoice?")
    services.change_status(ticket=question, to=Status.CLOSED, by=primary.user,
                           actor=Actor.CUSTOMER, reason="answered")
    services.rate_ticket(membership=primary, ticket=question, rating=5,
                         comment="Fast and clear.")


def demo_url(slug: str, port: int = 8000) -> str:
    """The portal's address for a tenant slug; the platform host for an empty slug."""
    host = f"{slug}.{settings.BASE_DOMAIN}" if slug else settings.BASE_DOMAIN
    return f"http://{host}:{port}/"
