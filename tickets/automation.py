"""The timed rules of the Communication Center (SPEC §5), run by `helpdesk.lifecycle`.

Each rule selects the tickets it applies to with one queryset and changes them set-based, for
every tenant whose policy gives the rule the same numbers at once (most tenants keep the
defaults, so a rule costs a few statements a run rather than a few per tenant):
status moves through `services.change_status_bulk` (the transition table decides what
the system may move: `services.movable`), the reminder and survey through `_mark`, the
access-info wipe through `wipe_access_info`. Every rule reads only the ticket's own row
(denormalised by the services: last public message, who wrote it, when the status changed)
and is idempotent.
Durations are exact hours, from the tenant's policy.
"""
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from accounts.models import Tenant, TenantPolicy
from helpdesk.models import JobRun

from .events import job_events, record_job_events
from .lifecycle import Actor, Status, sources_for
from .models import AccessInfo, EventKind, Kind, Ticket
from .notifications import SYSTEM_AUDIENCES, enqueue
from .services import change_status_bulk, movable

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
# AUTO-6: tickets closed longer ago than this are not surveyed, so switching the survey on
# does not email every customer about years of history.
SURVEY_WINDOW = datetime.timedelta(days=7)
# AUTO-5: the statuses in which a ticket can be waiting on the customer.
WAITING = sources_for(Status.CLOSED, Actor.SYSTEM)


@dataclass(frozen=True)
class Run:
    """What a rule works with: the tenants it runs for, a policy whose numbers the rule
    reads (the same in each of their policies: `Rule.reads`), the run's clock and JobRun."""

    tenants: tuple[Tenant, ...]
    policy: TenantPolicy
    now: datetime.datetime
    run: JobRun | None  # None in a dry run: count, change nothing

    def tickets(self) -> QuerySet[Ticket]:
        return Ticket.objects.for_tenants(self.tenants)


@dataclass(frozen=True)
class Rule:
    """One timed rule: its spec id, what it reports (its count's name in the run history,
    and the reason on its events), whether the tenant has it on, which policy numbers its
    selection reads, what it selects, how it changes what it selected (returning the number
    of tickets changed) and the kind of event it writes for each."""

    code: str
    name: str
    switch: str | None  # the TenantPolicy flag that turns it on; None: always on
    reads: tuple[str, ...]  # the TenantPolicy numbers `select` reads
    select: Callable[[Run], QuerySet]
    apply: Callable[["Rule", Run, QuerySet], int]
    event: str
    moves_to: Status | None = None  # the status a moving rule sets

    def enabled(self, policy: TenantPolicy) -> bool:
        return self.switch is None or getattr(policy, self.switch)

    def numbers(self, policy: TenantPolicy) -> tuple:
        """What the rule reads of ``policy``: tenants alike in it run as one."""
        return tuple(getattr(policy, name) for name in self.reads)

    def run(self, ctx: Run) -> dict[int, int]:
        """Apply the rule for ``ctx.tenants``; returns the tickets changed by tenant id (for a
        dry run: what would change, with nothing written)."""
        selected = self.select(ctx)
        if ctx.run is None:  # count what the apply would change: for a move, what may move
            if self.moves_to is not None:
                selected = movable(selected, self.moves_to)
            return _by_tenant(selected)
        changed = self.apply(self, ctx, selected)
        if not changed or len(ctx.tenants) == 1:
            return {ctx.tenants[0].pk: changed} if changed else {}
        return _by_tenant(job_events(ctx.tenants, ctx.run, self.code, self.event))


def _by_tenant(rows: QuerySet) -> dict[int, int]:
    return dict(rows.order_by().values_list("tenant_id").annotate(n=Count("pk")))


def _move(rule: Rule, ctx: Run, tickets: QuerySet) -> int:
    return change_status_bulk(tenants=ctx.tenants, tickets=tickets, to=rule.moves_to,
                              rule=rule.code, run=ctx.run, reason=rule.name, now=ctx.now)


def _mark(kind: str, field: str):
    """A rule that records an event of ``kind`` per ticket, stamps ``field`` with the run's
    time (which takes the ticket out of the rule's selection) and queues its emails."""
    def apply(rule: Rule, ctx: Run, tickets: QuerySet) -> int:
        marked = record_job_events(tickets, kind, run=ctx.run, rule=rule.code,
                                   reason=rule.name, now=ctx.now)
        if marked:
            events = job_events(ctx.tenants, ctx.run, rule.code, kind)
            ctx.tickets().filter(pk__in=events.values("ticket_id")).update(
                **{field: ctx.now})
            enqueue(events, audiences=SYSTEM_AUDIENCES)
        return marked
    return apply


def wipe_access_info(rule: Rule, ctx: Run, tickets: QuerySet) -> int:
    """AUTO-6 / T-10: delete the access info of tickets closed long enough, with an event."""
    wiped = record_job_events(tickets, EventKind.ACCESS_INFO, run=ctx.run, rule=rule.code,
                              reason=rule.name, now=ctx.now, action="wiped")
    if wiped:
        events = job_events(ctx.tenants, ctx.run, rule.code, EventKind.ACCESS_INFO)
        AccessInfo.objects.for_tenants(ctx.tenants).filter(
            ticket__in=events.values("ticket_id")).delete()
    return wiped


# Selections -----------------------------------------------------------------------------

def silent_sales(ctx: Run) -> QuerySet:
    """AUTO-1: sales tickets with no public message for 30 days (14 for pre-sales accounts)."""
    p = ctx.policy
    return ctx.tickets().filter(
        Q(company__is_presales=False, last_message_at__lte=ctx.now - p.sales_preclose_days * DAY)
        | Q(company__is_presales=True,
            last_message_at__lte=ctx.now - p.presales_preclose_days * DAY),
        kind=Kind.SALES)


def solved_support(ctx: Run) -> QuerySet:
    """AUTO-3: support (and generic) tickets staff marked solved, silent for 5 days."""
    return ctx.tickets().filter(
        kind__in=[Kind.SUPPORT, Kind.GENERIC], solved=True,
        last_message_at__lte=ctx.now - ctx.policy.support_preclose_days * DAY)


def preclosed_long_enough(ctx: Run) -> QuerySet:
    """AUTO-4: pre-closed for 3 days with no message since (a message would have moved it
    to In progress). Project tickets' "all tasks finished" joins with the projects issue,
    which brings tasks; until then no project has any."""
    cutoff = ctx.now - ctx.policy.preclosed_close_days * DAY
    return ctx.tickets().filter(status=Status.PRE_CLOSED, status_changed_at__lte=cutoff,
                                last_message_at__lte=cutoff)


def waiting_for_reminder(ctx: Run) -> QuerySet:
    """AUTO-5: waiting on the customer since the last staff reply for 48 h, not reminded of
    that reply yet, and not yet due to close (a ticket past 96 h closes with its notice,
    without a reminder first)."""
    p = ctx.policy
    return ctx.tickets().filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("last_message_at")),
        status__in=WAITING, last_message_by_staff=True,
        last_message_at__lte=ctx.now - p.waiting_reminder_hours * HOUR,
        last_message_at__gt=ctx.now - p.waiting_close_hours * HOUR).exclude(kind=Kind.LOG)


def waiting_too_long(ctx: Run) -> QuerySet:
    """AUTO-5: no customer reply 96 h after the last staff reply (LOG tickets are the
    helpdesk's own records, never waiting on anyone)."""
    return ctx.tickets().filter(
        status__in=WAITING, last_message_by_staff=True,
        last_message_at__lte=ctx.now - ctx.policy.waiting_close_hours * HOUR,
    ).exclude(kind=Kind.LOG)


def access_info_to_wipe(ctx: Run) -> QuerySet:
    """AUTO-6: closed for 30 days with access info still stored."""
    return ctx.tickets().filter(
        status=Status.CLOSED,
        closed_at__lte=ctx.now - ctx.policy.access_info_wipe_days * DAY,
        pk__in=AccessInfo.objects.for_tenants(ctx.tenants).values("ticket_id"))


def survey_due(ctx: Run) -> QuerySet:
    """AUTO-6: closed a while ago but within the last week, not rated, never surveyed;
    duplicates merged into another ticket and LOG tickets are not surveyed."""
    return ctx.tickets().filter(
        status=Status.CLOSED, survey_sent_at__isnull=True, rating__isnull=True,
        merged_into__isnull=True,
        closed_at__lte=ctx.now - ctx.policy.survey_delay_hours * HOUR,
        closed_at__gt=ctx.now - SURVEY_WINDOW).exclude(kind=Kind.LOG)


# In the order they run: a reminder before a close, a pre-close before its close.
RULES = [
    Rule("AUTO-1", "AUTO-1 pre-closed", "auto_sales_preclose",
         ("sales_preclose_days", "presales_preclose_days"), silent_sales, _move,
         EventKind.STATUS, Status.PRE_CLOSED),
    Rule("AUTO-3", "AUTO-3 pre-closed", "auto_support_preclose", ("support_preclose_days",),
         solved_support, _move, EventKind.STATUS, Status.PRE_CLOSED),
    Rule("AUTO-4", "AUTO-4 closed", "auto_close_preclosed", ("preclosed_close_days",),
         preclosed_long_enough, _move, EventKind.STATUS, Status.CLOSED),
    Rule("AUTO-5", "AUTO-5 reminded", "auto_close_waiting",
         ("waiting_reminder_hours", "waiting_close_hours"), waiting_for_reminder,
         _mark(EventKind.REMINDER, "reminded_at"), EventKind.REMINDER),
    Rule("AUTO-5", "AUTO-5 closed", "auto_close_waiting", ("waiting_close_hours",),
         waiting_too_long, _move, EventKind.STATUS, Status.CLOSED),
    Rule("AUTO-6", "AUTO-6 access info wiped", None, ("access_info_wipe_days",),
         access_info_to_wipe, wipe_access_info, EventKind.ACCESS_INFO),
    Rule("AUTO-6", "AUTO-6 surveyed", "auto_survey", ("survey_delay_hours",), survey_due,
         _mark(EventKind.SURVEY, "survey_sent_at"), EventKind.SURVEY),
]
