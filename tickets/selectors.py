"""Reads of the Communication Center: the customer's index, the thread, the staff queue."""
import datetime

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from accounts.models import Company, Tenant
from licenses.models import License, ProductVersion

from .lifecycle import Status
from .models import (
    PRIORITY_WEIGHTS,
    AccessInfo,
    Attachment,
    Message,
    Ticket,
    TicketType,
)
from .queue import OPEN as OPEN_TICKETS
from .queue import state_key
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
# The index's status filter for every ticket not closed, whatever its status underneath (T-3).
OPEN = "open"
PRIORITY_WEIGHT = Case(*(When(priority=priority, then=Value(weight))
                         for priority, weight in PRIORITY_WEIGHTS.items()),
                       output_field=IntegerField())


# What the Communication index shows of a ticket, its type and who wrote last (T-12).
INDEX_COLUMNS = ("tenant_id", "company_id", "number", "created_at", "subject", "status",
                 "priority", "hotrush", "rating", "last_message_at", "last_message_by_staff",
                 "type__name", "last_message_by__first_name", "last_message_by__last_name",
                 "last_message_by__email")


def tickets_for_company(tenant: Tenant, company: Company, *, status: str = "",
                        type_id: int | None = None, sort: str = DEFAULT_SORT,
                        hide_closed_rated: bool = False) -> QuerySet[Ticket]:
    """The Communication index (T-12); filters and sort come checked from the form."""
    tickets = (Ticket.objects.for_tenant(tenant).filter(company=company)
               .select_related("type", "last_message_by")
               # The columns of the index only: tickets and people are wide rows (issue 5).
               .only(*INDEX_COLUMNS)
               .annotate(priority_weight=PRIORITY_WEIGHT))
    if status == OPEN:
        tickets = tickets.filter(OPEN_TICKETS)
    elif status:
        tickets = tickets.filter(status=status)
    if type_id:
        tickets = tickets.filter(type_id=type_id)
    if hide_closed_rated:
        tickets = tickets.exclude(status=Status.CLOSED, rating__isnull=False)
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return tickets.order_by(order, "-number")


class CompanyTicketPaginator(Paginator):
    """The index's pages (T-12), whose count a company with years of tickets would pay for on
    every page view (issue 5). ``version`` names the filters and the company's latest ticket
    (number) and latest change (every write of a ticket sets its ``updated_at``): the count is
    kept in the cache under it, and so are the rendered rows of each page
    (tickets/index.html), so a new or changed ticket shows at once. CACHE_SECONDS bound what
    the version cannot see: a clock set back, a ticket moved to another company, a renamed
    person or ticket type."""

    CACHE_SECONDS = 60

    def __init__(self, tickets: QuerySet[Ticket], per_page: int, *, tenant: Tenant,
                 company: Company, filters: dict):
        super().__init__(tickets, per_page)
        self.scope = (tenant, company, sorted(filters.items()))

    @cached_property
    def version(self) -> str:
        tenant, company, filters = self.scope
        return state_key(Ticket.objects.for_tenant(tenant).filter(company=company),
                         tenant.pk, company.pk, filters)

    @cached_property
    def count(self) -> int:
        key = f"ticket-index-count:{self.version}"
        count = cache.get(key)
        if count is None:
            count = self.object_list.count()
            cache.set(key, count, self.CACHE_SECONDS)
        return count


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


def ticket_types(tenant: Tenant) -> QuerySet[TicketType]:
    """Every type of the tenant, for the index's filter: customers hold system (LOG) tickets too."""
    return TicketType.objects.for_tenant(tenant)


def open_ticket_count(tenant: Tenant, company: Company) -> int:
    """The company's tickets that are not closed, for the dashboard (SPEC §10)."""
    return Ticket.objects.for_tenant(tenant).filter(OPEN_TICKETS, company=company).count()


def latest_tickets(tenant: Tenant, company: Company, *, limit: int = 5) -> list[Ticket]:
    """The company's most recently active tickets, for the dashboard (SPEC §10)."""
    return list(Ticket.objects.for_tenant(tenant).filter(company=company)
                .order_by("-updated_at", "-number")[:limit])


def ticket_licenses(ticket: Ticket) -> QuerySet[License]:
    return (License.objects.for_tenant(ticket.tenant_id).filter(tickets=ticket)
            .select_related("product").order_by("product__name", "key"))


def split_out_tickets(ticket: Ticket) -> QuerySet[Ticket]:
    """Tickets staff split out of ``ticket`` (T-2), by number."""
    return (Ticket.objects.for_tenant(ticket.tenant_id).filter(split_from=ticket)
            .order_by("number").only("number", "subject"))


def public_attachment(ticket: Ticket, pk: int) -> Attachment | None:
    """An attachment of a public message of ``ticket``; notes' files are staff-only (T-4)."""
    return (Attachment.objects.for_tenant(ticket.tenant_id)
            .filter(pk=pk, message__ticket=ticket, message__internal=False).first())


def access_infos(ticket: Ticket) -> QuerySet[AccessInfo]:
    """The ticket's access info rows without their secrets: kind, host, port, who, when."""
    return (AccessInfo.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket)
            .select_related("created_by").defer("secret"))


def rating_deadline(ticket: Ticket, policy) -> datetime.datetime | None:
    """Until when a given rating may still be changed (T-9); None before the first rating."""
    if ticket.rated_at is None:
        return None
    return ticket.rated_at + datetime.timedelta(days=policy.rating_edit_days)


def account_priority_level(offset) -> str:
    """How the company's priority offset reads to its people (T-7): its sign, as a level."""
    if offset < 0:
        return _("below normal")
    if offset > 0:
        return _("above normal")
    return _("normal")
