"""Writes of the Communication Center (SPEC §3): every change of a ticket goes through here.

Each service checks the actor's rights and the rules, applies the change, and records a
TicketEvent, all in one transaction. `_move` is the only code that assigns `ticket.status`;
it runs under the ticket's row lock.
"""
import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Company, Department, Holiday, Membership, Tenant, User
from accounts.permissions import Capability, can
from helpdesk.models import JobRun
from licenses.models import License, ProductVersion

from . import crypto, errors
from .attachments import CheckedFile, check_uploads
from .errors import TicketError
from .events import job_events, record_event, record_job_events
from .lifecycle import ACCEPTS_MESSAGES, Actor, Status, can_move, sources_for
from .models import (
    AccessInfo,
    AccessInfoView,
    Attachment,
    EventKind,
    HotRushDisable,
    Kind,
    Message,
    Priority,
    Ticket,
    TicketCounter,
    TicketFollower,
    TicketType,
)
from .notifications import SYSTEM_AUDIENCES, enqueue
from .pricing import charge_credits, ticket_price
from .queue import OPEN
from .selectors import PRIORITY_WEIGHT, rating_deadline
from .sla import BusinessClock, first_response_due

# T-6: disabling HotRush is counted against the company once work has started.
COUNTED_HOTRUSH_STATUSES = {Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED,
                            Status.PRE_CLOSED}
QUOTE_STATUSES = {Status.AWAITING_QUOTE, Status.QUOTE_SENT}
PRIORITY_WINDOW = datetime.timedelta(days=90)


# Status ---------------------------------------------------------------------------------

def _lock(ticket: Ticket) -> Ticket:
    # of=self: the joined company row stays unlocked, so one ticket's change does not block
    # every other ticket of the company; services that need the company lock take it.
    return (Ticket.objects.for_tenant(ticket.tenant_id).select_for_update(of=("self",))
            .select_related("company").get(pk=ticket.pk))


def move_fields(to: Status, now: datetime.datetime) -> dict:
    """What a move to ``to`` writes on the ticket: one rule for `_move` and the bulk move."""
    return {"status": to, "status_changed_at": now,
            "closed_at": now if to == Status.CLOSED else None}


def _move(ticket: Ticket, to: Status, *, by: User | None, actor: Actor, reason: str = ""):
    """Move a locked ticket to ``to`` if the transition table allows ``actor`` to (T-3)."""
    current = Status(ticket.status)
    if not can_move(current, to, actor):
        raise TicketError(errors.ILLEGAL_MOVE % {"from": current.label, "to": Status(to).label})
    fields = move_fields(to, timezone.now())
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=[*fields, "updated_at"])
    if current == Status.CLOSED:
        # A closed ticket's score stood still while its company's offset moved.
        refresh_queue_scores(Ticket.objects.for_tenant(ticket.tenant_id).filter(pk=ticket.pk))
    record_event(ticket, EventKind.STATUS, by=by, from_status=current, to_status=to,
                 reason=reason)


def movable(tickets: QuerySet[Ticket], to: Status) -> QuerySet[Ticket]:
    """The tickets of ``tickets`` the transition table lets the system move to ``to``."""
    return tickets.filter(status__in=sources_for(to, Actor.SYSTEM))


def change_status_bulk(*, tenants: Sequence[Tenant], tickets: QuerySet[Ticket], to: Status,
                       rule: str, run: JobRun, reason: str, now: datetime.datetime) -> int:
    """The timed jobs' set-based sibling of `change_status` (§5): move every ticket of
    ``tickets`` that the transition table lets the system move to ``to``.

    Three statements, whatever the number of tickets: the events are written first, from a
    SELECT that locks the tickets it reads (a concurrent run, or a customer's message, waits;
    PostgreSQL then re-checks the conditions on the row as committed, so a ticket that
    changed meanwhile drops out); the UPDATE moves exactly the tickets that got an event; the
    outbox rows follow from those events. Call inside the job's transaction; ``run`` may
    span more tenants, ``tenants`` keeps each step to those whose ``tickets`` are moved.
    """
    scoped = tickets.filter(tenant_id__in=[tenant.pk for tenant in tenants])
    moved = record_job_events(movable(scoped, to), EventKind.STATUS,
                              run=run, rule=rule, reason=reason, now=now, to_status=to)
    if moved:
        events = job_events(tenants, run, rule, EventKind.STATUS)
        Ticket.objects.for_tenants(tenants).filter(pk__in=events.values("ticket_id")).update(
            **move_fields(to, now), updated_at=now)
        enqueue(events, audiences=SYSTEM_AUDIENCES)
    return moved


def change_status(*, ticket: Ticket, to: Status, by: User | None, actor: Actor,
                  reason: str = "") -> Ticket:
    """Move ``ticket`` to ``to`` for ``actor`` (customer, staff or system). Locks the row."""
    with transaction.atomic():
        locked = _lock(ticket)
        _move(locked, Status(to), by=by, actor=actor, reason=reason)
    return locked


def customer_change_status(*, membership: Membership, ticket: Ticket, to: Status) -> Ticket:
    """Ticket properties' status choice (T-5): close, reopen, pre-closed → closed/in progress."""
    if Status(to) == Status.SUBMITTED:  # that move is accepting a quote: accept_quote
        raise TicketError(errors.ILLEGAL_MOVE % {"from": Status(ticket.status).label,
                                                 "to": Status.SUBMITTED.label})
    return change_status(ticket=ticket, to=to, by=membership.user, actor=Actor.CUSTOMER,
                         reason=_("changed by the customer"))


# Submitting -----------------------------------------------------------------------------

def next_ticket_number(tenant: Tenant) -> int:
    """The tenant's next ticket number; the counter row stays locked until commit."""
    counters = TicketCounter.objects.for_tenant(tenant)
    counters.get_or_create(tenant=tenant)
    counters.update(last_number=F("last_number") + 1)
    return counters.values_list("last_number", flat=True).get()


def business_clock(tenant: Tenant) -> BusinessClock:
    holidays = Holiday.objects.for_tenant(tenant).values_list("date", flat=True)
    return BusinessClock.of(tenant.policy, holidays)


def _due(tenant: Tenant, *, start, priority: str, hotrush: bool):
    return first_response_due(policy=tenant.policy, clock=business_clock(tenant),
                              submitted_at=start, priority=priority, hotrush=hotrush)


def _require_buy(membership: Membership, credits: int) -> None:
    """Options that cost credits need the "buy" capability of ACC-1 (B-5)."""
    if credits and not can(membership, Capability.BUY):
        raise TicketError(errors.BUY_CAPABILITY)


def submit_ticket(*, tenant: Tenant, membership: Membership, ticket_type: TicketType,
                  subject: str, body: str, priority: str = Priority.NORMAL,
                  hotrush: bool = False, quote_requested: bool = False,
                  department: Department | None = None, licenses: Sequence[License] = (),
                  product_version: ProductVersion | None = None,
                  uploads: Sequence = ()) -> Ticket:
    """Create a ticket with its first message (T-1, T-6, T-8, T-14)."""
    user = membership.user
    policy = tenant.policy
    if not user.email_verified:
        raise TicketError(errors.EMAIL_NOT_VERIFIED)
    if ticket_type.tenant_id != tenant.pk or not ticket_type.customer_selectable:
        raise TicketError(errors.TYPE_NOT_OFFERED)
    if department is not None and department.tenant_id != tenant.pk:
        raise TicketError(errors.DEPARTMENT_UNKNOWN)
    if hotrush and ticket_type.kind != Kind.SUPPORT:
        raise TicketError(errors.HOTRUSH_ONLY_SUPPORT)
    if hotrush and quote_requested:
        raise TicketError(errors.HOTRUSH_QUOTE)
    if any(lic.tenant_id != tenant.pk or lic.company_id != membership.company_id
           for lic in licenses):
        raise TicketError(errors.NOT_YOUR_LICENSE)
    if product_version is not None and product_version.tenant_id != tenant.pk:
        raise TicketError(errors.UNKNOWN_VERSION)
    price = 0 if quote_requested else ticket_price(policy, kind=ticket_type.kind,
                                                   priority=priority)
    hotrush_price = policy.hotrush_price if hotrush else 0
    _require_buy(membership, price + hotrush_price)
    files = check_uploads(list(uploads), policy)
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            tenant=tenant, number=next_ticket_number(tenant), company_id=membership.company_id,
            created_by=user, type=ticket_type, kind=ticket_type.kind,
            department=department or ticket_type.department, subject=subject.strip(),
            status=Status.AWAITING_QUOTE if quote_requested else Status.SUBMITTED,
            priority=priority, hotrush=hotrush, quote_requested=quote_requested,
            product_version=product_version,
            first_response_due_at=_due(tenant, start=now, priority=priority, hotrush=hotrush),
        )
        ticket.licenses.set(licenses)
        TicketFollower.objects.create(tenant=tenant, ticket=ticket, user=user)
        message = _add_message(ticket, author=user, body=body, by_staff=False, internal=False,
                               files=files)
        record_event(ticket, EventKind.CREATED, by=user, to_status=ticket.status,
                     message=message,
                     **charge_credits(ticket=ticket, credits=price, reason="ticket"))
        if hotrush:
            record_event(ticket, EventKind.HOTRUSH_ON, by=user, **charge_credits(
                ticket=ticket, credits=hotrush_price, reason="hotrush"))
        refresh_priority_offset(tenant=tenant, company_id=membership.company_id)
    return ticket


def refresh_priority_offsets(*, tenant: Tenant, company_ids: Sequence[int] | None = None) -> int:
    """Store each company's share(Minor) - share(Major) of its last 90 days of tickets (T-7).

    One UPDATE for all the tenant's companies (the nightly job) or for ``company_ids``;
    LOG tickets do not count, a company without tickets gets 0. Returns the rows updated.
    """
    ratio = FloatField()  # SQLite's CAST AS NUMERIC keeps integers and would divide them
    counted = Q(created_at__gte=timezone.now() - PRIORITY_WINDOW) & ~Q(kind=Kind.LOG)
    offsets = (Ticket.objects.for_tenant(tenant).filter(counted, company=OuterRef("pk"))
               .values("company")
               .annotate(offset=Cast(Count("pk", filter=Q(priority=Priority.MINOR))
                                     - Count("pk", filter=Q(priority=Priority.MAJOR)), ratio)
                         / Cast(Count("pk"), ratio))
               .values("offset"))
    companies = Company.objects.for_tenant(tenant)
    tickets = Ticket.objects.for_tenant(tenant).filter(OPEN)
    if company_ids is not None:
        companies = companies.filter(pk__in=company_ids)
        tickets = tickets.filter(company_id__in=company_ids)
    with transaction.atomic():
        updated = companies.update(priority_offset=Coalesce(
            Subquery(offsets, output_field=ratio), Value(0.0), output_field=ratio))
        refresh_queue_scores(tickets)
    return updated


def refresh_queue_scores(tickets: QuerySet[Ticket]) -> int:
    """Store T-7's effective score, weight(priority) + the company's offset, on each of
    ``tickets`` whose stored score differs: one UPDATE. Returns the tickets changed.

    The staff queue sorts on the stored score (issue 5), so every change of a ticket's
    priority or of a company's offset, and every ticket that opens, comes through here.
    """
    offset = Company.all_tenants.filter(pk=OuterRef("company_id")).values("priority_offset")
    score = ExpressionWrapper(PRIORITY_WEIGHT + Subquery(offset),
                              output_field=Ticket._meta.get_field("queue_score"))
    return tickets.exclude(queue_score=score).update(queue_score=score)


def refresh_priority_offset(*, tenant: Tenant, company_id: int) -> Decimal:
    """Refresh one company's offset (after it submits a ticket) and return it."""
    refresh_priority_offsets(tenant=tenant, company_ids=[company_id])
    return (Company.objects.for_tenant(tenant).values_list("priority_offset", flat=True)
            .get(pk=company_id))


# Messages -------------------------------------------------------------------------------

def _add_message(ticket: Ticket, *, author: User, body: str, by_staff: bool, internal: bool,
                 files: Sequence[CheckedFile]) -> Message:
    message = Message.objects.create(tenant_id=ticket.tenant_id, ticket=ticket, author=author,
                                     by_staff=by_staff, internal=internal, body=body.strip())
    for checked in files:
        attachment = Attachment(tenant_id=ticket.tenant_id, message=message, name=checked.name,
                                size=checked.size, content_type=checked.content_type,
                                sha256=checked.sha256)
        attachment.file.save(checked.name, checked.upload, save=False)
        attachment.save()
    if not internal:
        ticket.last_message_at = message.created_at
        ticket.last_message_by = author
        ticket.last_message_by_staff = by_staff
        fields = ["last_message_at", "last_message_by", "last_message_by_staff", "updated_at"]
        if by_staff and ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            fields.append("first_response_at")
        ticket.save(update_fields=fields)
    return message


def post_message(*, ticket: Ticket, author: User, body: str, internal: bool = False,
                 uploads: Sequence = ()) -> Message:
    """Add a message (or, for staff, an internal note) to an open ticket (T-4).

    A public message on a Pre-closed ticket moves it to In progress (AUTO-4).
    """
    by_staff = author.is_staff
    if internal and not by_staff:
        raise TicketError(errors.ONLY_STAFF_NOTES)
    files = check_uploads(list(uploads), ticket_policy(ticket))
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status not in ACCEPTS_MESSAGES:
            raise TicketError(errors.CANNOT_POST_ON_CLOSED)
        message = _add_message(locked, author=author, body=body, by_staff=by_staff,
                               internal=internal, files=files)
        record_event(locked, EventKind.NOTE if internal else EventKind.MESSAGE, by=author,
                     message=message)
        if not internal and locked.status == Status.PRE_CLOSED:
            _move(locked, Status.IN_PROGRESS, by=author,
                  actor=Actor.STAFF if by_staff else Actor.CUSTOMER,
                  reason=_("a new message on a pre-closed ticket"))
    return message


def ticket_policy(ticket: Ticket):
    return Tenant.objects.select_related("policy").get(pk=ticket.tenant_id).policy


# Ticket properties (T-5) ----------------------------------------------------------------

def set_priority(*, ticket: Ticket, priority: str, by: User,
                 membership: Membership | None = None) -> Ticket:
    """Change the priority while the ticket is open; ``membership`` when a customer asks."""
    priority = Priority(priority)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status == Status.CLOSED:
            raise TicketError(errors.PRIORITY_CLOSED)
        if locked.priority == priority:
            return locked
        tenant = Tenant.objects.select_related("policy").get(pk=locked.tenant_id)
        price = ticket_price(tenant.policy, kind=locked.kind, priority=priority)
        previous = ticket_price(tenant.policy, kind=locked.kind, priority=locked.priority)
        extra = max(price - previous, 0)
        if membership is not None:
            _require_buy(membership, extra)
        old = locked.priority
        locked.priority = priority
        fields = ["priority", "updated_at"]
        if not locked.hotrush and locked.first_response_at is None:
            locked.first_response_due_at = _due(tenant, start=locked.created_at,
                                                 priority=priority, hotrush=False)
            fields.append("first_response_due_at")
        locked.save(update_fields=fields)
        record_event(locked, EventKind.PRIORITY, by=by, old=old, new=priority,
                     **charge_credits(ticket=locked, credits=extra, reason="priority"))
        refresh_priority_offset(tenant=tenant, company_id=locked.company_id)
    return locked


def set_hotrush(*, ticket: Ticket, enable: bool, by: User,
                membership: Membership | None = None) -> Ticket:
    """Enable or disable HotRush (T-6); ``membership`` when a customer asks.

    A customer's disable once work has started counts against the company's lifetime limit;
    the company row is locked while counting, so concurrent disables cannot overrun it.
    """
    with transaction.atomic():
        locked = _lock(ticket)
        tenant = Tenant.objects.select_related("policy").get(pk=locked.tenant_id)
        policy = tenant.policy
        if locked.status == Status.CLOSED:
            raise TicketError(errors.HOTRUSH_CLOSED)
        if locked.hotrush == enable:
            raise TicketError(errors.HOTRUSH_UNCHANGED % {
                "state": _("enabled") if enable else _("disabled")})
        if enable:
            if locked.kind != Kind.SUPPORT:
                raise TicketError(errors.HOTRUSH_ONLY_SUPPORT)
            if locked.status in QUOTE_STATUSES:
                raise TicketError(errors.HOTRUSH_QUOTE)
            if membership is not None:
                _require_buy(membership, policy.hotrush_price)
            settlement = charge_credits(ticket=locked, credits=policy.hotrush_price,
                                        reason="hotrush")
        else:
            settlement = {}
            if locked.status == Status.SUBMITTED:
                settlement = charge_credits(ticket=locked, credits=-policy.hotrush_price,
                                            reason="hotrush refund")
            elif membership is not None and locked.status in COUNTED_HOTRUSH_STATUSES:
                _count_hotrush_disable(tenant, locked, by=by)
        locked.hotrush = enable
        fields = ["hotrush", "updated_at"]
        if locked.first_response_at is None:
            start = timezone.now() if enable else locked.created_at
            locked.first_response_due_at = _due(tenant, start=start, priority=locked.priority,
                                                hotrush=enable)
            fields.append("first_response_due_at")
        locked.save(update_fields=fields)
        record_event(locked, EventKind.HOTRUSH_ON if enable else EventKind.HOTRUSH_OFF, by=by,
                     **settlement)
    return locked


def _count_hotrush_disable(tenant: Tenant, ticket: Ticket, *, by: User) -> None:
    company = (Company.objects.for_tenant(tenant).select_for_update()
               .get(pk=ticket.company_id))
    used = HotRushDisable.objects.for_tenant(tenant).filter(company=company).count()
    limit = tenant.policy.hotrush_disable_limit
    if used >= limit:
        raise TicketError(errors.HOTRUSH_LIMIT % {"limit": limit})
    HotRushDisable.objects.create(tenant=tenant, company=company, ticket=ticket, by=by)


def hotrush_disables_left(*, tenant: Tenant, company: Company) -> int:
    used = HotRushDisable.objects.for_tenant(tenant).filter(company=company).count()
    return max(tenant.policy.hotrush_disable_limit - used, 0)


# Quotes (T-8) ---------------------------------------------------------------------------

def send_quote(*, ticket: Ticket, by: User, scope: str, credits: int | None = None,
               amount: Decimal | None = None) -> Ticket:
    """Staff estimate a ticket that asked for a price quote; no work until accepted."""
    if not scope.strip() or (credits is None and amount is None) or (
            (credits is not None and credits < 0) or (amount is not None and amount < 0)):
        raise TicketError(errors.QUOTE_INVALID)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != Status.AWAITING_QUOTE:
            raise TicketError(errors.QUOTE_WRONG_STATUS)
        locked.quote_credits, locked.quote_amount = credits, amount
        locked.quote_scope, locked.quote_sent_at = scope.strip(), timezone.now()
        locked.save(update_fields=["quote_credits", "quote_amount", "quote_scope",
                                   "quote_sent_at", "updated_at"])
        _move(locked, Status.QUOTE_SENT, by=by, actor=Actor.STAFF, reason=_("quote sent"))
        record_event(locked, EventKind.QUOTE_SENT, by=by, credits=credits,
                     amount=str(amount) if amount is not None else None)
    return locked


def answer_quote(*, membership: Membership, ticket: Ticket, accept: bool) -> Ticket:
    """The customer accepts (into the queue, credits charged) or declines (closed) a quote."""
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != Status.QUOTE_SENT:
            raise TicketError(errors.QUOTE_NOT_SENT)
        user = membership.user
        if accept:
            credits = locked.quote_credits or 0
            _require_buy(membership, credits)
            settlement = charge_credits(ticket=locked, credits=credits, reason="quote")
            _move(locked, Status.SUBMITTED, by=user, actor=Actor.CUSTOMER,
                  reason=_("quote accepted"))
            tenant = Tenant.objects.select_related("policy").get(pk=locked.tenant_id)
            locked.first_response_due_at = _due(tenant, start=timezone.now(),
                                                priority=locked.priority, hotrush=False)
            locked.save(update_fields=["first_response_due_at"])
            record_event(locked, EventKind.QUOTE_ACCEPTED, by=user, **settlement)
        else:
            _move(locked, Status.CLOSED, by=user, actor=Actor.CUSTOMER,
                  reason=_("quote declined"))
            record_event(locked, EventKind.QUOTE_DECLINED, by=user)
    return locked


# Rating (T-9) ---------------------------------------------------------------------------

def rate_ticket(*, membership: Membership, ticket: Ticket, rating: int,
                comment: str = "") -> Ticket:
    """Rate a closed ticket 1-5, once; the rating stays editable for the tenant's days."""
    if not 1 <= rating <= 5:
        raise TicketError(errors.RATE_RANGE)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != Status.CLOSED:
            raise TicketError(errors.RATE_ONLY_CLOSED)
        policy = ticket_policy(locked)
        now = timezone.now()
        deadline = rating_deadline(locked, policy)
        if deadline is not None and now > deadline:
            raise TicketError(errors.RATE_LOCKED)
        locked.rating, locked.rating_comment = rating, comment.strip()
        locked.rated_at = locked.rated_at or now
        locked.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        record_event(locked, EventKind.RATED, by=membership.user, rating=rating)
    return locked


def set_hide_closed_rated(*, user: User, hide: bool) -> None:
    """Remember the person's "Hide closed and rated tickets" choice (T-9)."""
    User.objects.filter(pk=user.pk).update(hide_closed_rated=hide)
    user.hide_closed_rated = hide


def follow_ticket(*, ticket: Ticket, membership: Membership, follow: bool) -> None:
    """Start or stop getting a ticket's emails (N-1): anyone of the ticket's company."""
    if membership.company_id != ticket.company_id or membership.tenant_id != ticket.tenant_id:
        raise TicketError(errors.FOLLOW_OTHER_COMPANY)
    followers = TicketFollower.objects.for_tenant(ticket.tenant_id)
    if follow:
        followers.get_or_create(tenant_id=ticket.tenant_id, ticket=ticket, user=membership.user)
    else:
        followers.filter(ticket=ticket, user=membership.user).delete()


# Staff work (T-15) ----------------------------------------------------------------------

def _require_tenant_staff(user: User, tenant_id: int, message=errors.ASSIGNEE_NOT_STAFF):
    if not (user.is_active and user.is_staff and user.tenant_id == tenant_id):
        raise TicketError(message)


def assign_ticket(*, ticket: Ticket, by: User, assignee: User | None) -> Ticket:
    """Give the ticket an owner; a queued or re-opened ticket becomes Assigned, and an
    Assigned ticket left without an owner goes back to the queue as Submitted (T-3)."""
    if assignee is not None:
        _require_tenant_staff(assignee, ticket.tenant_id)
    with transaction.atomic():
        locked = _lock(ticket)
        old = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        record_event(locked, EventKind.ASSIGNED, by=by, old=old,
                     new=assignee.pk if assignee else None)
        if assignee is not None and locked.status in (Status.SUBMITTED, Status.REOPENED):
            _move(locked, Status.ASSIGNED, by=by, actor=Actor.STAFF, reason=_("assigned"))
        elif assignee is None and locked.status == Status.ASSIGNED:
            _move(locked, Status.SUBMITTED, by=by, actor=Actor.STAFF, reason=_("unassigned"))
    return locked


def move_to_department(*, ticket: Ticket, by: User, department: Department) -> Ticket:
    if department.tenant_id != ticket.tenant_id:
        raise TicketError(errors.DEPARTMENT_UNKNOWN)
    with transaction.atomic():
        locked = _lock(ticket)
        old = locked.department_id
        locked.department = department
        locked.save(update_fields=["department", "updated_at"])
        record_event(locked, EventKind.DEPARTMENT, by=by, old=old, new=department.pk)
    return locked


def mark_solved(*, ticket: Ticket, by: User, solved: bool = True) -> Ticket:
    """Staff's "solved" flag, which AUTO-3 pre-closes on; not a status."""
    with transaction.atomic():
        locked = _lock(ticket)
        locked.solved = solved
        locked.save(update_fields=["solved", "updated_at"])
        record_event(locked, EventKind.SOLVED, by=by, solved=solved)
    return locked


def split_message(*, message: Message, by: User, subject: str) -> Ticket:
    """Move a customer's new issue out of a ticket into a ticket of its own (T-2).

    Both tickets link to each other; the customer is told in the original thread.
    """
    original = message.ticket
    if message.internal:
        raise TicketError(errors.SPLIT_INTERNAL)
    first = original.messages.order_by("created_at", "pk").values_list("pk", flat=True).first()
    if first == message.pk:
        raise TicketError(errors.SPLIT_FIRST_MESSAGE)
    with transaction.atomic():
        locked = _lock(original)
        tenant = Tenant.objects.select_related("policy").get(pk=locked.tenant_id)
        now = timezone.now()
        new = Ticket.objects.create(
            tenant=tenant, number=next_ticket_number(tenant), company_id=locked.company_id,
            created_by=message.author if not message.by_staff else locked.created_by,
            type=locked.type, kind=locked.kind, department=locked.department,
            subject=subject.strip() or locked.subject, priority=locked.priority,
            split_from=locked, last_message_at=message.created_at,
            last_message_by=message.author, last_message_by_staff=message.by_staff,
            first_response_due_at=_due(tenant, start=now, priority=locked.priority,
                                       hotrush=False),
        )
        Message.objects.for_tenant(tenant).filter(pk=message.pk).update(ticket=new)
        refresh_queue_scores(Ticket.objects.for_tenant(tenant).filter(pk=new.pk))
        TicketFollower.objects.create(tenant=tenant, ticket=new, user=new.created_by)
        settlement = charge_credits(ticket=new, credits=tenant.policy.split_fee, reason="split")
        record_event(new, EventKind.CREATED, by=by, to_status=new.status,
                     reason=_("split from #%(number)s") % {"number": locked.number})
        record_event(new, EventKind.SPLIT, by=by, source=locked.number, **settlement)
        record_event(locked, EventKind.SPLIT, by=by, target=new.number, message_id=message.pk)
        with translation.override(locked.created_by.language):  # the customer reads it
            body = _("Your message %(id)s raises a new issue, so we moved it to ticket "
                     "#%(number)s, where we will answer it.") % {
                         "id": message.public_id, "number": new.number}
        notice = _add_message(locked, author=by, by_staff=True, internal=False, files=(),
                              body=body)
        record_event(locked, EventKind.MESSAGE, by=by, message=notice)
    return new


def merge_tickets(*, source: Ticket, target: Ticket, by: User) -> Ticket:
    """Close a duplicate ``source`` into ``target`` of the same company (T-15)."""
    if source.pk == target.pk:
        raise TicketError(errors.MERGE_ITSELF)
    if source.company_id != target.company_id or source.tenant_id != target.tenant_id:
        raise TicketError(errors.MERGE_OTHER_COMPANY)
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)  # one lock order
        locked = {t.pk: _lock(t) for t in (first, second)}
        source, target = locked[source.pk], locked[target.pk]
        if target.status == Status.CLOSED:
            raise TicketError(errors.MERGE_CLOSED_TARGET)
        with translation.override(source.created_by.language):  # the customer reads it
            body = _("This ticket duplicates ticket #%(number)s; we continue there.") % {
                "number": target.number}
        notice = _add_message(source, author=by, by_staff=True, internal=False, files=(),
                              body=body)
        record_event(source, EventKind.MESSAGE, by=by, message=notice)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        _move(source, Status.CLOSED, by=by, actor=Actor.STAFF,
              reason=_("merged into #%(number)s") % {"number": target.number})
        record_event(source, EventKind.MERGED, by=by, target=target.number)
        record_event(target, EventKind.MERGED, by=by, source=source.number)
    return target


# Access info (T-10) ---------------------------------------------------------------------

def _require_access_role(membership: Membership, ticket: Ticket) -> None:
    if (not can(membership, Capability.ACCESS_INFO)
            or membership.company_id != ticket.company_id
            or membership.tenant_id != ticket.tenant_id):
        raise TicketError(errors.ACCESS_INFO_ROLE)


def post_access_info(*, membership: Membership, ticket: Ticket, kind: str, host: str,
                     port: int | None, login: str, password: str, notes: str) -> AccessInfo:
    """Store server access for the engineers, encrypted at rest; never echoed anywhere."""
    _require_access_role(membership, ticket)
    with transaction.atomic():
        info = AccessInfo.objects.create(
            tenant_id=ticket.tenant_id, ticket=ticket, kind=kind, host=host.strip(), port=port,
            secret=crypto.seal({"login": login, "password": password, "notes": notes}),
            created_by=membership.user,
        )
        record_event(ticket, EventKind.ACCESS_INFO, by=membership.user, action="added",
                     kind=kind)
    return info


def read_access_info(*, ticket: Ticket, viewer: User,
                     membership: Membership | None = None) -> list[dict]:
    """The decrypted access info of ``ticket``; each call is logged (T-10)."""
    if membership is not None:
        _require_access_role(membership, ticket)
    elif not (viewer.is_staff and (viewer.tenant_id == ticket.tenant_id or viewer.is_superuser)):
        raise TicketError(errors.ACCESS_INFO_ROLE)
    infos = list(AccessInfo.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket))
    AccessInfoView.objects.create(tenant_id=ticket.tenant_id, ticket=ticket, viewer=viewer)
    return [{"info": info, **crypto.unseal(info.secret)} for info in infos]


def delete_access_info(*, membership: Membership, info: AccessInfo) -> None:
    _require_access_role(membership, info.ticket)
    with transaction.atomic():
        record_event(info.ticket, EventKind.ACCESS_INFO, by=membership.user, action="deleted",
                     kind=info.kind)
        info.delete()
