"""The Communication Center's writes (SPEC §3): submitting, messages, properties, quotes,
rating, and staff's assign/merge/split."""
import datetime
import threading

import pytest
import time_machine
from django.db import connection

from accounts.models import Role, User
from tests.accounts.factories import (
    CompanyFactory,
    DepartmentFactory,
    StaffFactory,
    customer_of,
)
from tests.licenses.factories import LicenseFactory, ProductVersionFactory
from tests.tickets.factories import MessageFactory, TicketFactory, TicketTypeFactory, upload
from tickets import errors, services
from tickets.errors import TicketError
from tickets.lifecycle import Status
from tickets.models import EventKind, Kind, Message, Priority, Ticket, TicketEvent

UTC = datetime.UTC
MONDAY_10 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def support(tenant):
    return TicketTypeFactory(department__tenant=tenant, name="Tech support question")


@pytest.fixture
def sales(tenant):
    return TicketTypeFactory(department__tenant=tenant, name="Sales question", kind=Kind.SALES)


def submit(person, ticket_type, **fields) -> Ticket:
    fields.setdefault("subject", "Checkout fails")
    fields.setdefault("body", "The checkout page shows error 500.")
    return services.submit_ticket(tenant=ticket_type.tenant, membership=person.membership,
                                  ticket_type=ticket_type, **fields)


def refused(call, **kwargs) -> str:
    with pytest.raises(TicketError) as error:
        call(**kwargs)
    return error.value.message


def events(ticket, kind=None) -> list[TicketEvent]:
    rows = TicketEvent.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket)
    return list(rows.filter(kind=kind) if kind else rows)


def ticket_count(tenant) -> int:
    return Ticket.objects.for_tenant(tenant).count()


# Submitting (T-1, T-6, T-8, T-14) --------------------------------------------------------

def test_ticket_numbers_run_per_tenant(tenant, other_tenant, customer, support):
    other = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
    other_support = TicketTypeFactory(department__tenant=other_tenant)
    numbers = [submit(customer, support).number, submit(other, other_support).number,
               submit(customer, support).number, submit(other, other_support).number]
    assert numbers == [1001, 1001, 1002, 1002]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_get_distinct_numbers(tenant, company, support):
    people = [customer_of(company, Role.ADVANCED) for _ in range(10)]
    barrier = threading.Barrier(len(people))
    numbers, failures = [], []

    def file_ticket(person):
        try:
            barrier.wait()
            numbers.append(submit(person, support).number)
        except Exception as error:  # a database error must show in the assert, not die here
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=file_ticket, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(numbers) == list(range(1001, 1011))


def test_submit_refuses_an_unverified_email(tenant, customer, support):
    customer.email_verified_at = None
    customer.save()
    assert refused(submit, person=customer, ticket_type=support) == errors.EMAIL_NOT_VERIFIED
    assert ticket_count(tenant) == 0


def test_submit_refuses_licenses_of_another_company_or_tenant(tenant, other_tenant, customer,
                                                              support):
    neighbour = LicenseFactory(company=CompanyFactory(tenant=tenant))
    foreign = LicenseFactory(company=CompanyFactory(tenant=other_tenant))
    for license_ in (neighbour, foreign):
        assert refused(submit, person=customer, ticket_type=support,
                       licenses=[license_]) == errors.NOT_YOUR_LICENSE
    assert ticket_count(tenant) == 0


def test_submit_keeps_the_companys_licenses_and_version(tenant, company, customer, support):
    own = LicenseFactory(company=company)
    version = ProductVersionFactory(product__tenant=tenant)
    ticket = submit(customer, support, licenses=[own], product_version=version)
    assert list(ticket.licenses.all()) == [own]
    assert ticket.product_version == version


def test_submit_refuses_a_version_of_another_tenant(tenant, other_tenant, customer, support):
    version = ProductVersionFactory(product__tenant=other_tenant)
    assert refused(submit, person=customer, ticket_type=support,
                   product_version=version) == errors.UNKNOWN_VERSION
    assert ticket_count(tenant) == 0


def test_submit_refuses_a_type_of_another_tenant_or_a_system_type(tenant, other_tenant,
                                                                  customer):
    foreign = TicketTypeFactory(department__tenant=other_tenant)
    log = TicketTypeFactory(department__tenant=tenant, kind=Kind.LOG, name="LOG",
                            customer_selectable=False)
    for ticket_type in (foreign, log):
        assert refused(services.submit_ticket, tenant=tenant, membership=customer.membership,
                       ticket_type=ticket_type, subject="Hello",
                       body="Hello") == errors.TYPE_NOT_OFFERED
    assert ticket_count(tenant) == 0


def test_submit_refuses_a_department_of_another_tenant(tenant, other_tenant, customer, support):
    foreign = DepartmentFactory(tenant=other_tenant)
    assert refused(submit, person=customer, ticket_type=support,
                   department=foreign) == errors.DEPARTMENT_UNKNOWN
    assert ticket_count(tenant) == 0


def test_department_defaults_to_the_types(tenant, customer, support):
    assert submit(customer, support).department == support.department
    chosen = DepartmentFactory(tenant=tenant, name="Sales")
    assert submit(customer, support, department=chosen).department == chosen


def test_hotrush_only_for_support_tickets(tenant, customer, sales):
    assert refused(submit, person=customer, ticket_type=sales,
                   hotrush=True) == errors.HOTRUSH_ONLY_SUPPORT
    assert ticket_count(tenant) == 0


def test_hotrush_cannot_be_combined_with_a_quote(tenant, customer, support):
    assert refused(submit, person=customer, ticket_type=support, hotrush=True,
                   quote_requested=True) == errors.HOTRUSH_QUOTE
    assert ticket_count(tenant) == 0


def test_a_quote_request_waits_for_the_estimate(customer, support):
    ticket = submit(customer, support, quote_requested=True)
    assert ticket.status == Status.AWAITING_QUOTE
    assert ticket.quote_requested


def test_hotrush_ticket_records_its_own_event(customer, support):
    ticket = submit(customer, support, hotrush=True)
    assert ticket.hotrush
    assert len(events(ticket, EventKind.HOTRUSH_ON)) == 1


def test_submit_creates_the_ticket_its_first_message_and_event(tenant, customer, support):
    ticket = submit(customer, support, subject="  Checkout fails  ", priority=Priority.MAJOR)
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status, ticket.priority, ticket.kind) == (
        "Checkout fails", Status.SUBMITTED, Priority.MAJOR, Kind.SUPPORT)
    assert ticket.created_by == customer and ticket.company == customer.membership.company
    assert ticket.first_response_due_at is not None
    [message] = Message.objects.for_tenant(tenant).filter(ticket=ticket)
    assert (message.body, message.author, message.by_staff, message.internal) == (
        "The checkout page shows error 500.", customer, False, False)
    assert (ticket.last_message_at, ticket.last_message_by) == (message.created_at, customer)
    [created] = events(ticket)
    assert (created.kind, created.to_status, created.actor, created.message) == (
        EventKind.CREATED, Status.SUBMITTED, customer, message)


def test_submit_refreshes_the_companys_priority_offset(customer, support):
    submit(customer, support, priority=Priority.MAJOR)
    company = customer.membership.company
    company.refresh_from_db()
    assert company.priority_offset == -1


def test_submit_stores_checked_attachments(tenant, customer, support):
    ticket = submit(customer, support, uploads=[upload("../../error.log")])
    [attachment] = ticket.messages.get().attachments.all()
    assert attachment.name == "error.log"
    assert attachment.file.read() == b"Checkout fails with error 500.\n"


def test_submit_with_a_bad_attachment_creates_nothing(tenant, customer, support):
    assert refused(submit, person=customer, ticket_type=support,
                   uploads=[upload("virus.exe", b"MZ\x90\x00")]).startswith("“virus.exe”")
    assert ticket_count(tenant) == 0


@pytest.fixture
def priced(tenant):
    policy = tenant.policy
    policy.ticket_prices["support"]["major"] = 5
    policy.hotrush_price = 10
    policy.save()
    return policy


def test_secondary_cannot_choose_priced_options(tenant, company, secondary, support, priced):
    for options in ({"priority": Priority.MAJOR}, {"hotrush": True}):
        assert refused(submit, person=secondary, ticket_type=support,
                       **options) == errors.BUY_CAPABILITY
    assert ticket_count(tenant) == 0
    assert submit(secondary, support, priority=Priority.NORMAL).status == Status.SUBMITTED


def test_buyers_may_choose_priced_options_and_the_price_is_recorded(advanced, support, priced):
    ticket = submit(advanced, support, priority=Priority.MAJOR, hotrush=True)
    [created] = events(ticket, EventKind.CREATED)
    assert (created.data["credits"], created.data["charged_for"], created.reason) == (
        5, "ticket", "")
    assert events(ticket, EventKind.HOTRUSH_ON)[0].data["credits"] == 10


# Messages (T-4) --------------------------------------------------------------------------

@pytest.fixture
def ticket(customer, support):
    return submit(customer, support)


def test_no_messages_on_a_closed_ticket(tenant, customer, ticket):
    services.change_status(ticket=ticket, to=Status.CLOSED, by=customer,
                           actor=services.Actor.CUSTOMER)
    assert refused(services.post_message, ticket=ticket, author=customer,
                   body="One more thing") == errors.CANNOT_POST_ON_CLOSED
    assert ticket.messages.count() == 1


def test_customers_cannot_write_internal_notes(customer, ticket):
    assert refused(services.post_message, ticket=ticket, author=customer, body="psst",
                   internal=True) == errors.ONLY_STAFF_NOTES
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("who", ["customer", "agent"])
def test_a_public_message_resumes_a_pre_closed_ticket(request, ticket, agent, who):
    services.change_status(ticket=ticket, to=Status.PRE_CLOSED, by=agent,
                           actor=services.Actor.STAFF)
    author = request.getfixturevalue(who)
    message = services.post_message(ticket=ticket, author=author, body="It broke again")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    resumed = events(ticket, EventKind.STATUS)[-1]
    assert (resumed.from_status, resumed.to_status, resumed.actor) == (
        Status.PRE_CLOSED, Status.IN_PROGRESS, author)
    assert events(ticket, EventKind.MESSAGE)[-1].message == message


def test_an_internal_note_leaves_a_pre_closed_ticket_alone(ticket, agent):
    services.change_status(ticket=ticket, to=Status.PRE_CLOSED, by=agent,
                           actor=services.Actor.STAFF)
    services.post_message(ticket=ticket, author=agent, body="waiting", internal=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.PRE_CLOSED


def test_the_first_staff_reply_sets_the_first_response(ticket, agent):
    with time_machine.travel(datetime.datetime(2030, 1, 7, 10, tzinfo=UTC), tick=False):
        first = services.post_message(ticket=ticket, author=agent, body="Looking into it")
    services.post_message(ticket=ticket, author=agent, body="Fixed")
    ticket.refresh_from_db()
    assert ticket.first_response_at == first.created_at
    assert ticket.last_message_by_staff


def test_a_customer_message_is_no_first_response(ticket, customer):
    services.post_message(ticket=ticket, author=customer, body="Any news?")
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert not ticket.last_message_by_staff


def test_internal_notes_touch_neither_last_reply_nor_first_response(ticket, agent, customer):
    before = Ticket.objects.for_tenant(ticket.tenant).get(pk=ticket.pk)
    note = services.post_message(ticket=ticket, author=agent, body="Customer DB is huge",
                                 internal=True)
    ticket.refresh_from_db()
    assert note.internal and note.by_staff
    assert (ticket.last_message_at, ticket.last_message_by, ticket.last_message_by_staff,
            ticket.first_response_at) == (before.last_message_at, customer, False, None)
    assert events(ticket, EventKind.NOTE)[0].message == note


# Priority (T-5, T-7) ---------------------------------------------------------------------

def test_priority_cannot_change_once_closed(ticket, customer):
    services.change_status(ticket=ticket, to=Status.CLOSED, by=customer,
                           actor=services.Actor.CUSTOMER)
    assert refused(services.set_priority, ticket=ticket, priority=Priority.MAJOR, by=customer,
                   membership=customer.membership) == errors.PRIORITY_CLOSED
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_priority_change_records_an_event_and_recomputes_the_due_time(customer, support):
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = submit(customer, support, priority=Priority.NORMAL)
    assert ticket.first_response_due_at == MONDAY_10 + datetime.timedelta(hours=4)
    services.set_priority(ticket=ticket, priority=Priority.MAJOR, by=customer,
                          membership=customer.membership)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.MAJOR
    assert ticket.first_response_due_at == MONDAY_10 + datetime.timedelta(hours=2)
    [change] = events(ticket, EventKind.PRIORITY)
    assert (change.data["old"], change.data["new"], change.actor) == (
        Priority.NORMAL, Priority.MAJOR, customer)


def test_a_priced_priority_needs_the_buy_capability(secondary, support, priced):
    ticket = submit(secondary, support, priority=Priority.NORMAL)
    assert refused(services.set_priority, ticket=ticket, priority=Priority.MAJOR, by=secondary,
                   membership=secondary.membership) == errors.BUY_CAPABILITY
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


# Quotes (T-8) ----------------------------------------------------------------------------

@pytest.fixture
def quote_ticket(customer, support):
    return submit(customer, support, quote_requested=True)


@pytest.mark.parametrize("estimate", [
    {"scope": "  ", "credits": 10},
    {"scope": "Custom report"},
    {"scope": "Custom report", "credits": -1},
    {"scope": "Custom report", "amount": -5},
])
def test_send_quote_refuses_an_incomplete_estimate(quote_ticket, agent, estimate):
    assert refused(services.send_quote, ticket=quote_ticket, by=agent,
                   **estimate) == errors.QUOTE_INVALID
    quote_ticket.refresh_from_db()
    assert quote_ticket.status == Status.AWAITING_QUOTE


def test_send_quote_only_while_a_quote_is_awaited(ticket, agent):
    assert refused(services.send_quote, ticket=ticket, by=agent, scope="Report",
                   credits=10) == errors.QUOTE_WRONG_STATUS
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_send_quote_stores_the_estimate(quote_ticket, agent):
    services.send_quote(ticket=quote_ticket, by=agent, scope=" Custom report ", credits=10)
    quote_ticket.refresh_from_db()
    assert (quote_ticket.status, quote_ticket.quote_credits, quote_ticket.quote_scope) == (
        Status.QUOTE_SENT, 10, "Custom report")
    assert quote_ticket.quote_sent_at is not None
    assert len(events(quote_ticket, EventKind.QUOTE_SENT)) == 1


def test_a_quote_can_be_answered_only_once_sent(quote_ticket, customer):
    assert refused(services.answer_quote, membership=customer.membership, ticket=quote_ticket,
                   accept=True) == errors.QUOTE_NOT_SENT
    quote_ticket.refresh_from_db()
    assert quote_ticket.status == Status.AWAITING_QUOTE


def test_accepting_a_quote_puts_the_ticket_in_the_queue(quote_ticket, agent, customer):
    services.send_quote(ticket=quote_ticket, by=agent, scope="Custom report", credits=10)
    with time_machine.travel(MONDAY_10, tick=False):
        services.answer_quote(membership=customer.membership, ticket=quote_ticket, accept=True)
    quote_ticket.refresh_from_db()
    assert quote_ticket.status == Status.SUBMITTED
    assert quote_ticket.first_response_due_at == MONDAY_10 + datetime.timedelta(hours=4)
    [accepted] = events(quote_ticket, EventKind.QUOTE_ACCEPTED)
    assert accepted.data["credits"] == 10


def test_declining_a_quote_closes_the_ticket_which_may_be_reopened(quote_ticket, agent,
                                                                   customer):
    services.send_quote(ticket=quote_ticket, by=agent, scope="Custom report", amount=200)
    services.answer_quote(membership=customer.membership, ticket=quote_ticket, accept=False)
    quote_ticket.refresh_from_db()
    assert quote_ticket.status == Status.CLOSED
    assert len(events(quote_ticket, EventKind.QUOTE_DECLINED)) == 1
    services.customer_change_status(membership=customer.membership, ticket=quote_ticket,
                                    to=Status.REOPENED)
    quote_ticket.refresh_from_db()
    assert quote_ticket.status == Status.REOPENED


def test_a_secondary_cannot_accept_a_priced_quote(agent, secondary, support):
    ticket = submit(secondary, support, quote_requested=True)
    services.send_quote(ticket=ticket, by=agent, scope="Custom report", credits=10)
    assert refused(services.answer_quote, membership=secondary.membership, ticket=ticket,
                   accept=True) == errors.BUY_CAPABILITY
    ticket.refresh_from_db()
    assert ticket.status == Status.QUOTE_SENT


# Rating (T-9) ----------------------------------------------------------------------------

def test_only_closed_tickets_can_be_rated(ticket, customer):
    assert refused(services.rate_ticket, membership=customer.membership, ticket=ticket,
                   rating=5) == errors.RATE_ONLY_CLOSED
    ticket.refresh_from_db()
    assert ticket.rating is None


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_ratings_run_from_one_to_five(ticket, customer, rating):
    services.change_status(ticket=ticket, to=Status.CLOSED, by=customer,
                           actor=services.Actor.CUSTOMER)
    assert refused(services.rate_ticket, membership=customer.membership, ticket=ticket,
                   rating=rating) == errors.RATE_RANGE


def test_a_rating_is_editable_for_seven_days_then_locked(ticket, customer):
    services.change_status(ticket=ticket, to=Status.CLOSED, by=customer,
                           actor=services.Actor.CUSTOMER)
    rated_at = datetime.datetime(2030, 1, 7, 10, tzinfo=UTC)
    with time_machine.travel(rated_at, tick=False):
        services.rate_ticket(membership=customer.membership, ticket=ticket, rating=2,
                             comment=" slow ")
    with time_machine.travel(rated_at + datetime.timedelta(days=7), tick=False):
        services.rate_ticket(membership=customer.membership, ticket=ticket, rating=4)
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rated_at) == (4, rated_at)
    with time_machine.travel(rated_at + datetime.timedelta(days=7, seconds=1), tick=False):
        assert refused(services.rate_ticket, membership=customer.membership, ticket=ticket,
                       rating=5) == errors.RATE_LOCKED
    ticket.refresh_from_db()
    assert ticket.rating == 4
    assert [e.data["rating"] for e in events(ticket, EventKind.RATED)] == [2, 4]


# Staff work (T-15) -----------------------------------------------------------------------

def test_only_staff_of_the_tenant_can_be_assigned(ticket, agent, customer, other_tenant):
    outsiders = [customer, StaffFactory(tenant=other_tenant),
                 StaffFactory(tenant=ticket.tenant, is_active=False)]
    for outsider in outsiders:
        assert refused(services.assign_ticket, ticket=ticket, by=agent,
                       assignee=outsider) == errors.ASSIGNEE_NOT_STAFF
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (None, Status.SUBMITTED)


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.REOPENED])
def test_assigning_a_waiting_ticket_makes_it_assigned(company, agent, manager, status):
    ticket = TicketFactory(company=company, status=status)
    services.assign_ticket(ticket=ticket, by=manager, assignee=agent)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (agent, Status.ASSIGNED)
    assert events(ticket, EventKind.ASSIGNED)[0].data == {"old": None, "new": agent.pk}
    assert events(ticket, EventKind.STATUS)[0].to_status == Status.ASSIGNED


def test_reassigning_work_in_progress_keeps_its_status(company, agent, manager):
    ticket = TicketFactory(company=company, status=Status.IN_PROGRESS, assignee=agent)
    services.assign_ticket(ticket=ticket, by=manager, assignee=manager)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (manager, Status.IN_PROGRESS)


def test_unassigning_puts_an_assigned_ticket_back_in_the_queue(company, agent, manager):
    ticket = TicketFactory(company=company, status=Status.ASSIGNED, assignee=agent)
    services.assign_ticket(ticket=ticket, by=manager, assignee=None)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (None, Status.SUBMITTED)


def test_merge_refuses_another_companys_ticket(company, agent, tenant):
    source = TicketFactory(company=company)
    target = TicketFactory(company=CompanyFactory(tenant=tenant))
    assert refused(services.merge_tickets, source=source, target=target,
                   by=agent) == errors.MERGE_OTHER_COMPANY
    assert refused(services.merge_tickets, source=source, target=source,
                   by=agent) == errors.MERGE_ITSELF
    source.refresh_from_db()
    assert (source.status, source.merged_into) == (Status.SUBMITTED, None)


def test_merge_refuses_a_closed_target(company, agent):
    source = TicketFactory(company=company)
    target = TicketFactory(company=company, status=Status.CLOSED)
    assert refused(services.merge_tickets, source=source, target=target,
                   by=agent) == errors.MERGE_CLOSED_TARGET
    source.refresh_from_db()
    assert (source.status, source.merged_into) == (Status.SUBMITTED, None)
    assert source.messages.count() == 0


def test_merge_closes_the_duplicate_with_a_notice(company, agent):
    source = TicketFactory(company=company, status=Status.ASSIGNED)
    target = TicketFactory(company=company, status=Status.IN_PROGRESS)
    services.merge_tickets(source=source, target=target, by=agent)
    source.refresh_from_db()
    assert (source.status, source.merged_into) == (Status.CLOSED, target)
    [notice] = source.messages.all()
    assert f"#{target.number}" in notice.body and not notice.internal and notice.by_staff
    assert events(source, EventKind.MERGED)[0].data == {"target": target.number}
    assert events(target, EventKind.MERGED)[0].data == {"source": source.number}
    target.refresh_from_db()
    assert target.status == Status.IN_PROGRESS


@pytest.fixture
def thread(ticket, customer, agent):
    answer = services.post_message(ticket=ticket, author=agent, body="Clear the cache")
    issue = services.post_message(ticket=ticket, author=customer,
                                  body="Also: invoices show the wrong VAT")
    return ticket.messages.order_by("created_at", "pk").first(), answer, issue


def test_split_refuses_the_first_message_and_internal_notes(ticket, agent, thread):
    first, _answer, _issue = thread
    note = services.post_message(ticket=ticket, author=agent, body="hmm", internal=True)
    assert refused(services.split_message, message=first, by=agent,
                   subject="x") == errors.SPLIT_FIRST_MESSAGE
    assert refused(services.split_message, message=note, by=agent,
                   subject="x") == errors.SPLIT_INTERNAL
    assert ticket_count(ticket.tenant) == 1


def test_split_moves_the_message_into_a_linked_ticket(ticket, agent, customer, thread):
    _first, _answer, issue = thread
    new = services.split_message(message=issue, by=agent, subject="Wrong VAT on invoices")
    new.refresh_from_db()
    ticket.refresh_from_db()
    assert new.number == ticket.number + 1
    assert (new.subject, new.status, new.created_by, new.company) == (
        "Wrong VAT on invoices", Status.SUBMITTED, customer, ticket.company)
    assert new.split_from == ticket and list(ticket.split_into.all()) == [new]
    assert list(new.messages.all()) == [issue]
    assert issue not in ticket.messages.all()
    notice = ticket.messages.order_by("created_at", "pk").last()
    assert issue.public_id in notice.body and f"#{new.number}" in notice.body
    assert not notice.internal
    assert events(ticket, EventKind.SPLIT)[0].data["target"] == new.number
    assert events(new, EventKind.SPLIT)[0].data["source"] == ticket.number


def test_split_new_ticket_belongs_to_the_original_customer_when_staff_wrote(company, agent):
    ticket = TicketFactory(company=company)
    MessageFactory(ticket=ticket)
    staff_message = MessageFactory(ticket=ticket, author=agent, by_staff=True)
    new = services.split_message(message=staff_message, by=agent, subject="")
    assert new.created_by == ticket.created_by
    assert new.subject == ticket.subject


def test_split_and_merge_notices_speak_the_customers_language(company, agent):
    source = TicketFactory(company=company, status=Status.ASSIGNED)
    target = TicketFactory(company=company, status=Status.IN_PROGRESS)
    User.objects.filter(pk=source.created_by_id).update(language="it")
    agent.language = "en"
    services.merge_tickets(source=source, target=target, by=agent)
    [notice] = source.messages.all()
    assert notice.body.startswith("Questo ticket")
