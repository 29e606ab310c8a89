"""Writers of the append-only TicketEvent rows (T-3): who, when, what, from, to, why."""
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
