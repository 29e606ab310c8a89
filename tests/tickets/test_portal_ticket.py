"""The ticket page (T-4, T-5, T-6, T-8, T-9): the thread without internal notes, replies,
"Ticket properties", the quote, the rating, and attachment downloads; every page and action
404s for another company's or tenant's ticket."""
import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, customer_of
from tests.conftest import host_client
from tests.tickets.factories import upload
from tests.tickets.test_portal_common import (
    PNG,
    detail,
    sales_type,
    submit,
    support_type,
    text,
)
from tickets import errors, services
from tickets.lifecycle import Actor, Status
from tickets.models import EventKind, Message, Priority, Ticket, TicketEvent

MESSAGE_ID = re.compile(r'<article class="card message[^"]*" id="m-([0-9A-F]+)"')


def staff_move(ticket, agent, to) -> Ticket:
    return services.change_status(ticket=ticket, to=to, by=agent, actor=Actor.STAFF)


def reload(ticket) -> Ticket:
    return Ticket.objects.for_tenant(ticket.tenant_id).get(pk=ticket.pk)


def thread_ids(response) -> list[str]:
    return MESSAGE_ID.findall(response.content.decode())


# Who may see a ticket -----------------------------------------------------------------------

PAGES = [("detail", "get"), ("access_info", "get"), ("reply", "post"), ("status", "post"),
         ("priority", "post"), ("hotrush", "post"), ("quote", "post"), ("rate", "post"),
         ("access_info", "post"), ("access_info_show", "post")]


@pytest.mark.parametrize("where", ["other company", "other tenant"])
@pytest.mark.parametrize(("page", "method"), PAGES)
def test_every_ticket_page_404s_for_another_companys_or_tenants_ticket(
        tenant, other_tenant, customer, where, page, method):
    elsewhere = tenant if where == "other company" else other_tenant
    owner = customer_of(CompanyFactory(tenant=elsewhere), Role.PRIMARY)
    theirs = submit(owner, support_type(elsewhere), subject="Their secret")
    data = {"to": "closed", "priority": "major", "hotrush": "enable", "answer": "decline",
            "rating": "5", "body": "Hello", "kind": "ssh", "host": "h"}
    response = getattr(host_client(tenant, customer), method)(detail(theirs, page), data)
    assert response.status_code == 404
    assert reload(theirs).status == Status.SUBMITTED
    assert reload(theirs).messages.count() == 1


def test_the_attachment_download_404s_for_another_companys_ticket(tenant, customer):
    support = support_type(tenant)
    owner = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    theirs = submit(owner, support, uploads=[upload("secret.txt")])
    attachment = theirs.messages.get().attachments.get()
    client = host_client(tenant, customer)
    assert client.get(detail(theirs, "attachment", attachment.pk)).status_code == 404
    mine = submit(customer, support)
    # Their attachment's id under my ticket's number is no way in either.
    assert client.get(detail(mine, "attachment", attachment.pk)).status_code == 404


def test_a_secondary_of_the_company_sees_the_ticket(tenant, customer, secondary):
    ticket = submit(customer, support_type(tenant))
    assert host_client(tenant, secondary).get(detail(ticket)).status_code == 200


# The thread (T-4) ---------------------------------------------------------------------------

def test_the_page_shows_the_header_and_the_thread_oldest_first(tenant, company, customer,
                                                               agent):
    support = support_type(tenant)
    ticket = submit(customer, support, subject="Checkout fails on PayPal",
                    priority=Priority.MAJOR, hotrush=True, uploads=[upload("error.log")])
    answer = services.post_message(ticket=ticket, author=agent, body="Which version?")
    reply = services.post_message(ticket=ticket, author=customer, body="4.7.12")
    response = host_client(tenant, customer).get(detail(ticket))
    assert response.status_code == 200
    page = text(response)
    for shown in (f"#{ticket.number}", "Checkout fails on PayPal", "Submitted", "Major",
                  "HotRush", "Tech support question", "Ticket properties", "Post access info",
                  f"{tenant.name} support: {agent.first_name}", customer.get_full_name(),
                  "error.log"):
        assert shown in page, shown
    first = ticket.messages.order_by("created_at").first()
    assert thread_ids(response) == [first.public_id, answer.public_id, reply.public_id]
    assert agent.last_name not in page  # staff appear as the vendor's support, first name only
    body = response.content.decode()
    # Newest at the bottom, the reply box after it (seed 000).
    assert body.index(reply.public_id) < body.index('id="reply-form"')


def test_the_reply_box_is_on_top_when_the_tenant_says_so(tenant, customer):
    tenant.policy.reply_box_on_top = True
    tenant.policy.save()
    ticket = submit(customer, support_type(tenant))
    body = host_client(tenant, customer).get(detail(ticket)).content.decode()
    assert body.index('id="reply-form"') < body.index(ticket.messages.get().public_id)


def test_internal_notes_and_their_files_never_reach_the_customer(tenant, customer, agent):
    ticket = submit(customer, support_type(tenant))
    note = services.post_message(ticket=ticket, author=agent, internal=True,
                                 body="Customer is on a cracked copy",
                                 uploads=[upload("note-file.txt")])
    client = host_client(tenant, customer)
    response = client.get(detail(ticket))
    page = response.content.decode()
    assert "cracked" not in page and "note-file" not in page and note.public_id not in page
    note_file = note.attachments.get()
    assert client.get(detail(ticket, "attachment", note_file.pk)).status_code == 404


def test_a_staff_split_and_merge_link_the_tickets(tenant, customer, agent):
    support = support_type(tenant)
    original = submit(customer, support)
    second_issue = services.post_message(ticket=original, author=customer, body="Also: X")
    split = services.split_message(message=second_issue, by=agent, subject="Issue X")
    duplicate = submit(customer, support)
    services.merge_tickets(source=duplicate, target=original, by=agent)
    client = host_client(tenant, customer)
    assert f"Split into #{split.number}" in text(client.get(detail(original)))
    assert f"Split from #{original.number}" in text(client.get(detail(split)))
    assert f"Merged into #{original.number}" in text(client.get(detail(duplicate)))


def test_the_ticket_page_needs_the_same_few_queries_for_3_or_40_messages(
        tenant, customer, agent, django_assert_max_num_queries):
    ticket = submit(customer, support_type(tenant), hotrush=True)
    services.assign_ticket(ticket=ticket, by=agent, assignee=agent)
    client = host_client(tenant, customer)

    def add_messages(count):
        for n in range(count):
            author = agent if n % 2 else customer
            files = [upload(f"log{n}.txt")] if n % 4 == 0 else []
            services.post_message(ticket=ticket, author=author, body=f"Message {n}",
                                  uploads=files)

    def queries(messages):
        with django_assert_max_num_queries(12) as captured:
            response = client.get(detail(ticket))
        assert len(thread_ids(response)) == messages
        return len(captured.captured_queries)

    add_messages(2)
    few = queries(3)
    add_messages(37)
    assert queries(40) == few


# Replies ------------------------------------------------------------------------------------

def test_a_reply_with_files_is_added_at_the_bottom(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    response = client.post(detail(ticket, "reply"), {
        "body": "Here is the screenshot.", "files": [upload("shot.png", PNG), upload("a.log")]})
    message = ticket.messages.order_by("created_at", "pk").last()
    assert response.status_code == 302
    assert response["Location"] == f"{detail(ticket)}#m-{message.public_id}"
    assert message.body == "Here is the screenshot." and message.author == customer
    assert sorted(a.name for a in message.attachments.all()) == ["a.log", "shot.png"]
    assert thread_ids(client.get(detail(ticket)))[-1] == message.public_id


def test_a_reply_on_a_pre_closed_ticket_moves_it_to_in_progress(tenant, customer, agent):
    ticket = staff_move(submit(customer, support_type(tenant)), agent, Status.PRE_CLOSED)
    host_client(tenant, customer).post(detail(ticket, "reply"), {"body": "Not fixed yet."})
    assert reload(ticket).status == Status.IN_PROGRESS


@pytest.mark.parametrize(("data", "message"), [
    ({"body": ""}, "This field is required."),
    ({"body": "See file", "files": [upload("x.png", b"not a png")]},
     "“x.png” does not contain what its name says (png)."),
    ({"body": "See file", "files": [upload("x.exe", b"MZ")]},
     "“x.exe”: files of this type are not accepted."),
])
def test_a_bad_reply_is_refused_with_the_reason_and_adds_nothing(tenant, customer, data,
                                                                 message):
    ticket = submit(customer, support_type(tenant))
    response = host_client(tenant, customer).post(detail(ticket, "reply"), data)
    assert response.status_code == 200
    assert message in text(response)
    assert ticket.messages.count() == 1


def test_a_closed_ticket_takes_no_reply_and_says_how_to_go_on(tenant, customer, agent):
    ticket = staff_move(submit(customer, support_type(tenant)), agent, Status.CLOSED)
    client = host_client(tenant, customer)
    response = client.get(detail(ticket))
    assert 'id="reply-form"' not in response.content.decode()
    page = text(response)
    assert str(errors.CANNOT_POST_ON_CLOSED) in page
    assert "Re-open" in page
    response = client.post(detail(ticket, "reply"), {"body": "One more thing"})
    assert str(errors.CANNOT_POST_ON_CLOSED) in text(response)
    assert ticket.messages.count() == 1


# Attachments (F-5) --------------------------------------------------------------------------

def test_an_attachment_downloads_as_a_file_with_its_name_never_sniffed(tenant, customer):
    ticket = submit(customer, support_type(tenant),
                    uploads=[upload("../../etc/passwd.txt", b"root:x:0:0\n")])
    attachment = ticket.messages.get().attachments.get()
    response = host_client(tenant, customer).get(detail(ticket, "attachment", attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"root:x:0:0\n"
    assert response["Content-Disposition"] == 'attachment; filename="passwd.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/plain"


def test_a_missing_attachment_file_is_a_404_not_an_error(tenant, customer):
    ticket = submit(customer, support_type(tenant), uploads=[upload("gone.txt")])
    attachment = ticket.messages.get().attachments.get()
    attachment.file.delete(save=False)
    response = host_client(tenant, customer).get(detail(ticket, "attachment", attachment.pk))
    assert response.status_code == 404


# Ticket properties (T-5) --------------------------------------------------------------------

def test_close_and_re_open(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    assert re.search(r'name="to" value="closed">\s*Close\s*<', client.get(
        detail(ticket)).content.decode())
    response = client.post(detail(ticket, "status"), {"to": "closed"})
    assert response["Location"] == f"{detail(ticket)}#properties"
    assert reload(ticket).status == Status.CLOSED
    assert re.search(r'name="to" value="reopened">\s*Re-open\s*<', client.get(
        detail(ticket)).content.decode())
    client.post(detail(ticket, "status"), {"to": "reopened"})
    assert reload(ticket).status == Status.REOPENED
    event = TicketEvent.objects.for_tenant(tenant).filter(ticket=ticket, kind=EventKind.STATUS)
    assert [(e.actor, e.to_status) for e in event] == [(customer, Status.CLOSED),
                                                       (customer, Status.REOPENED)]


@pytest.mark.parametrize("target", [Status.CLOSED, Status.IN_PROGRESS])
def test_a_pre_closed_ticket_goes_to_closed_or_in_progress(tenant, customer, agent, target):
    ticket = staff_move(submit(customer, support_type(tenant)), agent, Status.PRE_CLOSED)
    client = host_client(tenant, customer)
    page = client.get(detail(ticket)).content.decode()
    buttons = re.findall(r'name="to" value="(\w+)"', page)
    assert sorted(set(buttons)) == ["closed", "in_progress"]
    client.post(detail(ticket, "status"), {"to": target})
    assert reload(ticket).status == target


@pytest.mark.parametrize(("target", "message"), [
    ("submitted", "A ticket cannot go from “Submitted” to “Submitted”."),
    ("assigned", "A ticket cannot go from “Submitted” to “Assigned”."),
    ("pre_closed", "A ticket cannot go from “Submitted” to “Pre-closed”."),
    ("bogus", "Choose one of the offered options."),
    ("", "Choose one of the offered options."),
])
def test_a_status_the_customer_may_not_choose_is_refused(tenant, customer, target, message):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    client.post(detail(ticket, "status"), {"to": target})
    assert reload(ticket).status == Status.SUBMITTED
    assert message in text(client.get(detail(ticket)))


def test_the_status_change_says_what_happened(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    client.post(detail(ticket, "status"), {"to": "closed"})
    assert "The ticket is now “Closed”." in text(client.get(detail(ticket)))


def test_the_priority_changes_while_open_only(tenant, customer, agent):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    client.post(detail(ticket, "priority"), {"priority": "major"})
    assert reload(ticket).priority == Priority.MAJOR
    assert "The priority is now Major." in text(client.get(detail(ticket)))
    staff_move(ticket, agent, Status.CLOSED)
    assert 'id="priority-form"' not in client.get(detail(ticket)).content.decode()
    client.post(detail(ticket, "priority"), {"priority": "minor"})
    assert reload(ticket).priority == Priority.MAJOR
    assert str(errors.PRIORITY_CLOSED) in text(client.get(detail(ticket)))


def test_hotrush_is_offered_on_tech_support_tickets_only(tenant, customer):
    client = host_client(tenant, customer)
    sales_ticket = submit(customer, sales_type(tenant))
    assert 'id="hotrush-form"' not in client.get(detail(sales_ticket)).content.decode()
    client.post(detail(sales_ticket, "hotrush"), {"hotrush": "enable"})
    assert not reload(sales_ticket).hotrush
    assert str(errors.HOTRUSH_ONLY_SUPPORT) in text(client.get(detail(sales_ticket)))


def test_hotrush_enable_and_disable_and_the_limit_once_work_started(tenant, customer, agent):
    tenant.policy.hotrush_disable_limit = 1
    tenant.policy.save()
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    client.post(detail(ticket, "hotrush"), {"hotrush": "enable"})
    assert reload(ticket).hotrush
    assert "HotRush is enabled." in text(client.get(detail(ticket)))
    client.post(detail(ticket, "hotrush"), {"hotrush": "disable"})  # Submitted: not counted
    assert not reload(ticket).hotrush
    client.post(detail(ticket, "hotrush"), {"hotrush": "enable"})
    services.assign_ticket(ticket=ticket, by=agent, assignee=agent)
    page = text(client.get(detail(ticket)))
    assert "Disables left: 1" in page
    assert "at most 1 times per helpdesk account" in page
    client.post(detail(ticket, "hotrush"), {"hotrush": "disable"})
    assert not reload(ticket).hotrush
    client.post(detail(ticket, "hotrush"), {"hotrush": "enable"})
    assert "Disables left: 0" in text(client.get(detail(ticket)))
    client.post(detail(ticket, "hotrush"), {"hotrush": "disable"})
    assert reload(ticket).hotrush
    assert str(errors.HOTRUSH_LIMIT % {"limit": 1}) in text(client.get(detail(ticket)))


def test_the_price_of_enabling_hotrush_shows_before_the_click(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    assert "Costs" not in text(client.get(detail(ticket)))
    tenant.policy.hotrush_price = 5
    tenant.policy.save()
    assert "Enable HotRush Costs 5 credits." in text(client.get(detail(ticket)))


def test_a_malformed_property_post_changes_nothing(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    for page, data in (("priority", {"priority": "urgent"}), ("hotrush", {"hotrush": "1"}),
                       ("quote", {"answer": "maybe"})):
        response = client.post(detail(ticket, page), data)
        assert response.status_code == 302
    fresh = reload(ticket)
    assert (fresh.priority, fresh.hotrush, fresh.status) == (Priority.NORMAL, False,
                                                             Status.SUBMITTED)
    assert "Choose one of the offered options." in text(client.get(detail(ticket)))


def test_property_changes_want_a_post(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    for page in ("reply", "status", "priority", "hotrush", "quote", "rate"):
        assert client.get(detail(ticket, page)).status_code == 405


# The price quote (T-8) ----------------------------------------------------------------------

def quoted(customer, agent) -> Ticket:
    ticket = submit(customer, support_type(customer.tenant), quote_requested=True)
    return services.send_quote(ticket=ticket, by=agent, scope="Fix the PayPal module",
                               credits=12)


def test_a_quote_waiting_for_the_estimate_says_so(tenant, customer):
    ticket = submit(customer, support_type(tenant), quote_requested=True)
    page = text(host_client(tenant, customer).get(detail(ticket)))
    assert "we are estimating your request" in page
    assert "Accept" not in page


def test_the_quote_shows_the_estimate_and_accepting_queues_the_ticket(tenant, customer,
                                                                      agent):
    ticket = quoted(customer, agent)
    client = host_client(tenant, customer)
    page = text(client.get(detail(ticket)))
    assert "Credits 12" in page and "Fix the PayPal module" in page
    client.post(detail(ticket, "quote"), {"answer": "accept"})
    assert reload(ticket).status == Status.SUBMITTED
    assert "You accepted the quote" in text(client.get(detail(ticket)))


def test_declining_the_quote_closes_the_ticket(tenant, customer, agent):
    ticket = quoted(customer, agent)
    client = host_client(tenant, customer)
    client.post(detail(ticket, "quote"), {"answer": "decline"})
    assert reload(ticket).status == Status.CLOSED
    assert "You declined the quote" in text(client.get(detail(ticket)))


def test_answering_a_quote_that_was_not_sent_is_refused(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    client.post(detail(ticket, "quote"), {"answer": "accept"})
    assert reload(ticket).status == Status.SUBMITTED
    assert str(errors.QUOTE_NOT_SENT) in text(client.get(detail(ticket)))


# Rating (T-9) -------------------------------------------------------------------------------

def test_only_a_closed_ticket_can_be_rated(tenant, customer):
    ticket = submit(customer, support_type(tenant))
    client = host_client(tenant, customer)
    assert 'id="rating-form"' not in client.get(detail(ticket)).content.decode()
    response = client.post(detail(ticket, "rate"), {"rating": "5", "comment": "Great"})
    assert response.status_code == 200
    assert str(errors.RATE_ONLY_CLOSED) in text(response)
    assert reload(ticket).rating is None


def test_rating_a_closed_ticket_and_changing_it_within_the_window(tenant, customer, agent):
    tenant.policy.rating_edit_days = 7
    tenant.policy.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = staff_move(submit(customer, support_type(tenant)), agent, Status.CLOSED)
        client = host_client(tenant, customer)
        assert 'id="rating-form"' in client.get(detail(ticket)).content.decode()
        response = client.post(detail(ticket, "rate"), {"rating": "4", "comment": "Quick"})
        assert response["Location"] == f"{detail(ticket)}#rate"
    assert (reload(ticket).rating, reload(ticket).rating_comment) == (4, "Quick")
    with time_machine.travel(start + datetime.timedelta(days=6), tick=False):
        page = text(client.get(detail(ticket)))
        assert "You can change your rating until" in page
        client.post(detail(ticket, "rate"), {"rating": "5", "comment": "Even better"})
    assert reload(ticket).rating == 5
    with time_machine.travel(start + datetime.timedelta(days=8), tick=False):
        response = client.get(detail(ticket))
        assert 'id="rating-form"' not in response.content.decode()
        assert "This rating can no longer be changed." in text(response)
        response = client.post(detail(ticket, "rate"), {"rating": "1"})
        assert str(errors.RATE_LOCKED) in text(response)
    assert reload(ticket).rating == 5


@pytest.mark.parametrize(("rating", "message"), [
    ("0", "Select a valid choice. 0 is not one of the available choices."),
    ("6", "Select a valid choice. 6 is not one of the available choices."),
    ("five", "Select a valid choice. five is not one of the available choices."),
    ("", "This field is required."),
])
def test_a_rating_outside_1_to_5_is_refused(tenant, customer, agent, rating, message):
    ticket = staff_move(submit(customer, support_type(tenant)), agent, Status.CLOSED)
    response = host_client(tenant, customer).post(detail(ticket, "rate"), {"rating": rating})
    assert response.status_code == 200
    assert message in text(response)
    assert reload(ticket).rating is None


def test_messages_by_other_people_of_the_company_are_shown_by_name(tenant, customer, secondary):
    ticket = submit(customer, support_type(tenant))
    services.post_message(ticket=ticket, author=secondary, body="I add a detail.")
    page = text(host_client(tenant, customer).get(detail(ticket)))
    assert secondary.get_full_name() in page
    assert Message.objects.for_tenant(tenant).filter(ticket=ticket).count() == 2


@pytest.mark.parametrize("path", [
    "/tickets/99999999999999999999/",
    "/tickets/2147483648/",
    "/tickets/1001/attachments/99999999999999999999/",
])
def test_numbers_beyond_the_database_range_are_a_404(tenant, customer, path):
    submit(customer, support_type(tenant))
    assert host_client(tenant, customer).get(path).status_code == 404
