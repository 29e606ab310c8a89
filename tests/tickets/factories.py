"""Factories for tickets; every row stays inside its company's tenant."""
import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.accounts.factories import CompanyFactory, DepartmentFactory, UserFactory
from tickets import services
from tickets.lifecycle import Status
from tickets.models import (
    CannedReply,
    Kind,
    Message,
    Priority,
    Ticket,
    TicketEvent,
    TicketType,
)


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    department = factory.SubFactory(DepartmentFactory)
    tenant = factory.SelfAttribute("department.tenant")
    name = factory.Sequence(lambda n: f"Tech support question {n}")
    kind = Kind.SUPPORT


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket with no messages; use services.submit_ticket for the real thing."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    tenant = factory.SelfAttribute("company.tenant")
    number = factory.Sequence(lambda n: 5000 + n)
    created_by = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"))
    type = factory.SubFactory(TicketTypeFactory,
                              department__tenant=factory.SelfAttribute("...tenant"))
    kind = factory.SelfAttribute("type.kind")
    department = factory.SelfAttribute("type.department")
    subject = factory.Sequence(lambda n: f"Checkout fails {n}")
    status = Status.SUBMITTED
    priority = Priority.NORMAL
    first_response_due_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def queue_score(ticket, create, extracted, **kwargs):
        """The score the services store on a ticket they create (T-7)."""
        if create:
            services.refresh_queue_scores(Ticket.all_tenants.filter(pk=ticket.pk))
            ticket.refresh_from_db(fields=["queue_score"])


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    tenant = factory.SelfAttribute("ticket.tenant")
    author = factory.SelfAttribute("ticket.created_by")
    body = factory.Sequence(lambda n: f"Message body {n}")


class TicketEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketEvent

    ticket = factory.SubFactory(TicketFactory)
    tenant = factory.SelfAttribute("ticket.tenant")
    kind = "created"


class CannedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CannedReply

    tenant = factory.SubFactory("tests.accounts.factories.TenantFactory")
    title = factory.Sequence(lambda n: f"Canned {n}")
    body = "Thank you for your message."


def upload(name: str, content: bytes = b"Checkout fails with error 500.\n") -> SimpleUploadedFile:
    """A file as a browser would post it."""
    return SimpleUploadedFile(name, content)
