"""The staff queue's cached runs and rows (issue 5): a view that follows no change reads
neither the count nor the tickets, and every change shows at once: a write of a ticket, a
ticket falling overdue with no write, another person, filter, language or time zone."""
import datetime
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, StaffFactory, customer_of
from tests.conftest import host_client
from tests.tickets.test_admin_common import QUEUE, queue_numbers, submit, support_type
from tickets import services
from tickets.lifecycle import Actor, Status
from tickets.models import Priority, Ticket


def rows_of(response) -> dict[int, str]:
    """Each queue row's markup by its ticket's number."""
    assert response.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)
    return {int(re.search(r">#(\d+)", row)[1]): row for row in rows if ">#" in row}


@pytest.fixture
def customer_ticket(tenant):
    customer = customer_of(CompanyFactory(tenant=tenant, name="Acme"), Role.PRIMARY)
    return submit(customer, support_type(tenant), subject="Checkout fails")


def test_a_second_view_reads_neither_the_count_nor_the_tickets(tenant, agent,
                                                                customer_ticket):
    client = host_client(tenant, agent)
    with CaptureQueriesContext(connection) as first:
        shown = rows_of(client.get(QUEUE))
    with CaptureQueriesContext(connection) as second:
        assert rows_of(client.get(QUEUE)) == shown
    assert list(shown) == [customer_ticket.number]
    assert len(second) == len(first) - 2
    read = " ".join(query["sql"] for query in second)
    assert "COUNT(" not in read
    assert '"tickets_ticket"."subject"' not in read


def test_every_write_of_a_ticket_shows_at_once(tenant, agent, customer_ticket):
    client = host_client(tenant, agent)
    number = customer_ticket.number
    assert "Bea Helper" not in rows_of(client.get(QUEUE))[number]
    helper = StaffFactory(tenant=tenant, first_name="Bea", last_name="Helper")
    services.assign_ticket(ticket=customer_ticket, by=agent, assignee=helper)
    assert 'class="field-assignee_label">Bea Helper<' in rows_of(client.get(QUEUE))[number]
    services.post_message(ticket=customer_ticket, author=helper, body="Looking into it.")
    assert "<small>Bea Helper</small>" in rows_of(client.get(QUEUE))[number]
    assert "Normal<br>" in rows_of(client.get(QUEUE))[number]
    services.set_priority(ticket=customer_ticket, priority=Priority.MAJOR, by=agent)
    assert "Major<br>" in rows_of(client.get(QUEUE))[number]
    newer = submit(customer_ticket.created_by, customer_ticket.type, subject="Second one")
    assert set(rows_of(client.get(QUEUE))) == {number, newer.number}
    services.change_status(ticket=customer_ticket, to=Status.CLOSED, by=agent,
                           actor=Actor.STAFF)
    assert list(rows_of(client.get(QUEUE))) == [newer.number]


def test_a_ticket_falling_overdue_moves_up_and_is_marked_with_no_write(tenant, agent):
    """The cached runs hold until the earliest due time of an unanswered ticket that is not
    overdue yet; then the order and the marks change although no ticket was written."""
    customer = customer_of(CompanyFactory(tenant=tenant))
    support = support_type(tenant)
    now = timezone.now()
    major = services.set_priority(ticket=submit(customer, support), by=agent,
                                  priority=Priority.MAJOR)
    soon = submit(customer, support)
    Ticket.all_tenants.filter(pk=major.pk).update(
        first_response_due_at=now + datetime.timedelta(hours=4))
    Ticket.all_tenants.filter(pk=soon.pk).update(
        first_response_due_at=now + datetime.timedelta(seconds=2), updated_at=now)
    client = host_client(tenant, agent)
    assert queue_numbers(client) == [major.number, soon.number]
    assert "OVERDUE" not in rows_of(client.get(QUEUE))[soon.number]
    assert queue_numbers(client, overdue="yes") == []
    time.sleep(max(0.0, (now - timezone.now()).total_seconds() + 2.2))
    assert queue_numbers(client) == [soon.number, major.number]
    assert "OVERDUE" in rows_of(client.get(QUEUE))[soon.number]
    assert queue_numbers(client, overdue="yes") == [soon.number]


def test_each_person_tenant_and_filter_has_its_own_queue(tenant, other_tenant, agent,
                                                         customer_ticket):
    colleague = StaffFactory(tenant=tenant)
    services.assign_ticket(ticket=customer_ticket, by=agent, assignee=agent)
    unassigned = submit(customer_ticket.created_by, customer_ticket.type)
    mine = {"assigned": "mine"}
    assert queue_numbers(host_client(tenant, agent), **mine) == [customer_ticket.number]
    assert queue_numbers(host_client(tenant, colleague), **mine) == []
    assert queue_numbers(host_client(tenant, agent), assigned="nobody") == [unassigned.number]
    elsewhere = StaffFactory(tenant=other_tenant)
    assert queue_numbers(host_client(other_tenant, elsewhere)) == []
    assert queue_numbers(host_client(other_tenant, elsewhere), **mine) == []


def test_the_cached_rows_follow_the_staff_members_language_and_time_zone(tenant, agent,
                                                                         customer_ticket):
    Ticket.all_tenants.filter(pk=customer_ticket.pk).update(
        first_response_due_at=timezone.now() - datetime.timedelta(hours=1),
        updated_at=timezone.now())
    client = host_client(tenant, agent)
    number = customer_ticket.number
    english = rows_of(client.get(QUEUE))[number]
    assert "OVERDUE" in english
    agent.language = "it"
    agent.save()
    italian = rows_of(client.get(QUEUE))[number]
    assert "IN RITARDO" in italian
    agent.language = "en"
    agent.time_zone = "Asia/Tokyo"
    agent.save()
    tokyo = rows_of(client.get(QUEUE))[number]
    agent.time_zone = "America/New_York"
    agent.save()
    assert rows_of(client.get(QUEUE))[number] != tokyo  # the same due time, at each local time


@pytest.mark.parametrize(("params", "shows_the_ticket"), [
    ({"p": "abc"}, True), ({"p": "-1"}, True), ({"p": "99999"}, True),
    ({"overdue": "maybe"}, True), ({"assigned": "everyone"}, True),
    ({"department__id__exact": "abc"}, True), ({"status": "lost"}, False)])
def test_bad_pages_and_filter_values_show_the_queue_and_keep_nothing_wrong(
        tenant, agent, customer_ticket, params, shows_the_ticket):
    """A page or filter value that means nothing shows the first page or no ticket, the same
    on the cached second view, and leaves the plain queue as it was."""
    client = host_client(tenant, agent)
    expected = [customer_ticket.number] if shows_the_ticket else []
    assert queue_numbers(client, **params) == expected
    assert queue_numbers(client, **params) == expected
    assert queue_numbers(client) == [customer_ticket.number]


def test_a_nul_in_the_search_is_refused(tenant, agent, customer_ticket):
    assert host_client(tenant, agent).get(QUEUE, {"q": "a\x00"}).status_code == 400
