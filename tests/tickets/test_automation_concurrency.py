"""SPEC §5: the timed rules are safe to run concurrently. Real threads, each in its own
PostgreSQL connection, run the same tenant's rules at the same instant, or race a customer's
message, and every ticket still changes once, with one event and one email per person."""
import datetime
import threading
import time

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Tenant
from helpdesk import lifecycle
from helpdesk.models import JobRun, OutboundEmail
from helpdesk.sql import lock_jobs
from tests.tickets.factories import TicketTypeFactory
from tickets import errors, services
from tickets.errors import TicketError
from tickets.lifecycle import Actor, Status
from tickets.models import EventKind, Kind, Message, Ticket, TicketEvent
from tickets.notifications import CUSTOMER

pytestmark = pytest.mark.postgres

TICKETS = 60
RUNS = 3
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def configure(tenant, **switches):
    policy = tenant.policy
    for name, value in switches.items():
        setattr(policy, name, value)
    policy.save()


def aged_tickets(customer, follower, staff, *, count, then, aged):
    """``count`` support tickets of ``customer``, also followed by ``follower``, that ``staff``
    either "answered" (AUTO-5 waits on the customer) or "pre-closed" (AUTO-4), ``aged`` ago."""
    ticket_type = TicketTypeFactory(department__tenant=customer.tenant, kind=Kind.SUPPORT)
    tickets = []
    with time_machine.travel(timezone.now() - aged - HOUR, tick=False) as clock:
        for n in range(count):
            ticket = services.submit_ticket(
                tenant=customer.tenant, membership=customer.membership, ticket_type=ticket_type,
                subject=f"Checkout fails {n}", body="The checkout page shows error 500.")
            services.follow_ticket(ticket=ticket, membership=follower.membership, follow=True)
            tickets.append(ticket)
        clock.shift(HOUR)
        for ticket in tickets:
            if then == "answered":
                services.post_message(ticket=ticket, author=staff, body="Does it work now?")
            else:
                services.change_status(ticket=ticket, to=Status.PRE_CLOSED, by=staff,
                                       actor=Actor.STAFF)
    return tickets


def in_threads(*calls):
    """Start each call in a thread of its own at the same moment; their results and errors."""
    barrier = threading.Barrier(len(calls))
    results, failures = [], []

    def call(function):
        try:
            barrier.wait()
            results.append(function())
        except Exception as error:  # a database error must show in the assert, not die here
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(function,)) for function in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures


def run_tenant_at(tenant_id, now, *, after=0.0):
    """The tenant's run at ``now``, started ``after`` seconds behind the other threads."""
    def run():
        time.sleep(after)
        tenant = Tenant.objects.select_related("policy").get(pk=tenant_id)
        return lifecycle.run_tenant(tenant, now=now)
    return run


def assert_once_each(tickets, kind, rule, people, **fields):
    """One event of ``kind`` by ``rule`` on each ticket, and one customer email per person."""
    tenant = tickets[0].tenant
    events = TicketEvent.objects.for_tenant(tenant).filter(kind=kind, rule=rule, **fields)
    per_ticket = sorted(events.values_list("ticket_id", flat=True))
    assert per_ticket == sorted(t.pk for t in tickets)
    emails = OutboundEmail.objects.for_tenant(tenant).filter(kind=CUSTOMER,
                                                            ref__in=events.values("pk"))
    pairs = list(emails.values_list("ref", "recipient_id"))
    assert len(pairs) == len(set(pairs)) == len(tickets) * len(people)
    assert {recipient for _, recipient in pairs} == {person.pk for person in people}


def test_concurrent_runs_close_each_pre_closed_ticket_once(transactional_db, tenant, customer,
                                                           secondary, agent):
    configure(tenant, auto_close_preclosed=True)
    tickets = aged_tickets(customer, secondary, agent, count=TICKETS, then="pre-closed",
                           aged=3 * DAY + HOUR)
    now = timezone.now()
    results, failures = in_threads(*[run_tenant_at(tenant.pk, now)] * RUNS)
    assert failures == []
    assert sum(counts["AUTO-4 closed"] for counts in results) == TICKETS
    assert list(JobRun.objects.values_list("error", flat=True)) == [""] * RUNS
    assert_once_each(tickets, EventKind.STATUS, "AUTO-4", [customer, secondary],
                     to_status=Status.CLOSED)
    assert set(Ticket.objects.for_tenant(tenant).values_list("status", flat=True)) == {
        Status.CLOSED}


def test_concurrent_runs_remind_each_waiting_ticket_once(transactional_db, tenant, customer,
                                                         secondary, agent):
    configure(tenant, auto_close_waiting=True, auto_close_preclosed=False,
              auto_support_preclose=False, auto_sales_preclose=False)
    tickets = aged_tickets(customer, secondary, agent, count=TICKETS, then="answered",
                           aged=48 * HOUR + HOUR)
    now = timezone.now()
    results, failures = in_threads(*[run_tenant_at(tenant.pk, now)] * RUNS)
    assert failures == []
    assert sum(counts["AUTO-5 reminded"] for counts in results) == TICKETS
    assert list(JobRun.objects.values_list("error", flat=True)) == [""] * RUNS
    assert_once_each(tickets, EventKind.REMINDER, "AUTO-5", [customer, secondary])
    assert set(Ticket.objects.for_tenant(tenant).values_list("reminded_at", flat=True)) == {now}


# The run starts with the messages, or once some have landed, so that both outcomes happen;
# the assertions hold whichever happens to each ticket.
@pytest.mark.parametrize("after", [0.0, 0.5], ids=["together", "messages first"])
def test_a_customer_message_racing_the_close_lands_before_it_or_is_refused(
        transactional_db, tenant, customer, secondary, agent, after):
    configure(tenant, auto_close_preclosed=True)
    tickets = aged_tickets(customer, secondary, agent, count=TICKETS, then="pre-closed",
                           aged=3 * DAY + HOUR)
    refused = {}

    def write_to_each():
        for ticket in reversed(tickets):  # from the other end of the run's (id) order
            try:
                services.post_message(ticket=ticket, author=customer, body="It fails again.")
            except TicketError as error:
                refused[ticket.pk] = error.message
        return len(refused)

    run = run_tenant_at(tenant.pk, timezone.now(), after=after)
    _, failures = in_threads(run, write_to_each)
    assert failures == []
    [job] = JobRun.objects.all()
    assert (job.counts["AUTO-4 closed"], job.error) == (len(refused), "")
    for ticket in Ticket.objects.for_tenant(tenant):
        messages = Message.objects.for_tenant(tenant).filter(ticket=ticket).count()
        closes = TicketEvent.objects.for_tenant(tenant).filter(
            ticket=ticket, rule="AUTO-4", to_status=Status.CLOSED).count()
        if ticket.pk in refused:
            assert refused[ticket.pk] == errors.CANNOT_POST_ON_CLOSED
            assert (ticket.status, messages, closes) == (Status.CLOSED, 1, 1)
        else:
            assert (ticket.status, messages, closes) == (Status.IN_PROGRESS, 2, 0)


def test_a_run_waits_while_another_holds_the_tenants_job_lock(transactional_db, tenant,
                                                               customer, secondary, agent):
    """The job lock makes runs take turns (the row locks alone keep them correct)."""
    configure(tenant, auto_close_preclosed=True)
    aged_tickets(customer, secondary, agent, count=3, then="pre-closed", aged=3 * DAY + HOUR)
    held, release, results = threading.Event(), threading.Event(), []

    def hold_the_lock():
        try:
            with transaction.atomic():
                lock_jobs(f"{lifecycle.LIFECYCLE}:AUTO-4 closed", [tenant.pk])
                held.set()
                release.wait(10)
        finally:
            connection.close()

    def run():
        try:
            results.append(run_tenant_at(tenant.pk, timezone.now())())
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert held.wait(10)
    runner = threading.Thread(target=run)
    runner.start()
    runner.join(1.0)
    waited = runner.is_alive()
    release.set()
    holder.join()
    runner.join()
    assert waited  # it was still waiting for the lock a second later
    assert results[0]["AUTO-4 closed"] == 3
