"""Ticket emails (SPEC N-1, N-2), sent through the outbox to a real SMTP server (aiosmtpd):
who gets which email, what it says and shows, its headers, its language, and that internal
notes and access info never reach one."""
import re
from email.message import EmailMessage

import pytest
from django.db import transaction

from helpdesk import outbox
from helpdesk.models import EmailStatus, OutboundEmail
from tests.accounts.factories import CompanyFactory, StaffFactory
from tests.tickets.factories import TicketTypeFactory
from tickets import notifications, services
from tickets.events import record_event
from tickets.lifecycle import Actor, Status
from tickets.models import EventKind, Message, Ticket, TicketEvent, TicketFollower

SUPPORT_EMAIL = "support@alpha-help.example"
PRIMARY_COLOUR = "#12ab34"
NOTE_MARKER = "NOTE-MARKER-7Q3X"
ACCESS_MARKERS = ("ACCESS-HOST-4P8W.example.com", "ACCESS-LOGIN-5H2J", "ACCESS-PW-9ZK2",
                  "ACCESS-NOTES-3M6T")


@pytest.fixture
def support(tenant):
    policy = tenant.policy
    policy.support_email = SUPPORT_EMAIL
    policy.primary_colour = PRIMARY_COLOUR
    policy.save()
    return TicketTypeFactory(department__tenant=tenant, name="Tech support question")


@pytest.fixture
def colleague(tenant):
    return StaffFactory(tenant=tenant, email="colleague@alpha.example")


@pytest.fixture
def desk(support, agent, colleague):
    """The support department's staff: the agent and a colleague."""
    agent.departments.add(support.department)
    colleague.departments.add(support.department)
    return support


def submit(person, ticket_type, **fields) -> Ticket:
    fields.setdefault("subject", "Checkout fails")
    fields.setdefault("body", "The checkout page shows error 500.")
    return services.submit_ticket(tenant=ticket_type.tenant, membership=person.membership,
                                  ticket_type=ticket_type, **fields)


def follow(ticket, person) -> None:
    TicketFollower.objects.create(tenant=ticket.tenant, ticket=ticket, user=person)


def deliver(server) -> list[EmailMessage]:
    """Send everything due; the messages that arrived by this send."""
    before = len(server.inbox.messages)
    outbox.deliver_all()
    return server.inbox.messages[before:]


def addresses(messages) -> list[str]:
    return sorted(message["X-Envelope-To"] for message in messages)


def only(messages, address) -> EmailMessage:
    """The one message that reached ``address``."""
    matches = [m for m in messages if m["X-Envelope-To"] == address]
    assert len(matches) == 1, addresses(messages)
    return matches[0]


def text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def everything(message) -> str:
    """Every header and every decoded part: what "never appears in an email" is checked on."""
    parts = [f"{name}: {value}" for name, value in message.items()]
    parts += [part.get_content() for part in message.walk() if not part.is_multipart()]
    return "\n".join(parts)


def token_of(message) -> str:
    match = re.fullmatch(r"support\+(?P<token>[a-z0-9-]+)@alpha-help\.example",
                         message["Reply-To"])
    assert match, message["Reply-To"]
    return match["token"]


# Who gets what ----------------------------------------------------------------------------

def test_the_creator_gets_a_we_received_your_ticket_email(desk, customer, smtp_server):
    ticket = submit(customer, desk)
    mail = only(deliver(smtp_server), customer.email)
    assert f"We received your ticket #{ticket.number}" in text(mail)
    assert "The checkout page shows error 500." in text(mail)


def test_a_new_ticket_emails_the_departments_active_staff(desk, customer, agent, colleague,
                                                          manager, smtp_server):
    StaffFactory(tenant=desk.tenant, email="gone@alpha.example", is_active=False
                 ).departments.add(desk.department)
    ticket = submit(customer, desk)
    arrived = deliver(smtp_server)
    # The manager is in no department of the ticket; the inactive member gets nothing either.
    assert set(addresses(arrived)) - {customer.email} == {agent.email, colleague.email}
    mail = only(arrived, agent.email)
    assert f"New ticket #{ticket.number} from Acme Shop" in text(mail)
    assert "The checkout page shows error 500." in text(mail)


def test_a_ticket_split_off_by_staff_is_not_echoed_to_that_staff(desk, customer, agent,
                                                                 colleague, smtp_server):
    original = submit(customer, desk)
    second = services.post_message(ticket=original, author=customer, body="Also: invoices.")
    deliver(smtp_server)
    split = services.split_message(message=second, by=agent, subject="Invoices")
    arrived = deliver(smtp_server)
    assert addresses(arrived) == sorted([customer.email, customer.email, colleague.email])
    created = [m for m in arrived if m["X-Envelope-To"] == customer.email
               and m["X-Helpdesk-Ticket"] == str(split.number)]
    assert len(created) == 1
    assert f"We received your ticket #{split.number}" in text(created[0])
    assert f"New ticket #{split.number}" in text(only(arrived, colleague.email))


def test_a_staff_reply_goes_to_every_follower_and_not_to_its_author(desk, customer, advanced,
                                                                    agent, smtp_server):
    ticket = submit(customer, desk)
    follow(ticket, advanced)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    arrived = deliver(smtp_server)
    assert addresses(arrived) == sorted([customer.email, advanced.email])
    for mail in arrived:
        assert f"There is a new message on ticket #{ticket.number}" in text(mail)
        assert "Please clear the cache." in text(mail)


def test_a_customer_reply_goes_to_the_department_while_unassigned(desk, customer, advanced,
                                                                  agent, colleague,
                                                                  smtp_server):
    ticket = submit(customer, desk)
    follow(ticket, advanced)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=customer, body="Still failing.")
    arrived = deliver(smtp_server)
    # The other follower hears of it too; the author does not get their own message back.
    assert addresses(arrived) == sorted([advanced.email, agent.email, colleague.email])
    assert "Acme Shop wrote on ticket" in text(only(arrived, agent.email))


def test_a_customer_reply_goes_to_the_assignee_alone_once_assigned(desk, customer, agent,
                                                                   manager, smtp_server):
    ticket = submit(customer, desk)
    services.assign_ticket(ticket=ticket, by=manager, assignee=agent)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=customer, body="Still failing.")
    assert addresses(deliver(smtp_server)) == [agent.email]


def test_a_customer_reply_goes_to_the_department_when_the_assignee_has_left(
        desk, customer, agent, colleague, manager, smtp_server):
    ticket = submit(customer, desk)
    services.assign_ticket(ticket=ticket, by=manager, assignee=agent)
    deliver(smtp_server)
    agent.is_active = False
    agent.save()
    services.post_message(ticket=ticket, author=customer, body="Still failing.")
    assert addresses(deliver(smtp_server)) == [colleague.email]


def test_former_members_of_the_company_get_nothing(desk, tenant, customer, advanced,
                                                   secondary, agent, smtp_server):
    ticket = submit(customer, desk)
    follow(ticket, advanced)
    follow(ticket, secondary)
    advanced.is_active = False
    advanced.save()
    membership = secondary.membership
    membership.company = CompanyFactory(tenant=tenant)
    membership.save()
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    assert addresses(deliver(smtp_server)) == [customer.email]


def test_the_notification_email_replaces_the_login_email(desk, customer, agent, smtp_server):
    customer.notification_email = "alerts@acme.example"
    customer.save()
    ticket = submit(customer, desk)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    [mail] = deliver(smtp_server)
    assert mail["X-Envelope-To"] == "alerts@acme.example"
    assert mail["To"] == "alerts@acme.example"


def test_a_rolled_back_change_leaves_no_email_queued(desk, customer, agent, smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    queued = OutboundEmail.all_tenants.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
        raise RuntimeError("the request failed after the service")
    assert OutboundEmail.all_tenants.count() == queued
    assert deliver(smtp_server) == []


# Internal notes and access info -----------------------------------------------------------

def test_internal_notes_and_access_info_never_reach_an_email(desk, customer, advanced, agent,
                                                             colleague, smtp_server):
    ticket = submit(customer, desk)
    follow(ticket, advanced)
    services.post_message(ticket=ticket, author=agent, internal=True,
                          body=f"Customer is difficult. {NOTE_MARKER}")
    host, login, password, notes = ACCESS_MARKERS
    services.post_access_info(membership=customer.membership, ticket=ticket, kind="ssh",
                              host=host, port=22, login=login, password=password, notes=notes)
    services.post_message(ticket=ticket, author=customer, body="Access is on the ticket.")
    services.post_message(ticket=ticket, author=agent, body="Thanks, we are on it.")
    services.change_status(ticket=ticket, to=Status.CLOSED, by=agent, actor=Actor.STAFF)
    arrived = deliver(smtp_server)
    assert {customer.email, advanced.email, agent.email, colleague.email} <= set(
        addresses(arrived))
    for mail in arrived:
        content = everything(mail)
        for marker in (NOTE_MARKER, *ACCESS_MARKERS):
            assert marker not in content
    events = TicketEvent.objects.for_tenant(ticket.tenant).filter(
        ticket=ticket, kind__in=[EventKind.NOTE, EventKind.ACCESS_INFO])
    assert events.count() == 2
    assert not OutboundEmail.all_tenants.filter(ref__in=events.values("pk")).exists()


def test_a_note_queued_by_mistake_is_refused_at_sending(desk, customer, agent, smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, internal=True, body=NOTE_MARKER)
    note = TicketEvent.objects.for_tenant(ticket.tenant).get(ticket=ticket, kind=EventKind.NOTE)
    row = OutboundEmail.objects.create(
        tenant=ticket.tenant, key=f"ev{note.pk}:{customer.pk}", kind=notifications.CUSTOMER,
        ref=note.pk, recipient=customer, to_email=customer.email)
    assert deliver(smtp_server) == []
    row.refresh_from_db()
    assert row.status == EmailStatus.FAILED
    assert row.last_error == "internal notes are never emailed"


# Content and headers ----------------------------------------------------------------------

def test_an_email_is_multipart_with_number_subject_and_message_id(desk, customer, agent,
                                                                  smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    reply = services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    mail = only(deliver(smtp_server), customer.email)
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain",
                                                                        "text/html"]
    assert f"#{ticket.number}" in mail["Subject"]
    assert "Checkout fails" in mail["Subject"]
    assert reply.public_id in text(mail)
    assert reply.public_id in html(mail)
    assert mail["X-Helpdesk-Message"] == reply.public_id
    assert mail["X-Helpdesk-Ticket"] == str(ticket.number)


def test_a_message_is_escaped_in_html_and_kept_as_written_in_text(desk, customer, agent,
                                                                  smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    body = 'Error: <script>alert("x")</script> & <b>500</b>'
    services.post_message(ticket=ticket, author=customer, body=body)
    mail = only(deliver(smtp_server), agent.email)
    assert body in text(mail)
    assert "<script>" not in html(mail)
    assert "&lt;script&gt;" in html(mail)


def test_from_reply_to_and_auto_submitted(desk, tenant, customer, agent, smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    mail = only(deliver(smtp_server), customer.email)
    [sender] = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Alpha Software", SUPPORT_EMAIL)
    assert mail["Auto-Submitted"] == "auto-generated"
    token = token_of(mail)
    assert notifications.read_reply_token(token) == (ticket.pk, customer.pk)


def test_a_tampered_reply_token_is_refused(desk, customer, advanced, agent, smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    token = token_of(only(deliver(smtp_server), customer.email))
    head, signature = token.split("-")
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert notifications.read_reply_token(f"{head}-{flipped}") is None
    assert notifications.read_reply_token(f"t{ticket.pk}u{advanced.pk}-{signature}") is None
    assert notifications.read_reply_token(f"t{ticket.pk + 1}u{customer.pk}-{signature}") is None
    assert notifications.read_reply_token(head) is None
    assert notifications.read_reply_token("") is None


def test_emails_are_tenant_branded_and_link_to_the_tenants_host(desk, tenant, customer, agent,
                                                                smtp_server):
    ticket = submit(customer, desk)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    arrived = deliver(smtp_server)
    reply = [mail for mail in arrived if "Please clear the cache." in text(mail)]
    customer_mail, staff_mail = only(reply, customer.email), only(arrived, agent.email)
    for mail in (customer_mail, staff_mail):
        assert PRIMARY_COLOUR in html(mail)
        assert "Alpha Software" in html(mail)
        links = re.findall(r"https?://[^\s\"'<>]+", text(mail) + html(mail))
        assert links
        assert {link.split("/")[2] for link in links} == {tenant.host}
    assert f"/tickets/{ticket.number}/" in text(customer_mail)
    assert f"/admin/tickets/ticket/{ticket.pk}/change/" in text(staff_mail)


def test_emails_thread_per_ticket(desk, customer, agent, smtp_server):
    first = submit(customer, desk)
    services.post_message(ticket=first, author=agent, body="Please clear the cache.")
    services.post_message(ticket=first, author=customer, body="Still failing.")
    second = submit(customer, desk, subject="Invoice missing")
    arrived = deliver(smtp_server)
    ids = [mail["Message-ID"] for mail in arrived]
    assert len(ids) == len(set(ids)) >= 5

    def thread(ticket):
        return [m for m in arrived if m["X-Helpdesk-Ticket"] == str(ticket.number)]

    roots = set()
    for ticket in (first, second):
        [root] = {mail["In-Reply-To"] for mail in thread(ticket)}
        assert {mail["References"] for mail in thread(ticket)} == {root}
        assert root not in ids
        roots.add(root)
    assert len(roots) == 2


# Language ---------------------------------------------------------------------------------

def test_each_recipient_reads_their_own_language(desk, customer, advanced, agent, smtp_server):
    customer.language = "it"
    customer.save()
    ticket = submit(customer, desk)
    follow(ticket, advanced)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    arrived = deliver(smtp_server)
    italian, english = only(arrived, customer.email), only(arrived, advanced.email)
    assert f"Ciao {customer.first_name}," in text(italian)
    assert f"Ciao {customer.first_name}," in html(italian)
    assert '<html lang="it"' in html(italian)
    assert f"Hello {advanced.first_name}," in text(english)
    assert '<html lang="en"' in html(english)


def test_a_language_the_tenant_does_not_offer_falls_back_to_its_first(desk, tenant, customer,
                                                                      agent, smtp_server):
    tenant.policy.languages = ["en"]
    tenant.policy.save()
    customer.language = "it"
    customer.save()
    ticket = submit(customer, desk)
    deliver(smtp_server)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    mail = only(deliver(smtp_server), customer.email)
    assert f"Hello {customer.first_name}," in text(mail)
    assert '<html lang="en"' in html(mail)


# Status changes, quotes and timed notices ------------------------------------------------

@pytest.mark.parametrize(("moves", "label"), [
    ([Status.CLOSED], "Closed"),
    ([Status.CLOSED, Status.REOPENED], "Re-opened"),
    ([Status.PRE_CLOSED], "Pre-closed"),
])
def test_staff_status_changes_the_customer_cares_about(desk, customer, agent, smtp_server,
                                                       moves, label):
    ticket = submit(customer, desk)
    for to in moves[:-1]:
        services.change_status(ticket=ticket, to=to, by=agent, actor=Actor.STAFF)
    deliver(smtp_server)
    services.change_status(ticket=ticket, to=moves[-1], by=agent, actor=Actor.STAFF)
    arrived = deliver(smtp_server)
    assert addresses(arrived) == [customer.email]
    assert f"Ticket #{ticket.number} is now {label}." in text(arrived[0])


def test_working_statuses_send_no_email(desk, customer, agent, smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    services.change_status(ticket=ticket, to=Status.IN_PROGRESS, by=agent, actor=Actor.STAFF)
    services.change_status(ticket=ticket, to=Status.ASSIGNED, by=agent, actor=Actor.STAFF)
    assert deliver(smtp_server) == []


def test_a_customer_closing_their_ticket_is_not_emailed_about_it(desk, customer, advanced,
                                                                 smtp_server):
    ticket = submit(customer, desk)
    follow(ticket, advanced)
    deliver(smtp_server)
    services.customer_change_status(membership=customer.membership, ticket=ticket,
                                    to=Status.CLOSED)
    arrived = deliver(smtp_server)
    assert addresses(arrived) == [advanced.email]


def test_a_customer_reopening_tells_the_department(desk, customer, agent, colleague,
                                                   smtp_server):
    ticket = submit(customer, desk)
    services.customer_change_status(membership=customer.membership, ticket=ticket,
                                    to=Status.CLOSED)
    deliver(smtp_server)
    services.customer_change_status(membership=customer.membership, ticket=ticket,
                                    to=Status.REOPENED)
    arrived = deliver(smtp_server)
    assert addresses(arrived) == sorted([agent.email, colleague.email])


def test_a_sent_quote_shows_scope_and_credits(desk, customer, agent, colleague, smtp_server):
    ticket = submit(customer, desk, quote_requested=True)
    deliver(smtp_server)
    services.send_quote(ticket=ticket, by=agent, scope="Migrate the shop to PHP 8.3",
                        credits=12)
    arrived = deliver(smtp_server)
    assert addresses(arrived) == [customer.email]
    for body in (text(arrived[0]), html(arrived[0])):
        assert "Migrate the shop to PHP 8.3" in body
        assert "12 credits" in body
    services.answer_quote(membership=customer.membership, ticket=ticket, accept=True)
    arrived = deliver(smtp_server)
    assert addresses(arrived) == sorted([agent.email, colleague.email])
    assert "Quote accepted" in text(arrived[0])


@pytest.mark.parametrize(("notice", "says"), [
    ("pre_closed", "We have pre-closed ticket #"),
    ("closed", "was pre-closed and nobody wrote since, so it is now closed."),
    (EventKind.REMINDER, "We are waiting for your answer on ticket #"),
    (EventKind.SURVEY, "How did we do?"),
])
def test_the_helpdesks_own_notices_reach_the_customer(desk, customer, agent, smtp_server,
                                                      notice, says):
    ticket = submit(customer, desk)
    if notice == "closed":
        services.change_status(ticket=ticket, to=Status.PRE_CLOSED, by=None,
                               actor=Actor.SYSTEM)
    deliver(smtp_server)
    if notice in ("pre_closed", "closed"):
        services.change_status(ticket=ticket, to=notice, by=None, actor=Actor.SYSTEM)
    else:
        record_event(ticket, notice)
    arrived = deliver(smtp_server)
    assert addresses(arrived) == [customer.email]
    assert says in text(arrived[0])
    assert says.split("#")[0] in html(arrived[0])


# Deduplication ----------------------------------------------------------------------------

def test_queueing_the_same_events_again_adds_nothing(desk, customer, agent, smtp_server):
    ticket = submit(customer, desk)
    services.post_message(ticket=ticket, author=agent, body="Please clear the cache.")
    services.post_message(ticket=ticket, author=customer, body="Still failing.")
    queued = OutboundEmail.all_tenants.count()
    assert queued >= 3
    events = TicketEvent.objects.for_tenant(ticket.tenant).filter(ticket=ticket)
    assert notifications.enqueue(events) == 0
    assert OutboundEmail.all_tenants.count() == queued
    assert len(deliver(smtp_server)) == queued
    assert notifications.enqueue(events) == 0
    assert deliver(smtp_server) == []
    assert len(smtp_server.inbox.messages) == queued


def test_every_public_message_is_emailed_with_its_own_id(desk, customer, agent, smtp_server):
    ticket = submit(customer, desk)
    deliver(smtp_server)
    for n in range(3):
        services.post_message(ticket=ticket, author=agent, body=f"Step {n}")
    arrived = deliver(smtp_server)
    public_ids = Message.objects.for_tenant(ticket.tenant).filter(
        ticket=ticket, by_staff=True).values_list("public_id", flat=True)
    assert sorted(mail["X-Helpdesk-Message"] for mail in arrived) == sorted(public_ids)
    assert addresses(arrived) == [customer.email] * 3
