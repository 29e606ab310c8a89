"""What the staff admin tests share: tickets made by the services, the admin's URLs, and
reading the queue and the messages of a response."""
import re

from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import DepartmentFactory
from tests.tickets.factories import TicketTypeFactory
from tickets import services
from tickets.models import Ticket, TicketType

QUEUE = reverse("admin:tickets_ticket_changelist")
# A queue row's first cell: its link and the ticket's number.
ROW_NUMBER = re.compile(r'<th class="field-number_label"><a href="[^"]*">#(\d+)')


def support_type(tenant, department=None) -> TicketType:
    return TicketTypeFactory(tenant=tenant,
                             department=department or DepartmentFactory(tenant=tenant))


def submit(person: User, ticket_type: TicketType, **fields) -> Ticket:
    fields.setdefault("subject", "Checkout fails")
    fields.setdefault("body", "The payment page shows an error.")
    return services.submit_ticket(tenant=person.tenant, membership=person.membership,
                                  ticket_type=ticket_type, **fields)


def page_url(ticket: Ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def action_url(ticket: Ticket, action: str) -> str:
    return reverse(f"admin:tickets_ticket_{action}", args=[ticket.pk])


def attachment_url(ticket: Ticket, attachment) -> str:
    return reverse("admin:tickets_ticket_attachment", args=[ticket.pk, attachment.pk])


def act(client, ticket: Ticket, action: str, data=None):
    """POST one of the ticket page's forms and follow the redirect back to the page."""
    return client.post(action_url(ticket, action), data or {}, follow=True)


def queue_numbers(client, **params) -> list[int]:
    """The ticket numbers of the queue's rows, in the order shown."""
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return [int(number) for number in ROW_NUMBER.findall(response.content.decode())]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
