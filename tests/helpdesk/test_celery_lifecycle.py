"""Issue 4's proof under Celery: a real worker with embedded beat, on Redis (not eager mode),
ages and closes tickets of both demo policies by itself, and every email arrives once at a
real SMTP server.

The worker is another process, so time cannot be travelled there: the test ages the tickets
instead, by moving their last message (and pre-close) into the past, as days of silence
would have."""
import datetime
import time
import uuid

import pytest
import redis
from django.utils import timezone

from accounts.models import Role
from helpdesk.models import EmailStatus, OutboundEmail
from tests.accounts.factories import CompanyFactory, StaffFactory, customer_of
from tests.helpdesk.test_celery import redis_url_or_skip, start_worker, stop_worker
from tests.tickets.factories import TicketTypeFactory
from tickets import services
from tickets.lifecycle import Actor, Status
from tickets.models import Message, Ticket

WAIT_SECONDS = 90


def submit_and_answer(customer, agent, ticket_type) -> Ticket:
    ticket = services.submit_ticket(tenant=ticket_type.tenant, membership=customer.membership,
                                    ticket_type=ticket_type, subject="Checkout fails",
                                    body="The checkout page is blank.")
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    return ticket


def age(ticket: Ticket, *, hours: float) -> None:
    """Let ``hours`` pass over the ticket: its messages and status change move back."""
    past = timezone.now() - datetime.timedelta(hours=hours)
    Message.all_tenants.filter(ticket=ticket).update(created_at=past)
    Ticket.all_tenants.filter(pk=ticket.pk).update(last_message_at=past, status_changed_at=past)


def wait_until(check, worker, log, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()}")
        time.sleep(0.5)
    pytest.fail(f"{what} did not happen within {WAIT_SECONDS} s; worker log:\n"
                f"{log.read_text()[-4000:]}")


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.mark.redis
def test_beat_reminds_and_closes_tickets_of_both_policies_and_each_email_arrives_once(
        transactional_db, tmp_path, tenant, other_tenant, customer, agent, smtp_server):
    url = redis_url_or_skip()
    # other_tenant runs seed 004's rules (AUTO-5 only); tenant seed 000's (AUTO-1..4).
    waiting = other_tenant.policy
    waiting.auto_close_waiting = True
    waiting.auto_sales_preclose = waiting.auto_support_preclose = False
    waiting.auto_close_preclosed = waiting.auto_project_preclose = False
    waiting.save()
    b_customer = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY,
                             email="paula@shop.example")
    b_agent = StaffFactory(tenant=other_tenant, email="agent@beta.example")
    b_type = TicketTypeFactory(department__tenant=other_tenant)
    to_close = submit_and_answer(b_customer, b_agent, b_type)
    to_remind = submit_and_answer(b_customer, b_agent, b_type)
    age(to_close, hours=96.1)
    age(to_remind, hours=48.1)

    a_type = TicketTypeFactory(department__tenant=tenant)
    solved = submit_and_answer(customer, agent, a_type)
    services.mark_solved(ticket=solved, by=agent)
    age(solved, hours=5 * 24 + 0.1)
    preclosed = submit_and_answer(customer, agent, a_type)
    services.change_status(ticket=preclosed, to=Status.PRE_CLOSED, by=agent, actor=Actor.STAFF)
    age(preclosed, hours=3 * 24 + 0.1)
    assert not smtp_server.inbox.messages  # the setup's emails wait in the outbox

    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = start_worker(tmp_path, redis_url=url, queue=queue, LIFECYCLE_SECONDS="1",
                          OUTBOX_SECONDS="2", TEST_SMTP_PORT=str(smtp_server.port))
    log = tmp_path / "worker.log"

    def aged():
        status = dict(Ticket.all_tenants.values_list("pk", "status"))
        return (status[to_close.pk] == Status.CLOSED and status[preclosed.pk] == Status.CLOSED
                and status[solved.pk] == Status.PRE_CLOSED
                and Ticket.all_tenants.get(pk=to_remind.pk).reminded_at is not None)

    def all_sent():
        return not OutboundEmail.all_tenants.exclude(status=EmailStatus.SENT).exists()

    try:
        wait_until(aged, worker, log, "the timed rules")
        wait_until(all_sent, worker, log, "sending the outbox")
        time.sleep(4)  # more beats of both jobs: nothing may change or be sent again
        log_text = log.read_text()
    finally:
        stop_worker(worker)
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)

    assert "Connected to redis://" in log_text
    assert "helpdesk.tasks.run_lifecycle_task" in log_text
    assert Ticket.all_tenants.get(pk=to_remind.pk).status == Status.SUBMITTED  # not closed
    inbox = smtp_server.inbox.messages
    assert len(inbox) == OutboundEmail.all_tenants.count()
    assert len({m["Message-ID"] for m in inbox}) == len(inbox)

    def received(ticket, to, text):
        return [m for m in inbox if f"#{ticket.number}]" in m["Subject"] and m["To"] == to
                and text in body(m)]

    assert len(received(to_close, "paula@shop.example", "we did not hear back")) == 1
    assert len(received(to_remind, "paula@shop.example", "waiting for your answer")) == 1
    assert len(received(solved, customer.email, "We have pre-closed ticket")) == 1
    assert len(received(preclosed, customer.email, "it is now closed")) == 1
