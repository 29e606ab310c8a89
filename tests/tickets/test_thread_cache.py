"""The ticket page's thread is rendered once per new message, language and time zone
(issue 5): a second view reads it from the cache without the thread's queries, and what
the customer sees is always current."""
from tests.conftest import host_client
from tests.tickets.test_portal_common import detail, submit, support_type
from tickets import services


def thread_of(response) -> str:
    page = response.content.decode()
    return page[page.index('id="thread"'):page.index("</section>", page.index('id="thread"'))]


def test_a_second_view_reads_the_thread_from_the_cache_and_a_new_message_shows_at_once(
        tenant, customer, agent, django_assert_num_queries):
    ticket = submit(customer, support_type(tenant))
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    client = host_client(tenant, customer)
    first = client.get(detail(ticket))
    with django_assert_num_queries(5):  # 7 when the thread is rendered: messages, files
        second = client.get(detail(ticket))
    assert thread_of(second) == thread_of(first)

    services.post_message(ticket=ticket, author=agent, body="Fixed in 2.4.8.")
    assert "Fixed in 2.4.8." in thread_of(client.get(detail(ticket)))


def test_the_thread_follows_the_persons_time_zone(tenant, customer, agent):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    customer.time_zone = "Asia/Tokyo"
    customer.save()
    tokyo = thread_of(client.get(detail(ticket)))
    customer.time_zone = "America/New_York"
    customer.save()
    new_york = thread_of(client.get(detail(ticket)))
    assert tokyo != new_york  # the same message, shown at each person's local time
