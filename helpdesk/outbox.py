"""The email outbox (N-1): rows written with the change that causes them, sent by a Celery
task that claims them with a lease, with retries and backoff.

Each row is marked sent straight after the SMTP server accepted its message, so the only way
to send an email twice is a crash between that acceptance and that one-row UPDATE: the row
stays claimed, and once its lease runs out another run sends it again. Everything else (a
rerun, two workers at once, a failure half way through a batch) sends each email once.
On PostgreSQL those marks commit without waiting for the WAL to reach the disk (the wait
cost more than rendering and sending together): a worker that dies loses none of them, and
only a crash of the database server itself could lose the last fraction of a second of
marks, whose emails would then go out again.
"""
import datetime
import logging
import smtplib
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import F, Q, QuerySet, Subquery
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import EmailStatus, OutboundEmail

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=5)
# A sender stops this long before its lease ends: past the lease another sender may own the row.
# EMAIL_TIMEOUT bounds each SMTP step; one message takes a few steps.
LEASE_MARGIN = datetime.timedelta(minutes=2)
MAX_ATTEMPTS = 8
FIRST_RETRY = datetime.timedelta(minutes=1)
LAST_RETRY = datetime.timedelta(hours=2)
BATCH = 200

# A renderer turns claimed rows of its kind into messages ready to send, by row pk; a str
# instead of a message says why that row cannot be sent (its ticket is gone, say).
Renderer = Callable[[list[OutboundEmail]], dict[int, EmailMessage | str]]
RENDERERS: dict[str, Renderer] = {}


def register_renderer(prefix: str, renderer: Renderer) -> None:
    """Apps register the renderer of their kinds ("ticket.message" → "ticket") at ready()."""
    RENDERERS[prefix] = renderer


def queued(count: int) -> None:
    """Called by the writers of outbox rows: after commit, ask a worker to send at once
    (the beat sends anyway, every OUTBOX_SECONDS)."""
    if count and settings.OUTBOX_KICK:
        transaction.on_commit(_kick)


def _kick() -> None:
    from .tasks import deliver_outbox_task

    try:
        deliver_outbox_task.apply_async()
    except OperationalError:  # the broker is down: the beat will send, the page must not fail
        log.warning("outbox: could not reach the broker; the next beat sends the email")


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before the next attempt: 1, 2, 4 ... minutes, at most two hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


def _due(now: datetime.datetime) -> Q:
    return (Q(status=EmailStatus.PENDING, available_at__lte=now)
            | Q(status=EmailStatus.SENDING, lease_until__lt=now))


def claim(*, token: str, now: datetime.datetime, limit: int = BATCH) -> list[OutboundEmail]:
    """Claim up to ``limit`` due rows for ``token`` with a lease, in one UPDATE.

    PostgreSQL: SKIP LOCKED lets two senders claim different rows at once, and the
    repeated ``due`` condition makes a row that another sender claimed first drop out.
    """
    rows = OutboundEmail.all_tenants
    picked = (rows.filter(_due(now)).order_by("available_at", "pk")
              .select_for_update(skip_locked=True).values("pk")[:limit])
    with transaction.atomic():
        rows.filter(_due(now), pk__in=Subquery(picked)).update(
            status=EmailStatus.SENDING, claimed_by=token, lease_until=now + LEASE,
            attempts=F("attempts") + 1)
    return list(rows.filter(claimed_by=token, status=EmailStatus.SENDING).order_by("pk"))


def _settle(row: OutboundEmail, token: str, **fields) -> None:
    """Write the outcome of one row, unless its lease went to another sender meanwhile."""
    OutboundEmail.all_tenants.filter(pk=row.pk, claimed_by=token).update(
        lease_until=None, **fields)


def _retry_or_fail(row: OutboundEmail, token: str, error: str, *, permanent: bool) -> bool:
    """Back off for another attempt, or give up; True when the row failed for good."""
    if permanent or row.attempts >= MAX_ATTEMPTS:
        _settle(row, token, status=EmailStatus.FAILED, last_error=error)
        return True
    _settle(row, token, status=EmailStatus.PENDING, last_error=error,
            available_at=timezone.now() + backoff(row.attempts))
    return False


@contextmanager
def _marks_without_flush_wait():
    if db.vendor != "postgresql":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def render(rows: list[OutboundEmail]) -> dict[int, EmailMessage | str]:
    """Each row's message, or why it cannot be sent. A renderer that raises on a batch is
    asked again row by row, so that one broken email fails alone, with its error, instead of
    holding up the queue."""
    rendered: dict[int, EmailMessage | str] = {}
    by_prefix: dict[str, list[OutboundEmail]] = {}
    for row in rows:
        by_prefix.setdefault(row.kind.partition(".")[0], []).append(row)
    for prefix, group in by_prefix.items():
        renderer = RENDERERS.get(prefix)
        if renderer is None:
            rendered.update({row.pk: f"no renderer for {row.kind}" for row in group})
            continue
        try:
            rendered.update(renderer(group))
        except Exception:  # whatever a template does, the queue goes on
            for row in group:
                try:
                    rendered.update(renderer([row]))
                except Exception as exc:
                    log.exception("outbox: cannot render email %s", row.pk)
                    rendered[row.pk] = f"cannot render: {exc!r}"
    return rendered


def deliver(*, limit: int = BATCH, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send one batch of due emails over one SMTP connection; returns counts.

    The server refusing one message or recipient settles that row and the batch goes on: a
    5xx answer fails it at once, anything else is retried with backoff, up to MAX_ATTEMPTS.
    A lost connection stops the batch, and so does the lease nearing its end: the rows not
    tried yet go back to the queue as they were ("returned").
    """
    token = uuid.uuid4().hex
    now = now or timezone.now()
    rows = claim(token=token, now=now, limit=limit)
    counts = {"claimed": len(rows), "sent": 0, "retry": 0, "failed": 0, "returned": 0}
    if not rows:
        return counts
    messages = render(rows)
    with _marks_without_flush_wait():
        pending, problem = _send(rows, messages, token, now + LEASE - LEASE_MARGIN, counts)
    release(pending, token, problem)
    counts["returned"] = len(pending)
    return counts


def _send(rows, messages, token: str, stop_at, counts) -> tuple[list, str]:
    """Send ``rows`` in order over one connection, settling each; returns the rows not tried
    and, if the connection failed, why."""
    connection = get_connection()
    pending = list(rows)
    current = None
    try:
        connection.open()
        while pending and timezone.now() < stop_at:
            current = pending.pop(0)
            message = messages[current.pk]
            if isinstance(message, str):
                _settle(current, token, status=EmailStatus.FAILED, last_error=message)
                counts["failed"] += 1
                continue
            message.connection = connection
            try:
                message.send()
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                counts[_outcome(current, token, exc)] += 1
                current = None
                if getattr(exc, "smtp_code", None) == 421:  # the server is closing on us
                    break
                continue
            _settle(current, token, status=EmailStatus.SENT, sent_at=timezone.now(),
                    message_id=message.extra_headers.get("Message-ID", ""), last_error="")
            counts["sent"] += 1
            current = None
    except (smtplib.SMTPException, OSError) as exc:  # the connection failed or broke
        if current is not None:
            counts[_outcome(current, token, exc)] += 1
        problem = describe(exc)[0]
    else:
        problem = ""
    finally:
        connection.close()
    return pending, problem


def _outcome(row: OutboundEmail, token: str, exc: Exception) -> str:
    error, permanent = describe(exc)
    return "failed" if _retry_or_fail(row, token, error, permanent=permanent) else "retry"


def describe(exc: Exception) -> tuple[str, bool]:
    """The error to show in admin, and whether it is permanent: the server refused the
    message or every recipient with a 5xx code. Anything else (4xx, a lost connection) may
    pass on a later attempt."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return f"recipients refused: {exc.recipients!r}", all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {exc.smtp_error!r}", 500 <= exc.smtp_code < 600
    return repr(exc), False


def release(rows: Iterable[OutboundEmail], token: str, problem: str = "") -> None:
    """Give claimed rows back untried: no attempt counted, due again at once; ``problem``
    (the server could not be reached, say) is kept as their last error for admin."""
    fields = {"last_error": problem} if problem else {}
    OutboundEmail.all_tenants.filter(pk__in=[row.pk for row in rows], claimed_by=token).update(
        status=EmailStatus.PENDING, lease_until=None, attempts=F("attempts") - 1, **fields)


def deliver_all(*, now: datetime.datetime | None = None, batches: int = 50) -> dict[str, int]:
    """Send batches until nothing is due, a batch had to stop short (the server is gone),
    or ``batches`` ran; the Celery task's body."""
    total = {"claimed": 0, "sent": 0, "retry": 0, "failed": 0, "returned": 0}
    for _ in range(batches):
        counts = deliver(now=now)
        for key in total:
            total[key] += counts[key]
        if counts["claimed"] == 0 or counts["returned"]:
            break
    return total


def send_again(rows: QuerySet) -> int:
    """Admin: put failed emails back in the queue for a fresh round of attempts."""
    return rows.filter(status=EmailStatus.FAILED).update(
        status=EmailStatus.PENDING, attempts=0, available_at=timezone.now(), lease_until=None)
