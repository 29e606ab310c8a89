"""The Communication index (T-12): columns, filters and sort from known values only, pages,
"Hide closed and rated tickets" (T-9), "Search by Message ID" (T-4) and the dashboard card."""
import re

import pytest
from django.urls import reverse

from accounts.models import Company, Role, User
from tests.accounts.factories import CompanyFactory, customer_of
from tests.conftest import host_client
from tests.tickets.factories import TicketTypeFactory
from tests.tickets.test_portal_common import detail, sales_type, submit, support_type, text
from tickets import services
from tickets.lifecycle import Actor, Status
from tickets.models import Priority

INDEX = reverse("tickets:index")
SEARCH = reverse("tickets:search")
HIDE = reverse("tickets:hide_closed_rated")
ROW_NUMBER = re.compile(r'<tr data-number="(\d+)"')


def numbers(response) -> list[int]:
    """The ticket numbers of the index's rows, in order."""
    return [int(n) for n in ROW_NUMBER.findall(response.content.decode())]


def close(ticket, agent):
    return services.change_status(ticket=ticket, to=Status.CLOSED, by=agent, actor=Actor.STAFF)


def test_the_index_shows_each_column_of_the_companys_tickets(tenant, customer, agent):
    support = support_type(tenant)
    ticket = submit(customer, support, subject="Checkout fails on PayPal", hotrush=True,
                    priority=Priority.MAJOR)
    services.post_message(ticket=ticket, author=agent, body="Looking into it.")
    response = host_client(tenant, customer).get(INDEX)
    assert response.status_code == 200
    page = text(response)
    for shown in (f"#{ticket.number}", "Checkout fails on PayPal", "Tech support question",
                  "Submitted", "Major", "HotRush", f"{tenant.name} support: {agent.first_name}"):
        assert shown in page
    assert "Hide closed and rated tickets" in page
    assert "Search by Message ID" in page


def test_the_index_never_lists_another_companys_or_tenants_tickets(tenant, other_tenant, customer):
    support = support_type(tenant)
    mine = submit(customer, support, subject="Mine")
    neighbour = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    submit(neighbour, support, subject="Neighbour's secret")
    foreigner = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
    submit(foreigner, TicketTypeFactory(department__tenant=other_tenant), subject="Foreign")
    response = host_client(tenant, customer).get(INDEX)
    assert numbers(response) == [mine.number]
    assert "secret" not in text(response) and "Foreign" not in text(response)


def test_a_tenant_with_simple_statuses_shows_open_and_closed_and_no_type_column(
        tenant, customer, agent):
    support = support_type(tenant)
    tenant.policy.simple_statuses = True
    tenant.policy.show_ticket_type = False
    tenant.policy.save()
    submit(customer, support)
    services.assign_ticket(ticket=submit(customer, support), by=agent, assignee=agent)
    close(submit(customer, support), agent)
    response = host_client(tenant, customer).get(INDEX)
    page = text(response)
    assert "Open" in page and "Closed" in page
    assert "Submitted" not in page and "Assigned" not in page
    assert "Tech support question" not in page
    status_options = re.findall(r'<option value="([^"]*)"',
                                re.search(r'<select name="status".*?</select>',
                                          response.content.decode(), re.S)[0])
    assert status_options == ["", "open", "closed"]


def test_the_status_filter_and_the_type_filter_narrow_the_list(tenant, customer, agent):
    support = support_type(tenant)
    sales = sales_type(tenant)
    open_support = submit(customer, support)
    closed_support = close(submit(customer, support), agent)
    open_sales = submit(customer, sales)
    client = host_client(tenant, customer)
    assert numbers(client.get(INDEX, {"status": "closed"})) == [closed_support.number]
    assert numbers(client.get(INDEX, {"status": "open"})) == [open_sales.number,
                                                               open_support.number]
    assert numbers(client.get(INDEX, {"type": sales.pk})) == [open_sales.number]
    assert numbers(client.get(INDEX, {"type": support.pk, "status": "submitted"})) == [
        open_support.number]


def test_sorting_by_a_column_and_back(tenant, customer):
    support = support_type(tenant)
    first = submit(customer, support, subject="Bravo", priority=Priority.MINOR)
    second = submit(customer, support, subject="Alpha", priority=Priority.MAJOR)
    third = submit(customer, support, subject="Charlie", priority=Priority.NORMAL)
    client = host_client(tenant, customer)
    assert numbers(client.get(INDEX)) == [third.number, second.number, first.number]
    assert numbers(client.get(INDEX, {"sort": "subject"})) == [second.number, first.number,
                                                                third.number]
    assert numbers(client.get(INDEX, {"sort": "-priority"})) == [second.number, third.number,
                                                                  first.number]
    assert numbers(client.get(INDEX, {"sort": "number"})) == [first.number, second.number,
                                                               third.number]
    # The header that sorts by subject now offers the reverse order.
    assert "sort=-subject" in client.get(INDEX, {"sort": "subject"}).content.decode()


@pytest.mark.parametrize("query", [
    {"sort": "company__name"},
    {"sort": "-created_by__password"},
    {"status": "__all__"},
    {"status": "closed' OR 1=1"},
    {"type": "abc"},
    {"type": "99999999999999999999999"},
    {"page": "-1"},
    {"page": "9" * 5000},
    {"sort": "tenant_id", "status": "submitted", "page": "x"},
])
def test_unknown_filter_sort_and_page_values_are_ignored_with_the_error_shown(
        tenant, customer, query):
    support = support_type(tenant)
    ticket = submit(customer, support)
    other = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    submit(other, support)
    response = host_client(tenant, customer).get(INDEX, query)
    assert response.status_code == 200
    assert numbers(response) == [ticket.number]
    if set(query) - {"page"}:
        assert "These filters were not understood and are ignored" in text(response)


def test_a_known_sort_survives_an_unknown_status(tenant, customer):
    support = support_type(tenant)
    first = submit(customer, support, subject="Bravo")
    second = submit(customer, support, subject="Alpha")
    response = host_client(tenant, customer).get(INDEX, {"sort": "subject",
                                                         "status": "nonsense"})
    assert numbers(response) == [second.number, first.number]
    assert "nonsense" in text(response)


def test_the_index_pages_by_25_and_a_page_past_the_end_shows_the_last(tenant, customer):
    support = support_type(tenant)
    tickets = [submit(customer, support) for _ in range(27)]
    client = host_client(tenant, customer)
    assert len(numbers(client.get(INDEX))) == 25
    last_page = numbers(client.get(INDEX, {"page": 2}))
    assert last_page == [tickets[1].number, tickets[0].number]
    assert numbers(client.get(INDEX, {"page": 99})) == last_page
    assert "1–25 of 27 tickets" in text(client.get(INDEX))  # noqa: RUF001


def test_the_page_count_follows_each_new_closed_or_rated_ticket_at_once(tenant, customer,
                                                                        agent):
    support = support_type(tenant)
    tickets = [submit(customer, support) for _ in range(26)]
    client = host_client(tenant, customer)
    assert "1–25 of 26 tickets" in text(client.get(INDEX))  # noqa: RUF001
    submit(customer, support)
    assert "1–25 of 27 tickets" in text(client.get(INDEX))  # noqa: RUF001
    open_only = {"status": "open"}
    assert "1–25 of 27 tickets" in text(client.get(INDEX, open_only))  # noqa: RUF001
    close(tickets[0], agent)
    assert "1–25 of 26 tickets" in text(client.get(INDEX, open_only))  # noqa: RUF001
    services.rate_ticket(membership=customer.membership, ticket=tickets[0], rating=5)
    client.post(HIDE, {"hide": "1"})
    assert "1–25 of 26 tickets" in text(client.get(INDEX))  # noqa: RUF001
    other = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    assert "of 26 tickets" not in text(host_client(tenant, other).get(INDEX))


def rows_of(response) -> str:
    page = response.content.decode()
    return page[page.index("<tbody>"):page.index("</tbody>")]


def test_a_second_view_reads_the_rows_from_the_cache_and_every_change_shows_at_once(
        tenant, customer, agent, django_assert_num_queries):
    support = support_type(tenant)
    ticket = submit(customer, support, subject="Checkout fails on PayPal")
    client = host_client(tenant, customer)
    first = client.get(INDEX)
    with django_assert_num_queries(4) as captured:  # 5 when the rows are rendered
        second = client.get(INDEX)
    assert rows_of(second) == rows_of(first)
    assert not any("subject" in query["sql"] for query in captured.captured_queries)

    services.post_message(ticket=ticket, author=agent, body="Looking into it.")
    assert f"{tenant.name} support: {agent.first_name}" in rows_of(client.get(INDEX))
    close(ticket, agent)
    assert "Rate us" in rows_of(client.get(INDEX))
    services.rate_ticket(membership=customer.membership, ticket=ticket, rating=4)
    assert "★★★★☆" in rows_of(client.get(INDEX))
    newer = submit(customer, support, subject="Second question")
    assert numbers(client.get(INDEX)) == [newer.number, ticket.number]


def test_cached_rows_never_reach_another_company_or_tenant(tenant, other_tenant, customer):
    submit(customer, support_type(tenant), subject="Mine, cached")
    assert "Mine, cached" in rows_of(host_client(tenant, customer).get(INDEX))
    neighbour = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    foreigner = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
    for person, where in ((neighbour, tenant), (foreigner, other_tenant)):
        response = host_client(where, person).get(INDEX)
        assert numbers(response) == [] and "Mine, cached" not in text(response)


def test_the_cached_rows_follow_the_persons_language_and_time_zone(tenant, customer, agent):
    ticket = submit(customer, support_type(tenant))
    services.post_message(ticket=ticket, author=agent, body="Looking into it.")
    client = host_client(tenant, customer)
    english = rows_of(client.get(INDEX))
    customer.language = "it"
    customer.save()
    assert rows_of(client.get(INDEX)) != english
    assert "Inviato" in rows_of(client.get(INDEX))
    customer.language = "en"
    customer.time_zone = "Asia/Tokyo"
    customer.save()
    tokyo = rows_of(client.get(INDEX))
    customer.time_zone = "America/New_York"
    customer.save()
    assert rows_of(client.get(INDEX)) != tokyo  # the same reply, at each local time


def test_rate_us_links_only_closed_unrated_tickets(tenant, customer, agent):
    support = support_type(tenant)
    open_ticket = submit(customer, support)
    unrated = close(submit(customer, support), agent)
    rated = close(submit(customer, support), agent)
    services.rate_ticket(membership=customer.membership, ticket=rated, rating=4)
    body = host_client(tenant, customer).get(INDEX).content.decode()
    rows = dict(re.findall(r'<tr data-number="(\d+)">(.*?)</tr>', body, re.S))
    assert "Rate us" in rows[str(unrated.number)]
    assert f'{detail(unrated)}#rate' in rows[str(unrated.number)]
    assert "Rate us" not in rows[str(open_ticket.number)]
    assert "Rate us" not in rows[str(rated.number)]
    assert "★★★★☆" in rows[str(rated.number)]


def test_hide_closed_and_rated_is_remembered_for_the_person(tenant, customer, secondary, agent):
    support = support_type(tenant)
    open_ticket = submit(customer, support)
    closed_unrated = close(submit(customer, support), agent)
    rated = close(submit(customer, support), agent)
    services.rate_ticket(membership=customer.membership, ticket=rated, rating=5)
    client = host_client(tenant, customer)
    response = client.post(HIDE, {"hide": "1"})
    assert response.status_code == 302 and response["Location"] == INDEX
    assert User.objects.get(pk=customer.pk).hide_closed_rated
    hidden = [closed_unrated.number, open_ticket.number]
    assert numbers(client.get(INDEX)) == hidden
    assert numbers(host_client(tenant, customer).get(INDEX)) == hidden  # a new session
    assert 'id="id_hide" data-autosubmit checked' in client.get(INDEX).content.decode()
    # Another person of the company keeps their own choice.
    assert rated.number in numbers(host_client(tenant, secondary).get(INDEX))
    client.post(HIDE, {})
    assert rated.number in numbers(client.get(INDEX))


def test_hide_closed_and_rated_wants_a_post(tenant, customer):
    response = host_client(tenant, customer).get(HIDE)
    assert response.status_code == 405
    assert not User.objects.get(pk=customer.pk).hide_closed_rated


def test_search_by_message_id_opens_the_ticket_at_that_message(tenant, customer, agent):
    support = support_type(tenant)
    ticket = submit(customer, support)
    answer = services.post_message(ticket=ticket, author=agent, body="Try clearing the cache.")
    response = host_client(tenant, customer).get(SEARCH, {
        "message_id": f"  {answer.public_id.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"{detail(ticket)}#m-{answer.public_id}"


@pytest.mark.parametrize("whose", ["other company", "other tenant", "internal note", "none"])
def test_search_by_message_id_finds_nothing_outside_the_companys_public_messages(
        tenant, other_tenant, customer, agent, whose):
    support = support_type(tenant)
    mine = submit(customer, support, subject="Mine")
    if whose == "other company":
        neighbour = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
        ticket = submit(neighbour, support, subject="Neighbour's secret")
        public_id = ticket.messages.get().public_id
    elif whose == "other tenant":
        foreigner = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
        ticket = submit(foreigner, TicketTypeFactory(department__tenant=other_tenant),
                        subject="Foreign secret")
        public_id = ticket.messages.get().public_id
    elif whose == "internal note":
        public_id = services.post_message(ticket=mine, author=agent, internal=True,
                                          body="Internal secret").public_id
    else:
        public_id = "0123456789"
    client = host_client(tenant, customer)
    response = client.get(SEARCH, {"message_id": public_id})
    assert response.status_code == 302 and response["Location"] == INDEX
    page = text(client.get(INDEX))
    assert f"There is no message with the ID “{public_id}” in your company's tickets." in page
    assert "secret" not in page


@pytest.mark.parametrize("value", ["", "x" * 200, "'; DROP TABLE x;--"])
def test_search_by_message_id_with_odd_input_says_no_message(tenant, customer, value):
    client = host_client(tenant, customer)
    response = client.get(SEARCH, {"message_id": value})
    assert response.status_code == 302 and response["Location"] == INDEX
    assert "There is no message with the ID" in text(client.get(INDEX))


def test_the_index_needs_the_same_few_queries_for_3_or_30_tickets(
        tenant, customer, agent, django_assert_max_num_queries):
    support = support_type(tenant)
    sales = sales_type(tenant)
    client = host_client(tenant, customer)

    def add_tickets(count):
        for n in range(count):
            ticket = submit(customer, support if n % 2 else sales)
            services.post_message(ticket=ticket, author=agent, body=f"Answer {n}")
            if n % 3 == 0:
                close(ticket, agent)

    def queries(rows):
        with django_assert_max_num_queries(12) as captured:
            response = client.get(INDEX, {"status": "", "sort": "-reply"})
        assert len(numbers(response)) == rows
        return len(captured.captured_queries)

    add_tickets(3)
    few = queries(3)
    add_tickets(27)
    assert queries(25) == few


def test_the_dashboard_shows_open_tickets_and_the_latest(tenant, customer, agent):
    support = support_type(tenant)
    submit(customer, support, subject="First question")
    latest = submit(customer, support, subject="Latest question")
    close(submit(customer, support, subject="Done"), agent)
    response = host_client(tenant, customer).get(reverse("dashboard"))
    page = text(response)
    assert "2 open tickets" in page
    assert f"#{latest.number} Latest question" in page
    assert detail(latest) in response.content.decode()


@pytest.mark.parametrize(("offset", "level", "number"), [
    ("-1.000", "below normal", "-1.00"), ("0", "normal", "0.00"),
    ("0.500", "above normal", "+0.50")])
def test_index_shows_the_accounts_priority_level_with_its_number(tenant, company, customer,
                                                                 offset, level, number):
    Company.objects.for_tenant(tenant).filter(pk=company.pk).update(priority_offset=offset)
    body = host_client(tenant, customer).get("/tickets/").content.decode()
    shown = re.sub(r"\s+", " ", body[body.index('id="priority-level"'):][:600])
    assert f"<strong>{level}</strong>" in shown
    assert f"({number})" in shown
