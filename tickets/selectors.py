"""Reads of the Communication Center: the customer's index, the thread, the staff queue."""
import datetime

from django.db.models import (
    Case,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import Company, Tenant
from licenses.models import License, ProductVersion

from .lifecycle import Status
from .models import Attachment, Message, Priority, Ticket, TicketType
from .versions import version_marks

# The customer index's sort keys (T-12): only these, never a field name from the URL.
SORTS = {
    "number": "number", "-number": "-number",
    "date": "created_at", "-date": "-created_at",
    "subject": "subject", "-subject": "-subject",
    "status": "status", "-status": "-status",
    "priority": "priority_weight", "-priority": "-priority_weight",
    "reply": "last_message_at", "-reply": "-last_message_at",
}
DEFAULT_SORT = "-number"
PRIORITY_WEIGHT = Case(When(priority=Priority.MAJOR, then=Value(3)),
                       When(priority=Priority.NORMAL, then=Value(2)),
                       default=Value(1), output_field=IntegerField())


def tickets_for_company(tenant: Tenant, company: Company, *, status: str = "",
                        type_id: int | None = None, sort: str = DEFAULT_SORT,
                        hide_closed_rated: bool = False) -> QuerySet[Ticket]:
    """The Communication index (T-12); filters and sort come checked from the form."""
    tickets = (Ticket.objects.for_tenant(tenant).filter(company=company)
               .select_related("type", "last_message_by")
               .annotate(priority_weight=PRIORITY_WEIGHT))
    if status:
        tickets = tickets.filter(status=status)
    if type_id:
        tickets = tickets.filter(type_id=type_id)
    if hide_closed_rated:
        tickets = tickets.exclude(status=Status.CLOSED, rating__isnull=False)
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return tickets.order_by(order, "-number")


def thread(ticket: Ticket, *, include_internal: bool) -> QuerySet[Message]:
    """The ticket's messages oldest first with their attachments; customers never get notes."""
    messages = (Message.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket)
                .select_related("author").prefetch_related("attachments"))
    if not include_internal:
        messages = messages.filter(internal=False)
    return messages.order_by("created_at", "pk")


def find_message(tenant: Tenant, company: Company, public_id: str) -> Message | None:
    """"Search by Message ID": a public message of the company's tickets, or None (T-4)."""
    return (Message.objects.for_tenant(tenant)
            .filter(public_id=public_id.strip().upper(), internal=False,
                    ticket__company=company)
            .select_related("ticket").first())


def customer_ticket_types(tenant: Tenant) -> QuerySet[TicketType]:
    return (TicketType.objects.for_tenant(tenant).filter(customer_selectable=True)
            .select_related("department"))


def company_licenses(tenant: Tenant, company: Company) -> QuerySet[License]:
    """Licenses a ticket may concern: the company's own, main ones and add-ons."""
    return (License.objects.for_tenant(tenant).filter(company=company)
            .select_related("product").order_by("product__name", "key"))


def marked_versions(tenant: Tenant, *, today: datetime.date | None = None):
    """[(version, mark)] for the drop-down, newest first per product (T-11)."""
    versions = list(ProductVersion.objects.for_tenant(tenant).select_related("product")
                    .order_by("product__name", "-released_on"))
    marks = version_marks(versions, today=today or timezone.localdate(),
                          guarantee_days=tenant.policy.out_of_guarantee_after_days)
    return [(version, marks[version.pk]) for version in versions]


def company_attachments(tenant: Tenant, company: Company) -> QuerySet[Attachment]:
    """Every attachment of the company's tickets, from both sides (F-4), notes excluded."""
    return (Attachment.objects.for_tenant(tenant)
            .filter(message__ticket__company=company, message__internal=False)
            .select_related("message__ticket").order_by("-message__created_at"))
