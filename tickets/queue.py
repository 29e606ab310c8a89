"""The staff side's reads (T-7, T-15): the queue order, and what the staff ticket page lists."""
import datetime
import hashlib

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import Department, Tenant, User
from helpdesk.sql import Constant

from .lifecycle import Status
from .models import AccessInfo, Ticket, TicketEvent

# Open tickets, written as the predicate of the partial indexes of open tickets so that the
# planner reads the tenant's open tickets from them rather than all of the tenant's tickets,
# in a plan kept for every run of the statement (Constant).
OPEN = ~Q(status=Constant(Status.CLOSED))
# HotRush by due time, then overdue first responses, then the effective score, then age.
QUEUE_ORDER = (F("hotrush").desc(), F("rush_due").asc(nulls_last=True),
               F("is_overdue").desc(), F("score").desc(), F("created_at").asc())


def with_queue_keys(tickets: QuerySet[Ticket], *,
                    now: datetime.datetime | None = None) -> QuerySet[Ticket]:
    """``tickets`` annotated with what the queue sorts on: ``rush_due`` (a HotRush ticket's
    due time), ``is_overdue`` (no first response and past due) and ``score`` (priority
    weight + the company's offset, as services.refresh_queue_scores stores it)."""
    now = now or timezone.now()
    return tickets.annotate(
        rush_due=Case(When(hotrush=True, then=F("first_response_due_at")),
                      default=Value(None), output_field=DateTimeField()),
        # A Case, not a bare condition: a ticket without a due time is "not overdue", never
        # NULL, which PostgreSQL would sort first.
        is_overdue=Case(When(Q(first_response_at__isnull=True, first_response_due_at__lt=now),
                             then=Value(True)),
                        default=Value(False), output_field=BooleanField()),
        score=F("queue_score"),
    )


# The queue's order (QUEUE_ORDER, then the newest ticket first among equals) as runs that
# each come in order from ticket_queue_score_idx: the HotRush tickets, a few, sorted whole;
# then the overdue and then the other tickets, each run walked in score order and stopped at
# the page's end. A sort of every open ticket of the tenant took 14-23 ms at 10,216 of them.
BY_SCORE = (F("score").desc(), F("created_at").asc(), F("pk").desc())
QUEUE_RUNS = ((Q(hotrush=True), (*QUEUE_ORDER, F("pk").desc())),
              (Q(hotrush=False, is_overdue=True), BY_SCORE),
              (Q(hotrush=False, is_overdue=False), BY_SCORE))


def can_page_in_runs(tickets: QuerySet[Ticket]) -> bool:
    """Whether the database can take a page's runs in one subquery (a UNION of ordered,
    limited SELECTs): PostgreSQL can, SQLite cannot."""
    return connections[tickets.db].features.supports_slicing_ordering_in_compound


def run_lengths(tickets: QuerySet[Ticket]) -> tuple[list[int], datetime.datetime | None]:
    """How many of ``tickets`` (with_queue_keys) fall in each of QUEUE_RUNS, and the earliest
    due time among those neither answered nor overdue: the moment the runs next change with
    no ticket written (None: not before a write). One query."""
    counts = tickets.aggregate(
        **{f"run{n}": Count("pk", filter=where) for n, (where, _order) in enumerate(QUEUE_RUNS)},
        next_due=Min("first_response_due_at",
                     filter=Q(first_response_at__isnull=True, is_overdue=False)))
    return [counts[f"run{n}"] for n in range(len(QUEUE_RUNS))], counts["next_due"]


def state_key(tickets: QuerySet[Ticket], *scope) -> str:
    """A name for the state of ``tickets`` seen in ``scope`` (tenant, company, person, filters
    ...), for cache keys: their latest change (every write of a ticket sets its
    ``updated_at``) and their latest number, hashed with the scope. One query, an index read
    each."""
    latest = tickets.aggregate(changed=Max("updated_at"), number=Max("number"))
    state = repr((*scope, latest["changed"], latest["number"]))
    return hashlib.sha256(state.encode()).hexdigest()


def page_in_runs(tickets: QuerySet[Ticket], lengths: list[int], bottom: int,
                 top: int) -> QuerySet[Ticket]:
    """The tickets at positions ``bottom`` to ``top`` of the queue order, found through the
    runs they fall in (``lengths`` from run_lengths), in the order of ``tickets``."""
    parts, start = [], 0
    for (where, order), length in zip(QUEUE_RUNS, lengths, strict=True):
        low, high = max(bottom, start) - start, min(top, start + length) - start
        if low < high:
            parts.append(tickets.filter(where).order_by(*order).values("pk")[low:high])
        start += length
    if not parts:
        return tickets.none()
    return tickets.filter(pk__in=parts[0].union(*parts[1:], all=True) if parts[1:] else parts[0])


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
