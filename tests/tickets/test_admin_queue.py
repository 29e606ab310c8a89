"""The staff queue in admin (T-7, T-15): answering order, the filters staff work with,
search by number, subject, company and message ID, and bounded queries."""
import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, DepartmentFactory, StaffFactory, customer_of
from tests.conftest import host_client
from tests.tickets.factories import TicketFactory
from tests.tickets.test_admin_common import (
    QUEUE,
    ROW_NUMBER,
    queue_numbers,
    submit,
    support_type,
)
from tickets import services
from tickets.admin import TicketAdmin
from tickets.lifecycle import Actor, Status
from tickets.models import Priority, Ticket
from tickets.queue import ticket_queue

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def support(tenant):
    return support_type(tenant)


def queued(company, support, *, age: float, due: float, priority=Priority.NORMAL,
           hotrush=False, answered=False, status=Status.SUBMITTED) -> int:
    """A ticket ``age`` hours old whose first response is due in ``due`` hours; its number."""
    now = timezone.now()
    ticket = TicketFactory(company=company, type=support, priority=priority, hotrush=hotrush,
                           status=status, first_response_due_at=now + due * HOUR,
                           first_response_at=now if answered else None)
    Ticket.all_tenants.filter(pk=ticket.pk).update(created_at=now - age * HOUR)
    return ticket.number


def test_queue_order_is_hotrush_by_due_then_overdue_then_effective_score_then_age(
        tenant, agent, support):
    plain = CompanyFactory(tenant=tenant, name="Plain")
    only_major = CompanyFactory(tenant=tenant, name="Only Major")
    mostly_minor = CompanyFactory(tenant=tenant, name="Mostly Minor")
    rush_later = queued(plain, support, age=1, due=1.5, hotrush=True)
    rush_sooner = queued(plain, support, age=0.5, due=0.5, hotrush=True)
    newer = queued(plain, support, age=1, due=3)
    overdue_minor = queued(plain, support, age=30, due=-1, priority=Priority.MINOR)
    fresh_major = queued(plain, support, age=0.2, due=2, priority=Priority.MAJOR)
    older = queued(plain, support, age=5, due=1)
    answered_late = queued(plain, support, age=4.5, due=-2, answered=True)
    queued(plain, support, age=20, due=-10, status=Status.CLOSED)
    major_a = queued(only_major, support, age=6, due=1, priority=Priority.MAJOR)
    major_b = queued(only_major, support, age=4, due=1, priority=Priority.MAJOR)
    minors = [queued(mostly_minor, support, age=age, due=5, priority=Priority.MINOR)
              for age in (8, 10, 7, 9)]
    above_normal = queued(mostly_minor, support, age=0.1, due=4)
    offsets = [services.refresh_priority_offset(tenant=tenant, company_id=company.pk)
               for company in (plain, only_major, mostly_minor)]
    assert offsets == [Decimal("0"), Decimal("-1"), Decimal("0.8")]

    assert queue_numbers(host_client(tenant, agent)) == [
        rush_sooner, rush_later,  # HotRush, by due time
        overdue_minor,  # first response overdue, whatever its priority
        fresh_major,  # score 3
        above_normal,  # Normal of a company filing mostly Minor: 2.8
        major_a, older, answered_late, major_b, newer,  # score 2, oldest first
        minors[1], minors[3], minors[0], minors[2],  # Minor + 0.8, oldest first
    ]


def test_queue_shows_due_time_in_local_time_with_the_overdue_mark(tenant, agent, support,
                                                                   company):
    tenant.policy.time_zone = "Europe/Rome"
    tenant.policy.save()
    late = TicketFactory(company=company, type=support, subject="Late one",
                         first_response_due_at=datetime.datetime(2026, 3, 2, 8, 0,
                                                                 tzinfo=datetime.UTC))
    response = host_client(tenant, agent).get(QUEUE)
    row = next(line for line in response.content.decode().splitlines()
               if f"#{late.number}" in line)
    assert "03/02/2026 9 a.m." in row
    assert "OVERDUE" in row


def test_queue_rows_name_the_company_department_assignee_and_last_replier(tenant, agent):
    sales = DepartmentFactory(tenant=tenant, name="Sales desk")
    acme = CompanyFactory(tenant=tenant, name="Acme & Sons")
    mailer = customer_of(acme, first_name="", last_name="", email="ops@acme.example")
    answered = submit(mailer, support_type(tenant, sales), subject="Invoice missing")
    helper = StaffFactory(tenant=tenant, first_name="Bea", last_name="Helper")
    services.post_message(ticket=answered, author=helper, body="Looking into it.")
    services.assign_ticket(ticket=answered, by=agent, assignee=helper)
    waiting = submit(mailer, support_type(tenant, sales), subject="Licence key lost")

    page = host_client(tenant, agent).get(QUEUE).content.decode()
    rows = {number: next(line for line in page.splitlines() if f"#{number}<" in line)
            for number in (answered.number, waiting.number)}
    assert "Acme &amp; Sons" in rows[answered.number]
    assert 'class="field-department_label">Sales desk<' in rows[answered.number]
    assert 'class="field-assignee_label">Bea Helper<' in rows[answered.number]
    assert "<small>Bea Helper</small>" in rows[answered.number]
    # Unassigned; the last reply is the customer's, who has no name: the email stands in.
    assert 'class="field-assignee_label">-<' in rows[waiting.number]
    assert "<small>ops@acme.example</small>" in rows[waiting.number]


def test_queue_filters_mine_and_unassigned(tenant, agent, manager, support, company):
    mine = queued(company, support, age=1, due=1)
    theirs = queued(company, support, age=1, due=1)
    nobodys = queued(company, support, age=1, due=1)
    services.assign_ticket(ticket=Ticket.objects.for_tenant(tenant).get(number=mine),
                           by=agent, assignee=agent)
    services.assign_ticket(ticket=Ticket.objects.for_tenant(tenant).get(number=theirs),
                           by=agent, assignee=manager)
    client = host_client(tenant, agent)
    assert queue_numbers(client, assigned="mine") == [mine]
    assert queue_numbers(client, assigned="nobody") == [nobodys]
    assert queue_numbers(host_client(tenant, manager), assigned="mine") == [theirs]


def test_queue_filters_by_department_of_the_tenant_only(tenant, other_tenant, agent, company):
    sales = DepartmentFactory(tenant=tenant, name="Sales")
    technical = DepartmentFactory(tenant=tenant, name="Technical")
    DepartmentFactory(tenant=other_tenant, name="Their department")
    in_sales = queued(company, support_type(tenant, sales), age=1, due=1)
    queued(company, support_type(tenant, technical), age=1, due=1)
    client = host_client(tenant, agent)
    assert queue_numbers(client, department__id__exact=sales.pk) == [in_sales]
    page = client.get(QUEUE).content.decode()
    assert "Technical" in page and "Their department" not in page


def test_queue_shows_open_tickets_and_the_status_filter_shows_closed_ones(
        tenant, agent, support, company):
    submitted = queued(company, support, age=2, due=1)
    assigned = queued(company, support, age=1, due=1, status=Status.ASSIGNED)
    closed = queued(company, support, age=3, due=1, status=Status.CLOSED)
    client = host_client(tenant, agent)
    assert queue_numbers(client) == [submitted, assigned]
    assert queue_numbers(client, status="closed") == [closed]
    assert queue_numbers(client, status="assigned") == [assigned]
    assert queue_numbers(client, status="all") == [closed, submitted, assigned]
    assert "All, closed too" in client.get(QUEUE).content.decode()


def test_queue_filters_hotrush_and_overdue(tenant, agent, support, company):
    rush = queued(company, support, age=1, due=1, hotrush=True)
    overdue = queued(company, support, age=5, due=-1)
    queued(company, support, age=1, due=1)
    queued(company, support, age=5, due=-1, answered=True)
    client = host_client(tenant, agent)
    assert queue_numbers(client, hotrush__exact="1") == [rush]
    assert queue_numbers(client, overdue="yes") == [overdue]


def test_queue_search_finds_number_subject_company_and_message_id(tenant, agent, support,
                                                                 customer):
    other = customer_of(CompanyFactory(tenant=tenant, name="Globex"), Role.PRIMARY)
    paypal = submit(customer, support, subject="PayPal refuses the card")
    shipping = submit(other, support, subject="Shipping rates")
    reply = services.post_message(ticket=shipping, author=agent, body="Which carrier?")
    client = host_client(tenant, agent)
    assert queue_numbers(client, q=f"#{paypal.number}") == [paypal.number]
    assert queue_numbers(client, q=str(shipping.number)) == [shipping.number]
    assert queue_numbers(client, q="paypal") == [paypal.number]
    assert queue_numbers(client, q="globex") == [shipping.number]
    assert queue_numbers(client, q=reply.public_id.lower()) == [shipping.number]
    assert queue_numbers(client, q="#nonsense") == []


def many_tickets(tenant, support, count):
    """``count`` tickets of different companies, assignees and departments, each answered."""
    for n in range(count):
        customer = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
        ticket = submit(customer, support_type(tenant), subject=f"Issue {n}")
        staff = StaffFactory(tenant=tenant)
        services.post_message(ticket=ticket, author=staff, body="On it.")
        services.assign_ticket(ticket=ticket, by=staff, assignee=staff)


def test_queue_queries_do_not_grow_with_tickets(tenant, agent, support,
                                                django_assert_max_num_queries):
    client = host_client(tenant, agent)
    many_tickets(tenant, support, 2)
    # Session, person, tenant, departments (filter), the tenant's latest change, count, page.
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE, {"status": "all"}).status_code == 200
    many_tickets(tenant, support, 18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE, {"status": "all"})
    assert response.context["cl"].result_count == 20
    assert len(many) == len(few)


@pytest.mark.postgres
def test_queue_statements_have_one_plan_for_every_tenant_and_time(tenant, agent, support,
                                                                   other_tenant):
    """The open-ticket condition is in the SQL itself, so that PostgreSQL can keep one plan of
    each prepared statement, served by the partial indexes of open tickets, for every tenant
    and moment (issue 5); only values such as the tenant and the time travel apart."""
    many_tickets(tenant, support, 2)
    for staff in (agent, StaffFactory(tenant=other_tenant)):
        for _ in range(6):
            cache.clear()  # each view counts the runs and fetches the page
            assert host_client(staff.tenant, staff).get(QUEUE).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements "
                       "WHERE statement LIKE '%%FROM \"tickets_ticket\"%%'"
                       " AND statement NOT LIKE 'SELECT MAX(%%'")
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) == 2, statements  # the runs' count and the page
    for statement in statements:
        assert "NOT (\"tickets_ticket\".\"status\" = 'closed')" in statement
        assert f"tenant_id\" = {tenant.pk}" not in statement


def test_queue_pages_follow_the_queue_order_with_the_same_queries(
        tenant, agent, support, django_assert_max_num_queries):
    """Over 50 open tickets: each page shows its share of the queue order, the count covers
    the open ones only, and a later page costs no more queries."""
    company = CompanyFactory(tenant=tenant)
    normal = [queued(company, support, age=age, due=5) for age in range(60, 20, -1)]
    major = [queued(company, support, age=age, due=5, priority=Priority.MAJOR)
             for age in range(30, 14, -1)]
    queued(company, support, age=100, due=-1, status=Status.CLOSED)
    rush = queued(company, support, age=1, due=2, hotrush=True, priority=Priority.MINOR)
    client = host_client(tenant, agent)
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as first:
        response = client.get(QUEUE)
    assert response.context["cl"].result_count == 57
    first_page = [int(number) for number in ROW_NUMBER.findall(response.content.decode())]
    with CaptureQueriesContext(connection) as second:
        second_page = queue_numbers(client, p=2)
    assert first_page + second_page == [rush, *major, *normal]
    assert len(first_page) == 50
    assert len(second) <= len(first)


def test_queue_pages_of_every_size_are_the_queue_order_cut_into_pages(
        tenant, agent, support, monkeypatch):
    """Pages whose ends fall anywhere in or between the HotRush, overdue and other tickets
    (the runs an index gives in order, tickets.queue.QUEUE_RUNS) show exactly the queue
    order, sorted whole, cut into pages; a column's order is sorted whole."""
    company = CompanyFactory(tenant=tenant)
    for age, due, priority, hotrush in [
            (1, 2, Priority.MINOR, True), (2, 1, Priority.NORMAL, True),
            (3, -1, Priority.MINOR, False), (4, -2, Priority.MAJOR, False),
            (5, -1, Priority.NORMAL, False), (6, -3, Priority.NORMAL, False),
            (7, 3, Priority.MAJOR, False), (8, 4, Priority.NORMAL, False),
            (9, 2, Priority.NORMAL, False), (10, 5, Priority.MINOR, False),
            (11, 6, Priority.MAJOR, False)]:
        queued(company, support, age=age, due=due, priority=priority, hotrush=hotrush)
    whole = list(ticket_queue(tenant).values_list("number", flat=True))
    client = host_client(tenant, agent)
    for size in (1, 2, 3, 4, 5, 11, 50):
        monkeypatch.setattr(TicketAdmin, "list_per_page", size)
        pages = [queue_numbers(client, p=page) for page in range(1, -(-11 // size) + 1)]
        assert [number for page in pages for number in page] == whole, size
    monkeypatch.setattr(TicketAdmin, "list_per_page", 4)
    by_number = [queue_numbers(client, o="0", p=page) for page in (1, 2, 3)]
    assert [number for page in by_number for number in page] == sorted(whole)


def test_queue_row_links_lead_to_the_ticket_and_keep_the_filters(tenant, agent, support,
                                                                 company):
    number = queued(company, support, age=1, due=1, hotrush=True)
    ticket = Ticket.objects.for_tenant(tenant).get(number=number)
    page = host_client(tenant, agent).get(QUEUE, {"hotrush__exact": "1"}).content.decode()
    url = f"/admin/tickets/ticket/{ticket.pk}/change/?_changelist_filters=hotrush__exact%3D1"
    assert f'<th class="field-number_label"><a href="{url}">#{number}' in page
    assert f'<td class="field-subject_label"><a href="{url}">{ticket.subject}' in page


def test_staff_cannot_set_the_status_in_the_generic_form(tenant, agent, support, company):
    number = queued(company, support, age=1, due=1)
    ticket = Ticket.objects.for_tenant(tenant).get(number=number)
    client = host_client(tenant, agent)
    url = f"/admin/tickets/ticket/{ticket.pk}/change/"
    assert 'name="status"' not in client.get(url).content.decode()
    assert client.post(url, {"status": Status.CLOSED}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_nobody_adds_or_deletes_tickets_in_admin(tenant, manager, support, company):
    number = queued(company, support, age=1, due=1)
    ticket = Ticket.objects.for_tenant(tenant).get(number=number)
    client = host_client(tenant, manager)
    assert client.get("/admin/tickets/ticket/add/").status_code == 403
    assert client.post(f"/admin/tickets/ticket/{ticket.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert Ticket.objects.for_tenant(tenant).filter(pk=ticket.pk).exists()


def test_staff_ticket_changes_go_through_the_service_event_log(tenant, agent, support, company):
    """The status filter reads what change_status wrote: the queue is not a second store."""
    number = queued(company, support, age=1, due=1)
    ticket = Ticket.objects.for_tenant(tenant).get(number=number)
    services.change_status(ticket=ticket, to=Status.CLOSED, by=agent, actor=Actor.STAFF)
    client = host_client(tenant, agent)
    assert queue_numbers(client) == []
    assert queue_numbers(client, status="closed") == [number]
