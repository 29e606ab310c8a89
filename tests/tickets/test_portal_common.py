"""Helpers shared by the customer portal's tests (test_portal_*.py); no tests of its own."""
import html
import re

from django.urls import reverse

from tests.tickets.factories import TicketTypeFactory
from tickets import services
from tickets.models import Kind, Ticket, TicketType

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def support_type(tenant) -> TicketType:
    return TicketTypeFactory(department__tenant=tenant, name="Tech support question",
                             kind=Kind.SUPPORT)


def sales_type(tenant) -> TicketType:
    return TicketTypeFactory(department__tenant=tenant, name="Sales question", kind=Kind.SALES)


def submit(person, ticket_type, **fields) -> Ticket:
    """A ticket filed through the service, as the portal would."""
    fields.setdefault("subject", "Checkout fails")
    fields.setdefault("body", "The checkout page shows error 500.")
    return services.submit_ticket(tenant=ticket_type.tenant, membership=person.membership,
                                  ticket_type=ticket_type, **fields)


def detail(ticket, name: str = "detail", *args) -> str:
    return reverse(f"tickets:{name}", args=[ticket.number, *args])


def text(response) -> str:
    """The page's visible text, tags stripped and spaces collapsed, for phrases."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip())
