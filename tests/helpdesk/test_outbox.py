"""The email outbox (SPEC N-1) against real SMTP servers (aiosmtpd): leases, retries with
backoff, permanent failures, sending again from admin, a sender that fails half way, and two
senders at once. Each handler below answers as a real mail server would; nothing is mocked."""
import datetime
import smtplib
import threading
from collections import Counter

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from helpdesk import outbox
from helpdesk.models import EmailStatus, OutboundEmail
from tests.accounts.factories import customer_of
from tests.smtp import Inbox, free_port
from tests.tickets.factories import TicketEventFactory, TicketFactory
from tickets import notifications, services
from tickets.models import EventKind, Ticket, TicketFollower

SECOND = datetime.timedelta(seconds=1)


class Refusing(Inbox):
    """Answers ``reply`` to the messages numbered in ``messages`` (0 the first one this server
    is given) and to every recipient ``address``; accepts everything else."""

    def __init__(self, reply: str, *, messages=(), address: str = ""):
        super().__init__()
        self.reply, self.refuse, self.address = reply, set(messages), address
        self.given = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.address:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.given += 1
        if self.given - 1 in self.refuse:
            return self.reply
        return await super().handle_DATA(server, session, envelope)


class HangingUp(Inbox):
    """Accepts ``accept`` messages, then drops the connection instead of answering the next,
    as a crashed server or a broken network would; accepts again on the next connection."""

    def __init__(self, accept: int):
        super().__init__()
        self.accept, self.hung_up = accept, False

    async def handle_DATA(self, server, session, envelope):
        if len(self.messages) == self.accept and not self.hung_up:
            self.hung_up = True
            server.transport.close()
            return "421 closing"  # never reaches the client: the connection is gone
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def serve(settings):
    """Start an SMTP server with a handler of the test's choice; Django's SMTP backend
    sends to it (as tests/smtp.py does)."""
    controllers = []

    def start(handler):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = (
            False, "", "")
        return handler

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def emails(company, agent):
    """``emails(n)``: a staff reply to a ticket with n followers queues exactly n emails,
    sent in the order returned."""

    def queue(count: int) -> list[OutboundEmail]:
        ticket = TicketFactory(company=company)
        for _ in range(count):
            TicketFollower.objects.create(tenant=company.tenant, ticket=ticket,
                                          user=customer_of(company, Role.SECONDARY))
        services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
        rows = list(OutboundEmail.all_tenants.filter(status=EmailStatus.PENDING)
                    .order_by("available_at", "pk"))
        assert len(rows) == count
        return rows

    return queue


def fresh(row: OutboundEmail) -> OutboundEmail:
    row.refresh_from_db()
    return row


def arrivals(server) -> Counter:
    """How many times each Message-ID reached the server."""
    return Counter(message["Message-ID"] for message in server.messages)


def message_id(row: OutboundEmail) -> str:
    return fresh(row).message_id


def test_backoff_doubles_from_a_minute_up_to_two_hours():
    assert [outbox.backoff(n) / datetime.timedelta(minutes=1) for n in range(1, 10)] == [
        1, 2, 4, 8, 16, 32, 64, 120, 120]


@pytest.mark.parametrize(("error", "permanent"), [
    (smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"no such user")}), True),
    (smtplib.SMTPRecipientsRefused({"a@x.example": (451, b"busy")}), False),
    (smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"no"), "b@x.example": (451, b"")}),
     False),
    (smtplib.SMTPDataError(554, b"rejected"), True),
    (smtplib.SMTPDataError(452, b"full"), False),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
    (ConnectionRefusedError(111, "Connection refused"), False),
])
def test_only_a_5xx_answer_is_permanent(error, permanent):
    text, is_permanent = outbox.describe(error)
    assert is_permanent is permanent
    assert text


def test_a_sent_email_is_marked_with_its_message_id(emails, serve):
    server = serve(Inbox())
    [row] = emails(1)
    counts = outbox.deliver_all()
    assert (counts["claimed"], counts["sent"], counts["retry"], counts["failed"]) == (1, 1, 0, 0)
    row = fresh(row)
    assert row.status == EmailStatus.SENT
    assert row.sent_at is not None and row.lease_until is None
    [message] = server.messages
    assert message["Message-ID"] == row.message_id
    assert message["X-Envelope-To"] == row.to_email


def test_a_4xx_answer_backs_off_and_a_later_run_sends(emails, serve):
    server = serve(Refusing("451 4.3.0 Try again later", messages={0}))
    [row] = emails(1)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assert outbox.deliver()["retry"] == 1
    row = fresh(row)
    assert (row.status, row.attempts) == (EmailStatus.PENDING, 1)
    assert row.available_at == now + outbox.backoff(1)
    assert "451" in row.last_error and "Try again later" in row.last_error
    assert outbox.deliver_all()["claimed"] == 0  # not due yet
    assert server.messages == []
    with time_machine.travel(row.available_at + SECOND):
        assert outbox.deliver_all()["sent"] == 1
    row = fresh(row)
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.SENT, 2, "")
    assert list(arrivals(server).values()) == [1]


def test_a_4xx_for_one_recipient_holds_back_only_that_email(emails, serve):
    rows = emails(3)
    server = serve(Refusing("451 4.2.1 Mailbox busy", address=rows[1].to_email))
    outbox.deliver_all()
    assert [fresh(row).status for row in rows] == [
        EmailStatus.SENT, EmailStatus.PENDING, EmailStatus.SENT]
    assert "451" in rows[1].last_error
    assert sorted(m["X-Envelope-To"] for m in server.messages) == sorted(
        [rows[0].to_email, rows[2].to_email])


def test_a_refused_email_first_in_the_queue_does_not_hold_back_the_rest(emails, serve):
    rows = emails(3)
    server = serve(Refusing("550 5.1.1 No such mailbox", address=rows[0].to_email))
    outbox.deliver_all()
    assert fresh(rows[0]).status == EmailStatus.FAILED
    assert [fresh(row).status for row in rows[1:]] == [EmailStatus.SENT] * 2
    assert len(server.messages) == 2


@pytest.mark.parametrize(("refusal", "bad", "code"), [
    ("rcpt", 1, "550"),  # the second recipient does not exist
    ("data", 1, "554"),  # the server rejects the second message it is given
])
def test_a_5xx_answer_fails_the_email_at_once(emails, serve, refusal, bad, code):
    rows = emails(3)
    if refusal == "rcpt":
        server = serve(Refusing(f"{code} 5.1.1 No such mailbox", address=rows[bad].to_email))
    else:
        server = serve(Refusing(f"{code} 5.7.1 Message rejected as spam", messages={bad}))
    outbox.deliver_all()
    failed = fresh(rows[bad])
    assert (failed.status, failed.attempts) == (EmailStatus.FAILED, 1)
    assert code in failed.last_error
    others = [fresh(row) for i, row in enumerate(rows) if i != bad]
    assert [row.status for row in others] == [EmailStatus.SENT, EmailStatus.SENT]
    assert sorted(m["X-Envelope-To"] for m in server.messages) == sorted(
        row.to_email for row in others)


def test_an_email_fails_after_max_attempts_with_growing_waits(emails, serve):
    server = serve(Refusing("451 4.3.0 Try again later", messages=range(100)))
    [row] = emails(1)
    moment = timezone.now()
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        with time_machine.travel(moment, tick=False):
            assert outbox.deliver_all()["claimed"] == 1
        row = fresh(row)
        assert row.attempts == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert row.status == EmailStatus.PENDING
            assert row.available_at == moment + outbox.backoff(attempt)
            with time_machine.travel(row.available_at - SECOND, tick=False):
                assert outbox.deliver_all()["claimed"] == 0
            moment = row.available_at + SECOND
    assert row.status == EmailStatus.FAILED
    assert "451" in row.last_error
    with time_machine.travel(moment + outbox.LAST_RETRY * 2):
        assert outbox.deliver_all()["claimed"] == 0
    assert server.messages == []


def test_send_again_puts_failed_emails_back_and_leaves_sent_ones(emails, serve):
    rows = emails(3)
    server = serve(Refusing("550 5.2.1 Mailbox disabled", address=rows[1].to_email))
    outbox.deliver_all()
    assert fresh(rows[1]).status == EmailStatus.FAILED
    server.address = ""  # the customer's mailbox works again
    assert outbox.send_again(OutboundEmail.all_tenants.all()) == 1
    again = fresh(rows[1])
    assert (again.status, again.attempts) == (EmailStatus.PENDING, 0)
    assert outbox.deliver_all()["sent"] == 1
    assert fresh(rows[1]).status == EmailStatus.SENT
    assert sorted(arrivals(server).values()) == [1, 1, 1]
    assert {m["X-Envelope-To"] for m in server.messages} == {row.to_email for row in rows}


def test_an_email_whose_ticket_is_gone_fails_with_the_reason(emails, serve):
    server = serve(Inbox())
    [row] = emails(1)
    Ticket.all_tenants.get(events__pk=row.ref).delete()
    assert outbox.deliver_all()["failed"] == 1
    row = fresh(row)
    assert row.status == EmailStatus.FAILED
    assert "gone" in row.last_error
    assert server.messages == []


def test_emails_wait_while_the_smtp_server_is_down(emails, serve, settings):
    rows = emails(3)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    counts = outbox.deliver_all()
    assert (counts["sent"], counts["failed"], counts["returned"]) == (0, 0, 3)
    assert [(fresh(row).status, row.attempts) for row in rows] == [(EmailStatus.PENDING, 0)] * 3
    assert all("Connection refused" in fresh(row).last_error for row in rows)  # for admin
    server = serve(Inbox())
    assert outbox.deliver_all()["sent"] == 3
    assert arrivals(server) == Counter({message_id(row): 1 for row in rows})


def test_a_connection_lost_half_way_is_completed_by_a_rerun_without_duplicates(emails, serve):
    """The server drops the connection instead of answering message 6 of 10: the five it
    accepted are marked sent, message 6 (never accepted) backs off for another attempt, and
    7-10 go back to the queue untried. The rerun sends 7-10, and message 6 once its wait is
    over: every email arrives exactly once."""
    rows = emails(10)
    server = serve(HangingUp(accept=5))
    counts = outbox.deliver()
    assert (counts["sent"], counts["retry"], counts["returned"]) == (5, 1, 4)
    assert [fresh(row).status for row in rows[:5]] == [EmailStatus.SENT] * 5
    sixth = fresh(rows[5])
    assert (sixth.status, sixth.attempts) == (EmailStatus.PENDING, 1)
    assert "SMTPServerDisconnected" in sixth.last_error
    assert [(fresh(row).status, row.attempts) for row in rows[6:]] == [
        (EmailStatus.PENDING, 0)] * 4
    assert len(server.messages) == 5

    assert outbox.deliver_all()["sent"] == 4
    with time_machine.travel(sixth.available_at + SECOND):
        assert outbox.deliver_all()["sent"] == 1
    assert [fresh(row).status for row in rows] == [EmailStatus.SENT] * 10
    assert arrivals(server) == Counter({message_id(row): 1 for row in rows})


def test_a_crash_between_acceptance_and_marking_resends_only_that_email(emails, serve,
                                                                        monkeypatch):
    """The process dies (KeyboardInterrupt, which no ``except Exception`` stops) after the
    server accepted the 4th of 10 emails and before that row was marked sent. The outbox
    promises at-least-once with one window: that 4th email arrives twice, with the same
    Message-ID so that mail clients fold it; the three marked before the crash and the six
    not tried yet arrive exactly once. Before the lease runs out no other run touches the
    claimed rows; after it, a rerun completes the batch."""
    rows = emails(10)
    server = serve(Inbox())
    settle, marked = outbox._settle, []

    def crash_on_the_fourth(row, token, **fields):
        if fields.get("status") == EmailStatus.SENT:
            marked.append(row.pk)
            if len(marked) == 4:
                raise KeyboardInterrupt
        settle(row, token, **fields)

    monkeypatch.setattr(outbox, "_settle", crash_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver_all()
    monkeypatch.undo()
    assert len(server.messages) == 4
    assert [fresh(row).status for row in rows] == [EmailStatus.SENT] * 3 + [
        EmailStatus.SENDING] * 7

    assert outbox.deliver_all()["claimed"] == 0  # still leased to the crashed sender
    with time_machine.travel(timezone.now() + outbox.LEASE + SECOND):
        assert outbox.deliver_all()["sent"] == 7
    assert [fresh(row).status for row in rows] == [EmailStatus.SENT] * 10
    expected = Counter({message_id(row): 1 for row in rows})
    expected[message_id(rows[3])] = 2
    assert arrivals(server) == expected
    assert len(server.messages) == 11


def test_a_sender_slower_than_its_lease_sends_no_email_twice(emails, serve, monkeypatch):
    """Sender A's batch takes longer than LEASE (a slow or throttling SMTP relay): after A's
    2nd of 6 emails the clock passes A's lease, and sender B, a later run, claims the 4 rows
    A has not sent yet. A must stop there rather than send them as well: outside a crash,
    every email arrives once."""
    rows = emails(6)
    server = serve(Inbox())
    settle, marked, later = outbox._settle, [], []

    def slow(row, token, **fields):
        settle(row, token, **fields)
        if fields.get("status") == EmailStatus.SENT:
            marked.append(row.pk)
            if len(marked) == 2:
                later.append(time_machine.travel(timezone.now() + outbox.LEASE + SECOND))
                later[0].start()  # the clock stays there: time does not go back for A
                assert outbox.deliver()["sent"] == 4  # sender B

    monkeypatch.setattr(outbox, "_settle", slow)
    try:
        outbox.deliver()  # sender A
    finally:
        for traveller in later:
            traveller.stop()
    assert len(later) == 1
    assert [fresh(row).status for row in rows] == [EmailStatus.SENT] * 6
    assert arrivals(server) == Counter({message_id(row): 1 for row in rows})


def test_an_email_that_cannot_be_rendered_fails_alone(emails, serve, company):
    rows = emails(3)
    server = serve(Inbox())
    rated = TicketEventFactory(ticket__company=company, kind=EventKind.RATED)
    bad = OutboundEmail.objects.create(
        tenant=company.tenant, key=f"ev{rated.pk}:{rows[0].recipient_id}",
        kind=notifications.CUSTOMER, ref=rated.pk, recipient=rows[0].recipient,
        to_email=rows[0].to_email)  # customers get no email for a rating: no template
    outbox.deliver_all()
    assert fresh(bad).status == EmailStatus.FAILED
    assert bad.last_error.startswith("cannot render: KeyError")
    assert [fresh(row).status for row in rows] == [EmailStatus.SENT] * 3
    assert len(server.messages) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_send_an_email_twice(emails, smtp_server):
    rows = emails(30)
    barrier = threading.Barrier(2)
    sent, failures = [], []

    def sender():
        try:
            barrier.wait()
            while (counts := outbox.deliver(limit=4))["claimed"]:
                sent.append(counts["sent"])
        except Exception as error:  # a database error must show in the assert, not die here
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(sent) == 30
    assert [fresh(row).status for row in rows] == [EmailStatus.SENT] * 30
    assert arrivals(smtp_server.inbox) == Counter({message_id(row): 1 for row in rows})
