"""Writers of the append-only TicketEvent rows (T-3): who, when, what, from, to, why."""
from django.db.models import F, JSONField, QuerySet, Value

from helpdesk.sql import insert_select

from .models import Message, Ticket, TicketEvent
from .notifications import notify


def record_event(ticket: Ticket, kind: str, /, *, by=None, from_status: str = "",
                 to_status: str = "", reason: str = "", message: Message | None = None,
                 **data) -> TicketEvent:
    """Append one event to ``ticket``'s history; ``by`` None means the helpdesk itself.

    ``ticket`` and ``kind`` are positional-only, so the event's data may have a "kind"
    of its own (access info's SSH/FTP/...). The emails the event calls for are queued in the
    same transaction (N-1).
    """
    event = TicketEvent.objects.create(
        tenant_id=ticket.tenant_id, ticket=ticket, kind=kind, actor=by,
        from_status=from_status, to_status=to_status, reason=str(reason)[:255],
        message=message, data=data,
    )
    notify(event)
    return event


def record_job_events(tickets: QuerySet[Ticket], kind: str, /, *, run, rule: str, reason: str,
                      now, to_status: str = "", **data) -> int:
    """The timed jobs' set-based sibling of `record_event` (§5): one event of ``kind`` per
    ticket of ``tickets``, by the helpdesk itself, in one INSERT ... SELECT that locks the
    tickets it reads until the transaction ends. A ``to_status`` records the ticket's
    current status as the move's origin. Returns how many events were written; the caller
    queues their emails once it has made its change (`job_events`, `enqueue`)."""
    return insert_select(TicketEvent, tickets.select_for_update(of=("self",)), {
        "tenant": F("tenant_id"), "ticket": F("pk"), "kind": Value(kind),
        "from_status": F("status") if to_status else Value(""), "to_status": Value(to_status),
        "reason": Value(reason), "data": Value(data, output_field=JSONField()),
        "rule": Value(rule), "run": Value(run.pk), "created_at": Value(now),
    })


def job_events(tenants, run, rule: str, kind: str) -> QuerySet[TicketEvent]:
    """The events of ``kind`` that ``rule`` wrote for ``tenants`` in ``run``."""
    return TicketEvent.objects.for_tenants(tenants).filter(run=run, rule=rule, kind=kind)
