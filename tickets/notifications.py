"""Ticket emails (N-1, N-2): who gets which email for which event.

`enqueue` writes outbox rows for a set of events in one INSERT per audience, in the caller's
transaction: the services pass the one event they just wrote, the timed jobs every event of a
run. The text is rendered at sending (`render`), in the recipient's language, with the
tenant's name and colours, threading headers and a signed reply address.
Internal notes and access info never reach an email: no event kind that carries them is
queued, and `render` refuses an internal message should one ever be.
"""
import datetime
import hashlib
import hmac
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.links import tenant_url
from accounts.models import User
from helpdesk import outbox
from helpdesk.models import OutboundEmail
from helpdesk.sql import insert_select

from .lifecycle import Status, customer_label
from .models import EventKind, TicketEvent

CUSTOMER = "ticket.customer"
STAFF = "ticket.staff"

# Customers hear of every public message, of the status changes that concern them, of quotes,
# reminders and surveys; staff hear of new tickets and of what customers do.
NOTIFY_CUSTOMERS = (
    Q(kind__in=[EventKind.CREATED, EventKind.MESSAGE, EventKind.QUOTE_SENT, EventKind.REMINDER,
                EventKind.SURVEY])
    | Q(kind=EventKind.STATUS, to_status__in=[Status.PRE_CLOSED, Status.CLOSED, Status.REOPENED])
)
NOTIFY_STAFF = (
    Q(kind=EventKind.CREATED)
    | Q(kind=EventKind.MESSAGE, message__by_staff=False)
    | Q(kind__in=[EventKind.QUOTE_ACCEPTED, EventKind.QUOTE_DECLINED])
    | Q(kind=EventKind.STATUS, to_status=Status.REOPENED, actor__is_staff=False)
)


def _address(person: str):
    """The person's notification email, or their login email (ACC-6)."""
    return Coalesce(NullIf(F(f"{person}__notification_email"), Value("")), F(f"{person}__email"))


def _queue(events: QuerySet, kind: str, person: str) -> int:
    """One INSERT: an email of ``kind`` for each event and each person at the path ``person``,
    except to the person who caused the event (to customers, a new ticket's confirmation is
    the exception); a row already queued is skipped."""
    own = Q(kind=EventKind.CREATED) if kind == CUSTOMER else Q(pk__in=[])
    now = timezone.now()
    rows = (events.annotate(recipient_id=F(f"{person}__pk"))
            .filter(Q(actor__isnull=True) | ~Q(actor=F("recipient_id")) | own))
    return insert_select(OutboundEmail, rows, {
        "tenant": F("tenant_id"),
        "key": Concat(Value("ev"), Cast("pk", CharField()), Value(":"),
                      Cast("recipient_id", CharField()), output_field=CharField()),
        "kind": Value(kind),
        "ref": F("pk"),
        "recipient": F("recipient_id"),
        "to_email": _address(person),
        "available_at": Value(now),
        "created_at": Value(now),
    }, ignore_conflicts=True)


# What the helpdesk does by itself (timed rules) concerns customers only: staff hear of what
# customers do (NOTIFY_STAFF), so the jobs skip the staff INSERTs that could add no row.
SYSTEM_AUDIENCES = frozenset({CUSTOMER})


def enqueue(events: QuerySet[TicketEvent], *,
            audiences: frozenset[str] = frozenset({CUSTOMER, STAFF})) -> int:
    """Queue the emails ``events`` call for; returns how many rows were added.

    Customers: the ticket's followers who are still active people of its company. Staff: the
    assignee, or every active staff member of the ticket's department while it has none (or
    its assignee has left).
    """
    customers = events.filter(NOTIFY_CUSTOMERS,
                              ticket__followers__user__is_active=True,
                              ticket__followers__user__membership__company=F("ticket__company"))
    assigned = events.filter(NOTIFY_STAFF, ticket__assignee__is_active=True)
    unassigned = events.filter(
        Q(ticket__assignee__isnull=True) | Q(ticket__assignee__is_active=False), NOTIFY_STAFF,
        ticket__department__staff__is_active=True)
    count = 0
    if CUSTOMER in audiences:
        count += _queue(customers, CUSTOMER, "ticket__followers__user")
    if STAFF in audiences:
        count += (_queue(assigned, STAFF, "ticket__assignee")
                  + _queue(unassigned, STAFF, "ticket__department__staff"))
    outbox.queued(count)
    return count


def notify(event: TicketEvent) -> int:
    """Queue the emails of one event a service just wrote."""
    return enqueue(TicketEvent.objects.for_tenant(event.tenant_id).filter(pk=event.pk))


# Addresses and headers ------------------------------------------------------------------

def _domain(sender: str) -> str:
    return sender.rpartition("@")[2] or settings.BASE_DOMAIN


def _signature(ticket_id: int, user_id: int) -> str:
    message = f"reply:{ticket_id}:{user_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:20]


def reply_token(*, ticket_id: int, user_id: int) -> str:
    """``t<ticket>u<person>-<hmac>``: lower case and digits only, so it survives mail servers
    that fold the case of addresses. The reply-by-email issue (N-3) reads it back."""
    return f"t{ticket_id}u{user_id}-{_signature(ticket_id, user_id)}"


def read_reply_token(token: str) -> tuple[int, int] | None:
    """(ticket id, person id) of a genuine token, else None."""
    head, _, signature = token.lower().partition("-")
    ticket, _, user = head.removeprefix("t").partition("u")
    if not (ticket.isdigit() and user.isdigit()):
        return None
    if not hmac.compare_digest(signature, _signature(int(ticket), int(user))):
        return None
    return int(ticket), int(user)


def reply_address(sender: str, *, ticket_id: int, user_id: int) -> str:
    """``support+<token>@domain`` on the tenant's support address."""
    local, _, domain = sender.partition("@")
    return f"{local}+{reply_token(ticket_id=ticket_id, user_id=user_id)}@{domain}"


# Rendering ------------------------------------------------------------------------------

def _template(event: TicketEvent, audience: str) -> str:
    if audience == STAFF:
        return {EventKind.CREATED: "staff_created",
                EventKind.MESSAGE: "staff_message"}.get(event.kind, "staff_event")
    if event.kind == EventKind.STATUS:
        if event.actor_id is None and event.to_status == Status.PRE_CLOSED:
            return "preclosed_auto"
        if event.actor_id is None and event.to_status == Status.CLOSED:
            return "closed_auto"
        return "status"
    return {EventKind.CREATED: "created", EventKind.MESSAGE: "message",
            EventKind.QUOTE_SENT: "quote", EventKind.REMINDER: "reminder",
            EventKind.SURVEY: "survey"}[event.kind]


def _language(person: User, policy) -> str:
    offered = policy.languages or [settings.LANGUAGE_CODE]
    return person.language if person.language in offered else offered[0]


def _zone(person: User, policy) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(person.time_zone or policy.time_zone or "UTC")


def render(rows: list[OutboundEmail]) -> dict[int, EmailMultiAlternatives | str]:
    """The messages of claimed rows, by row pk (the outbox's renderer for "ticket.*").

    Loads every event, ticket, tenant and person of the batch in three queries.
    """
    events = TicketEvent.all_tenants.select_related(
        "ticket", "ticket__tenant", "ticket__tenant__policy", "ticket__created_by",
        "message", "message__author", "actor").in_bulk({row.ref for row in rows})
    people = User.objects.in_bulk({row.recipient_id for row in rows})
    rendered: dict[int, EmailMultiAlternatives | str] = {}
    for row in rows:
        event = events.get(row.ref)
        if event is None or event.tenant_id != row.tenant_id:
            rendered[row.pk] = "the ticket event is gone (ticket deleted?)"
        elif event.message is not None and event.message.internal:
            rendered[row.pk] = "internal notes are never emailed"
        else:
            rendered[row.pk] = _message(row, event, people[row.recipient_id])
    return rendered


def _message(row: OutboundEmail, event: TicketEvent, person: User) -> EmailMultiAlternatives:
    ticket = event.ticket
    tenant = ticket.tenant
    policy = tenant.policy
    audience = row.kind
    sender = policy.support_email or settings.DEFAULT_FROM_EMAIL
    domain = _domain(sender)
    if audience == STAFF:
        link = tenant_url(tenant, reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    else:
        link = tenant_url(tenant, reverse("tickets:detail", args=[ticket.number]))
    zone = _zone(person, policy)
    with translation.override(_language(person, policy)), timezone.override(zone):
        context = {
            "tenant": tenant, "policy": policy, "ticket": ticket, "event": event,
            "message": event.message, "person": person, "link": link,
            "status": customer_label(event.to_status or ticket.status,
                                     simple=policy.simple_statuses),
            "staff": audience == STAFF,
            "close_after": _close_after(event, policy),
        }
        name = _template(event, audience)
        subject = _("[%(vendor)s #%(number)s] %(subject)s") % {
            "vendor": tenant.name, "number": ticket.number, "subject": ticket.subject}
        text = render_to_string(f"tickets/email/{name}.txt", context)
        html = render_to_string(f"tickets/email/{name}.html", context)
    root = f"<ticket-{ticket.pk}@{domain}>"
    headers = {
        "Message-ID": f"<n{row.pk}.t{ticket.pk}@{domain}>",
        "In-Reply-To": root,
        "References": root,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "X-Helpdesk-Ticket": str(ticket.number),
    }
    if event.message is not None:
        headers["X-Helpdesk-Message"] = event.message.public_id
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, f"{tenant.name} <{sender}>", [row.to_email],
        reply_to=[reply_address(sender, ticket_id=ticket.pk, user_id=person.pk)],
        headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _close_after(event: TicketEvent, policy) -> datetime.datetime | None:
    """When a pre-closed or waiting ticket closes by itself, for the notice to say."""
    if (event.kind == EventKind.STATUS and event.to_status == Status.PRE_CLOSED
            and policy.auto_close_preclosed):
        return event.created_at + datetime.timedelta(days=policy.preclosed_close_days)
    if event.kind == EventKind.REMINDER and event.ticket.last_message_at is not None:
        return event.ticket.last_message_at + datetime.timedelta(hours=policy.waiting_close_hours)
    return None
