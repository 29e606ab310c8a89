"""The staff side's reads (T-7, T-15): the queue order, and what the staff ticket page lists."""
import datetime

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import Company, Department, Tenant, User

from .lifecycle import Status
from .models import AccessInfo, Ticket, TicketEvent
from .selectors import PRIORITY_WEIGHT

# Open tickets, written as the predicate of the partial index ticket_open_idx so that the
# planner reads the tenant's open tickets from it rather than all of the tenant's tickets.
OPEN = ~Q(status=Status.CLOSED)
# HotRush by due time, then overdue first responses, then the effective score, then age.
QUEUE_ORDER = (F("hotrush").desc(), F("rush_due").asc(nulls_last=True),
               F("is_overdue").desc(), F("score").desc(), F("created_at").asc())


def with_queue_keys(tickets: QuerySet[Ticket], *,
                    now: datetime.datetime | None = None) -> QuerySet[Ticket]:
    """``tickets`` annotated with what the queue sorts on: ``rush_due`` (a HotRush ticket's
    due time), ``is_overdue`` (no first response and past due) and ``score`` (priority
    weight + the company's offset)."""
    now = now or timezone.now()
    # A subquery, not a join: counting the queue then drops it and reads no company.
    offset = (Company.all_tenants.filter(pk=OuterRef("company_id")).order_by()
              .values("priority_offset"))
    return tickets.annotate(
        rush_due=Case(When(hotrush=True, then=F("first_response_due_at")),
                      default=Value(None), output_field=DateTimeField()),
        # A Case, not a bare condition: a ticket without a due time is "not overdue", never
        # NULL, which PostgreSQL would sort first.
        is_overdue=Case(When(Q(first_response_at__isnull=True, first_response_due_at__lt=now),
                             then=Value(True)),
                        default=Value(False), output_field=BooleanField()),
        score=ExpressionWrapper(PRIORITY_WEIGHT + Subquery(offset),
                                output_field=DecimalField(max_digits=6, decimal_places=3)),
    )


def ticket_queue(tenant: Tenant, *, now: datetime.datetime | None = None) -> QuerySet[Ticket]:
    """The tenant's open tickets in the order staff should answer them (T-7, T-15)."""
    open_tickets = Ticket.objects.for_tenant(tenant).filter(OPEN)
    return (with_queue_keys(open_tickets, now=now)
            .select_related("company", "type", "department", "assignee")
            .order_by(*QUEUE_ORDER))


def assignable_staff(tenant_id: int) -> QuerySet[User]:
    """The people a ticket of the tenant can be assigned to: its active staff."""
    return (User.objects.for_tenant(tenant_id).filter(is_staff=True, is_active=True)
            .order_by("first_name", "last_name", "email"))


def tenant_departments(tenant_id: int) -> QuerySet[Department]:
    return Department.objects.for_tenant(tenant_id).order_by("name")


def ticket_history(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's events, oldest first, with who made them and the message they name."""
    return (TicketEvent.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket)
            .select_related("actor", "message").order_by("created_at", "pk"))


def access_info_count(ticket: Ticket) -> int:
    """How many access info entries the ticket holds; their content is read only through
    services.read_access_info, which logs the view (T-10)."""
    return AccessInfo.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket).count()
