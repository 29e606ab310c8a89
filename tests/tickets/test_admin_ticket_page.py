"""The staff ticket page in admin (T-15): the full thread with internal notes, and one form
per action, each going through its service; refusals say why and change nothing; another
tenant's tickets are not found; queries stay bounded."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers import serialize
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, DepartmentFactory, StaffFactory, customer_of
from tests.conftest import host_client
from tests.tickets.factories import CannedReplyFactory
from tests.tickets.test_admin_common import (
    act,
    action_url,
    attachment_url,
    messages_of,
    page_url,
    submit,
    support_type,
)
from tickets import errors, services
from tickets.admin import WORK
from tickets.admin_forms import NO_SUCH_TICKET, REPLY_OR_CANNED
from tickets.lifecycle import Actor, Status
from tickets.models import (
    AccessInfoView,
    AccessKind,
    EventKind,
    Message,
    Priority,
    Ticket,
    TicketEvent,
)
from tickets.selectors import thread


@pytest.fixture
def support(tenant):
    return support_type(tenant)


@pytest.fixture
def ticket(customer, support):
    return submit(customer, support, subject="Checkout fails",
                  body="The payment page shows error 500.",
                  uploads=[SimpleUploadedFile("error.log", b"PHP Fatal error: checkout")])


@pytest.fixture
def staff_client(tenant, agent):
    return host_client(tenant, agent)


def fresh(ticket) -> Ticket:
    return Ticket.all_tenants.get(pk=ticket.pk)


def history_of(response) -> list[tuple[str, str]]:
    return [(event.kind, detail) for event, detail in response.context["history"]]


def page_text(client, ticket) -> str:
    response = client.get(page_url(ticket))
    assert response.status_code == 200
    return response.content.decode()


def test_ticket_page_shows_the_thread_with_notes_apart_and_attachment_links(
        staff_client, ticket, agent):
    services.post_message(ticket=ticket, author=agent, body="Customer is on PHP 7; ask them.",
                          internal=True)
    services.post_message(ticket=ticket, author=agent, body="Which PHP version do you run?")
    page = page_text(staff_client, ticket)
    first, note, reply = thread(ticket, include_internal=True)
    assert page.index(first.body) < page.index(note.body) < page.index(reply.body)
    assert f'class="ticket-message internal" id="message-{note.public_id}"' in page
    assert f'class="ticket-message staff" id="message-{reply.public_id}"' in page
    attachment = first.attachments.get()
    download = staff_client.get(attachment_url(ticket, attachment))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="error.log"'
    assert b"".join(download.streaming_content) == b"PHP Fatal error: checkout"
    assert attachment_url(ticket, attachment) in page


def test_internal_notes_never_reach_the_customers_thread(staff_client, ticket):
    act(staff_client, ticket, "note", {"body": "Refund them quietly."})
    note = Message.objects.for_tenant(ticket.tenant).get(body="Refund them quietly.")
    assert (note.internal, note.by_staff) == (True, True)
    assert note not in thread(ticket, include_internal=False)
    assert fresh(ticket).last_message_by_staff is False
    assert fresh(ticket).first_response_at is None


def test_reply_with_files_goes_to_the_customer_as_the_first_response(staff_client, ticket, agent):
    response = act(staff_client, ticket, "reply", {
        "body": "Fixed in 2.4.1.",
        "files": [SimpleUploadedFile("patch.txt", b"diff --git a/checkout")]})
    assert messages_of(response) == ["Your reply was sent."]
    reply = Message.objects.for_tenant(ticket.tenant).get(body="Fixed in 2.4.1.")
    assert (reply.author, reply.by_staff, reply.internal) == (agent, True, False)
    assert [a.name for a in reply.attachments.all()] == ["patch.txt"]
    assert fresh(ticket).first_response_at == reply.created_at
    assert TicketEvent.objects.for_tenant(ticket.tenant).filter(
        ticket=ticket, kind=EventKind.MESSAGE, message=reply).exists()


def test_canned_reply_is_the_reply_when_nothing_is_typed(tenant, staff_client, ticket):
    canned = CannedReplyFactory(tenant=tenant, title="Thanks",
                                body="Thank you, we are looking into it.")
    assert "Thank you, we are looking into it." in page_text(staff_client, ticket)
    act(staff_client, ticket, "reply", {"body": "", "canned_reply": canned.pk})
    act(staff_client, ticket, "reply", {"body": "Hello Anna,", "canned_reply": canned.pk})
    bodies = list(Message.objects.for_tenant(tenant).filter(ticket=ticket, by_staff=True)
                  .values_list("body", flat=True))
    assert bodies == ["Thank you, we are looking into it.",
                      "Hello Anna,\n\nThank you, we are looking into it."]


def test_another_tenants_canned_reply_cannot_be_sent(other_tenant, staff_client, ticket):
    theirs = CannedReplyFactory(tenant=other_tenant, body="Their secret wording")
    response = act(staff_client, ticket, "reply", {"body": "", "canned_reply": theirs.pk})
    assert any("Select a valid choice" in m for m in messages_of(response))
    assert not Message.objects.for_tenant(ticket.tenant).filter(by_staff=True).exists()


def test_empty_reply_is_refused_and_nothing_is_posted(staff_client, ticket):
    response = act(staff_client, ticket, "reply", {"body": "  "})
    assert messages_of(response) == [str(REPLY_OR_CANNED)]
    assert Message.objects.for_tenant(ticket.tenant).filter(ticket=ticket).count() == 1


def test_refused_reply_comes_back_with_what_was_typed(staff_client, ticket):
    response = act(staff_client, ticket, "reply", {
        "body": "A long, careful answer.", "files": [SimpleUploadedFile("tool.exe", b"MZ")]})
    assert any("files of this type are not accepted" in m for m in messages_of(response))
    assert "A long, careful answer.</textarea>" in response.content.decode()
    assert Message.objects.for_tenant(ticket.tenant).filter(ticket=ticket).count() == 1
    again = page_text(staff_client, ticket)
    assert "A long, careful answer." not in again


def test_assign_to_a_staff_member_of_the_tenant(staff_client, ticket, manager):
    response = act(staff_client, ticket, "assign", {"assignee": manager.pk})
    assert messages_of(response) == [f"Assigned to {manager}."]
    assert (fresh(ticket).assignee, fresh(ticket).status) == (manager, Status.ASSIGNED)
    act(staff_client, ticket, "assign", {"assignee": ""})
    assert fresh(ticket).assignee is None


def test_assign_offers_and_accepts_only_the_tenants_staff(other_tenant, staff_client, ticket,
                                                          customer):
    foreigner = StaffFactory(tenant=other_tenant, email="agent@beta.example")
    assert "agent@beta.example" not in page_text(staff_client, ticket)
    for person in (foreigner, customer):
        response = act(staff_client, ticket, "assign", {"assignee": person.pk})
        assert any("Select a valid choice" in m for m in messages_of(response))
    assert (fresh(ticket).assignee, fresh(ticket).status) == (None, Status.SUBMITTED)


def test_move_to_another_department_of_the_tenant_only(tenant, other_tenant, staff_client,
                                                       ticket):
    sales = DepartmentFactory(tenant=tenant, name="Sales")
    theirs = DepartmentFactory(tenant=other_tenant, name="Beta Sales")
    act(staff_client, ticket, "department", {"department": theirs.pk})
    assert fresh(ticket).department_id == ticket.department_id
    response = act(staff_client, ticket, "department", {"department": sales.pk})
    assert messages_of(response) == ["Moved to Sales."]
    assert fresh(ticket).department == sales


def test_status_change_offers_the_staff_moves_and_records_why(staff_client, ticket, agent):
    form = staff_client.get(page_url(ticket)).context["forms"]["status"]
    assert [value for value, _label in form.fields["to"].widget.choices] == [
        "", Status.ASSIGNED, Status.IN_PROGRESS, Status.PRE_CLOSED, Status.CLOSED]
    act(staff_client, ticket, "status", {"to": Status.IN_PROGRESS, "reason": "reproduced"})
    assert fresh(ticket).status == Status.IN_PROGRESS
    event = TicketEvent.objects.for_tenant(ticket.tenant).get(ticket=ticket,
                                                              kind=EventKind.STATUS)
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        agent, Status.SUBMITTED, Status.IN_PROGRESS, "reproduced")


def test_illegal_status_move_is_refused_clearly_and_changes_nothing(staff_client, ticket):
    response = act(staff_client, ticket, "status", {"to": Status.REOPENED})
    assert messages_of(response) == ["A ticket cannot go from “Submitted” to “Re-opened”."]
    assert fresh(ticket).status == Status.SUBMITTED
    assert not TicketEvent.objects.for_tenant(ticket.tenant).filter(
        ticket=ticket, kind=EventKind.STATUS).exists()


@pytest.mark.parametrize("target", [Status.ASSIGNED, Status.IN_PROGRESS])
def test_staff_cannot_start_work_before_the_quote_is_accepted(target, staff_client, customer,
                                                              support):
    quoted = submit(customer, support, quote_requested=True)
    form = staff_client.get(page_url(quoted)).context["forms"]["status"]
    assert [value for value, _label in form.fields["to"].widget.choices] == ["", Status.CLOSED]
    response = act(staff_client, quoted, "status", {"to": target})
    assert messages_of(response) == [str(errors.ILLEGAL_MOVE % {
        "from": Status.AWAITING_QUOTE.label, "to": target.label})]
    assert fresh(quoted).status == Status.AWAITING_QUOTE


def test_priority_change_goes_through_the_service(staff_client, ticket):
    response = act(staff_client, ticket, "priority", {"priority": Priority.MAJOR})
    assert messages_of(response) == ["Priority: Major."]
    assert fresh(ticket).priority == Priority.MAJOR
    assert TicketEvent.objects.for_tenant(ticket.tenant).filter(
        ticket=ticket, kind=EventKind.PRIORITY).count() == 1


def test_quote_is_offered_and_sent_only_while_the_ticket_awaits_one(staff_client, customer,
                                                                    support, ticket):
    assert 'name="scope"' not in page_text(staff_client, ticket)
    response = act(staff_client, ticket, "quote", {"credits": "5", "scope": "Two hours"})
    assert messages_of(response) == [str(errors.QUOTE_WRONG_STATUS)]
    quoted = submit(customer, support, quote_requested=True)
    assert 'name="scope"' in page_text(staff_client, quoted)
    response = act(staff_client, quoted, "quote", {"credits": "", "amount": "", "scope": "X"})
    assert messages_of(response) == [str(errors.QUOTE_INVALID)]
    act(staff_client, quoted, "quote", {"credits": "5", "amount": "120.50",
                                        "scope": "Two hours of work"})
    sent = fresh(quoted)
    assert (sent.status, sent.quote_credits, str(sent.quote_amount), sent.quote_scope) == (
        Status.QUOTE_SENT, 5, "120.50", "Two hours of work")


def test_mark_solved_and_not_solved(staff_client, ticket):
    act(staff_client, ticket, "solved", {"solved": "1"})
    assert fresh(ticket).solved is True
    assert "Mark not solved" in page_text(staff_client, ticket)
    act(staff_client, ticket, "solved", {"solved": "0"})
    assert fresh(ticket).solved is False


def test_split_moves_a_later_message_to_a_new_linked_ticket_and_tells_the_customer(
        staff_client, ticket, customer):
    second = services.post_message(ticket=ticket, author=customer, body="Also: invoices are "
                                   "missing the VAT code.")
    page = page_text(staff_client, ticket)
    assert page.count('name="subject"') == 1  # the second message only, never the first
    response = act(staff_client, ticket, "split", {"message": second.pk,
                                                   "subject": "Invoices lack the VAT code"})
    new = Ticket.objects.for_tenant(ticket.tenant).get(split_from=ticket)
    assert messages_of(response) == [
        f"The message is now ticket #{new.number}; the customer was told here."]
    assert (new.subject, new.company) == ("Invoices lack the VAT code", ticket.company)
    assert list(thread(new, include_internal=True)) == [second]
    notice = thread(ticket, include_internal=False).last()
    assert f"#{new.number}" in notice.body and second.public_id in notice.body
    assert f"#{new.number}</a>" in response.content.decode()
    assert f"#{ticket.number}</a>" in page_text(staff_client, new)


def test_the_first_message_cannot_be_split(staff_client, ticket):
    first = thread(ticket, include_internal=True).get()
    response = act(staff_client, ticket, "split", {"message": first.pk, "subject": "New"})
    assert messages_of(response) == [str(errors.SPLIT_FIRST_MESSAGE)]
    assert not Ticket.objects.for_tenant(ticket.tenant).filter(split_from=ticket).exists()


def test_merge_closes_the_duplicate_into_the_companys_ticket(staff_client, ticket, customer,
                                                             support):
    duplicate = submit(customer, support, subject="Checkout still fails")
    response = act(staff_client, duplicate, "merge", {"number": ticket.number})
    assert messages_of(response) == [f"Closed as a duplicate of ticket #{ticket.number}."]
    closed = fresh(duplicate)
    assert (closed.status, closed.merged_into) == (Status.CLOSED, ticket)
    assert f"#{ticket.number}" in thread(duplicate, include_internal=False).last().body
    assert (EventKind.MERGED, f"to #{ticket.number}") in history_of(response)
    target_page = staff_client.get(page_url(ticket))
    assert (EventKind.MERGED, f"from #{duplicate.number}") in history_of(target_page)


def test_merge_refuses_another_company_unknown_numbers_and_other_tenants(
        tenant, other_tenant, staff_client, ticket, support):
    neighbour = submit(customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY), support)
    foreign_customer = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
    foreign_type = support_type(other_tenant)
    submit(foreign_customer, foreign_type)
    foreign = submit(foreign_customer, foreign_type)
    assert not Ticket.objects.for_tenant(tenant).filter(number=foreign.number + 1).exists()
    cases = [(neighbour.number, str(errors.MERGE_OTHER_COMPANY)),
             (foreign.number + 1, str(NO_SUCH_TICKET % {"number": foreign.number + 1})),
             (ticket.number, str(errors.MERGE_ITSELF))]
    for number, message in cases:
        assert messages_of(act(staff_client, ticket, "merge", {"number": number})) == [message]
    assert (fresh(ticket).status, fresh(ticket).merged_into) == (Status.SUBMITTED, None)


def test_access_info_is_shown_only_on_request_never_cached_and_logged(
        tenant, staff_client, ticket, customer, agent):
    services.post_access_info(membership=customer.membership, ticket=ticket,
                              kind=AccessKind.SSH, host="shop.example", port=22,
                              login="deploy", password="s3cret-Pa55", notes="sudo allowed")
    page = page_text(staff_client, ticket)
    assert "s3cret-Pa55" not in page and "shop.example" not in page
    assert "1 access info entry" in page
    assert staff_client.get(action_url(ticket, "access_info")).status_code == 405
    response = staff_client.post(action_url(ticket, "access_info"))
    shown = response.content.decode()
    assert all(value in shown for value in ("s3cret-Pa55", "deploy", "shop.example:22",
                                            "sudo allowed"))
    assert "no-store" in response["Cache-Control"]
    assert list(AccessInfoView.objects.for_tenant(tenant).values_list("viewer", flat=True)
                ) == [agent.pk]


def test_history_lists_every_event_readably(staff_client, ticket, agent, manager):
    services.assign_ticket(ticket=ticket, by=agent, assignee=manager)
    services.set_priority(ticket=ticket, priority=Priority.MINOR, by=agent)
    response = staff_client.get(page_url(ticket))
    assert history_of(response) == [
        (EventKind.CREATED, "Submitted"),
        (EventKind.ASSIGNED, f"nobody → {manager}"),
        (EventKind.STATUS, "Submitted → Assigned (assigned)"),
        (EventKind.PRIORITY, "Normal → Minor"),
    ]
    assert escape(f"nobody → {manager}") in response.content.decode()


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_agents_and_managers_both_work_tickets(role, tenant, ticket, request):
    client = host_client(tenant, request.getfixturevalue(role))
    act(client, ticket, "note", {"body": f"Seen by the {role}."})
    assert Message.objects.for_tenant(tenant).filter(body=f"Seen by the {role}.").exists()


def test_platform_superuser_works_any_tenants_ticket(superuser, ticket):
    client = host_client(None, superuser)
    assert "Alpha Software" in page_text(client, ticket)
    act(client, ticket, "reply", {"body": "Platform team here."})
    assert Message.all_tenants.filter(ticket=ticket, body="Platform team here.").exists()


def test_actions_need_a_post(staff_client, ticket):
    for action in WORK:
        assert staff_client.get(action_url(ticket, action)).status_code == 405


def test_another_tenants_ticket_is_not_found_and_stays_unchanged(other_tenant, tenant, manager):
    foreign_customer = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
    theirs = submit(foreign_customer, support_type(other_tenant), subject="Beta secret",
                    uploads=[SimpleUploadedFile("beta.log", b"beta only")])
    second = services.post_message(ticket=theirs, author=foreign_customer, body="More")
    attachment = thread(theirs, include_internal=True).first().attachments.get()
    canned = CannedReplyFactory(tenant=tenant)
    before = serialize("json", Ticket.all_tenants.filter(pk=theirs.pk))
    client = host_client(tenant, manager)
    page = client.get(page_url(theirs), follow=True)
    assert "Beta secret" not in page.content.decode()
    assert any("doesn\N{RIGHT SINGLE QUOTATION MARK}t exist" in m for m in messages_of(page))
    data = {"body": "x", "canned_reply": canned.pk, "assignee": manager.pk, "to": "closed",
            "priority": "major", "scope": "x", "credits": "1", "solved": "1",
            "message": second.pk, "subject": "x", "number": theirs.number,
            "department": theirs.department_id}
    for action in [*WORK, "access_info"]:
        assert client.post(action_url(theirs, action), data).status_code == 404, action
    assert client.get(attachment_url(theirs, attachment)).status_code == 404
    assert serialize("json", Ticket.all_tenants.filter(pk=theirs.pk)) == before
    assert Message.all_tenants.filter(ticket=theirs).count() == 2
    assert not AccessInfoView.all_tenants.exists()


def test_an_attachment_of_another_ticket_is_not_found_through_this_one(staff_client, ticket,
                                                                       customer, support):
    other = submit(customer, support, uploads=[SimpleUploadedFile("other.log", b"other")])
    attachment = thread(other, include_internal=True).first().attachments.get()
    assert staff_client.get(attachment_url(ticket, attachment)).status_code == 404


def grow_thread(ticket, customer, agent, count):
    for n in range(count):
        author = agent if n % 2 else customer
        services.post_message(ticket=ticket, author=author, body=f"Message {n}",
                              internal=bool(n % 4 == 3),
                              uploads=[SimpleUploadedFile(f"m{n}.txt", b"text")])
    services.change_status(ticket=ticket, to=Status.IN_PROGRESS, by=agent, actor=Actor.STAFF)


def test_ticket_page_queries_do_not_grow_with_messages(staff_client, customer, agent, support,
                                                       django_assert_max_num_queries):
    short = submit(customer, support)
    grow_thread(short, customer, agent, 2)
    long = submit(customer, support)
    grow_thread(long, customer, agent, 39)
    with django_assert_max_num_queries(25), CaptureQueriesContext(connection) as few:
        assert staff_client.get(page_url(short)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(page_url(long))
    assert len(response.context["thread"]) == 40
    assert len(many) == len(few)
