"""Following a ticket (N-1): the creator follows from the start; anyone of the company may
follow or stop from "Ticket properties", and the emails go to exactly the followers."""
import html

import pytest
from django.urls import reverse

from helpdesk import outbox
from tests.accounts.factories import CompanyFactory, customer_of
from tests.conftest import host_client
from tests.tickets.factories import TicketTypeFactory
from tickets import errors, services
from tickets.errors import TicketError
from tickets.models import TicketFollower


@pytest.fixture
def ticket(tenant, customer):
    ticket_type = TicketTypeFactory(department__tenant=tenant)
    return services.submit_ticket(tenant=tenant, membership=customer.membership,
                                  ticket_type=ticket_type, subject="Checkout fails",
                                  body="The checkout page is blank.")


def followers(ticket) -> set[str]:
    return set(TicketFollower.objects.for_tenant(ticket.tenant)
               .filter(ticket=ticket).values_list("user__email", flat=True))


def follow(client, ticket, value):
    return client.post(reverse("tickets:follow", args=[ticket.number]), {"follow": value},
                       follow=True)


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_creator_follows_a_new_ticket_and_may_stop(tenant, customer, ticket):
    assert followers(ticket) == {customer.email}
    client = host_client(tenant, customer)
    page = text(client.get(reverse("tickets:detail", args=[ticket.number])))
    assert "You get this ticket's emails." in page

    page = text(follow(client, ticket, "off"))

    assert "You will no longer get this ticket's emails." in page
    assert "Follow this ticket" in page
    assert followers(ticket) == set()


def test_a_colleague_follows_and_then_gets_the_staff_reply_by_email(
        tenant, customer, advanced, agent, ticket, smtp_server):
    client = host_client(tenant, advanced)
    assert "Follow this ticket" in client.get(
        reverse("tickets:detail", args=[ticket.number])).content.decode()

    page = text(follow(client, ticket, "on"))
    follow(client, ticket, "on")  # twice: still one follower row

    assert "You will get this ticket's emails." in page
    assert followers(ticket) == {customer.email, advanced.email}
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    outbox.deliver_all()
    reply_to = sorted(m["To"] for m in smtp_server.inbox.messages
                      if "Please clear the cache." in m.get_body(("plain",)).get_content())
    assert reply_to == sorted([customer.email, advanced.email])


def test_another_companys_person_gets_404_and_cannot_follow(tenant, ticket):
    stranger = customer_of(CompanyFactory(tenant=tenant), email="stranger@other.example")
    response = follow(host_client(tenant, stranger), ticket, "on")
    assert response.status_code == 404
    assert stranger.email not in followers(ticket)
    with pytest.raises(TicketError) as refused:
        services.follow_ticket(ticket=ticket, membership=stranger.membership, follow=True)
    assert refused.value.message == errors.FOLLOW_OTHER_COMPANY


def test_another_tenants_ticket_number_gives_404(other_tenant, ticket):
    outsider = customer_of(CompanyFactory(tenant=other_tenant), email="out@beta.example")
    assert follow(host_client(other_tenant, outsider), ticket, "on").status_code == 404
    assert followers(ticket) == {ticket.created_by.email}


@pytest.mark.parametrize("value", ["", "maybe", "1"])
def test_a_bad_choice_is_refused_and_changes_nothing(tenant, customer, ticket, value):
    page = text(follow(host_client(tenant, customer), ticket, value))
    assert "Choose one of the offered options." in page
    assert followers(ticket) == {customer.email}
