"""The company's priority offset (SPEC T-7): share of Minor minus share of Major over the
last 90 days, so a company that files only Major tickets is served as Normal."""
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Company
from helpdesk.models import JobRun
from tests.accounts.factories import CompanyFactory
from tests.tickets.factories import TicketFactory, TicketTypeFactory
from tickets import services
from tickets.lifecycle import Actor, Status
from tickets.models import Kind, Priority
from tickets.queue import ticket_queue
from tickets.tasks import refresh_priority_offsets_task

MAJOR, NORMAL, MINOR = Priority.MAJOR, Priority.NORMAL, Priority.MINOR


def file_tickets(company, *priorities, **fields):
    return [TicketFactory(company=company, priority=p, **fields) for p in priorities]


def refresh(company) -> Decimal:
    offset = services.refresh_priority_offset(tenant=company.tenant, company_id=company.pk)
    company.refresh_from_db()
    assert company.priority_offset == offset
    return offset


def score(ticket) -> Decimal:
    return ticket_queue(ticket.tenant).get(pk=ticket.pk).score


def test_a_company_without_tickets_has_no_offset(company):
    assert refresh(company) == 0


def test_only_major_tickets_are_served_as_normal(company):
    tickets = file_tickets(company, MAJOR, MAJOR, MAJOR)
    assert refresh(company) == -1
    assert score(tickets[0]) == 2


def test_mostly_minor_tickets_are_served_above_their_label(company):
    minor, *_rest, normal = file_tickets(company, MINOR, MINOR, MINOR, NORMAL)
    assert refresh(company) == Decimal("0.75")
    assert score(normal) == Decimal("2.75")
    assert score(minor) == Decimal("1.75")


def test_balanced_use_keeps_the_labels(company):
    major, *_ = file_tickets(company, MAJOR, MINOR, NORMAL, NORMAL)
    assert refresh(company) == 0
    assert score(major) == 3


def test_a_sparing_company_overtakes_a_major_only_one_at_the_same_label(tenant, company):
    greedy = CompanyFactory(tenant=tenant)
    [greedy_ticket] = file_tickets(greedy, MAJOR)
    sparing_ticket, *_ = file_tickets(company, MAJOR, MINOR, MINOR, MINOR)
    refresh(greedy)
    refresh(company)
    assert list(ticket_queue(tenant).values_list("pk", flat=True))[:1] == [sparing_ticket.pk]
    assert score(greedy_ticket) < score(sparing_ticket)


def test_only_the_last_90_days_count(company):
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=91)):
        file_tickets(company, MAJOR, MAJOR, MAJOR)
    with time_machine.travel(now - datetime.timedelta(days=89)):
        file_tickets(company, MINOR)
    file_tickets(company, NORMAL)
    assert refresh(company) == Decimal("0.5")


def test_log_tickets_do_not_count(tenant, company):
    log = TicketTypeFactory(department__tenant=tenant, kind=Kind.LOG, name="LOG",
                            customer_selectable=False)
    file_tickets(company, MAJOR, MAJOR, type=log)
    file_tickets(company, MINOR)
    assert refresh(company) == 1


def test_other_companies_tickets_do_not_count(tenant, other_tenant, company):
    file_tickets(CompanyFactory(tenant=tenant), MAJOR, MAJOR)
    file_tickets(CompanyFactory(tenant=other_tenant), MAJOR)
    file_tickets(company, MINOR, NORMAL)
    assert refresh(company) == Decimal("0.5")


def test_submitting_and_changing_priority_refresh_the_offset(tenant, company, customer):
    ticket_type = TicketTypeFactory(department__tenant=tenant)
    ticket = services.submit_ticket(tenant=tenant, membership=customer.membership,
                                    ticket_type=ticket_type, subject="Slow admin",
                                    body="The admin is slow.", priority=MINOR)
    company.refresh_from_db()
    assert company.priority_offset == 1
    services.set_priority(ticket=ticket, priority=MAJOR, by=customer,
                          membership=customer.membership)
    company.refresh_from_db()
    assert company.priority_offset == -1


@pytest.mark.parametrize(("priorities", "offset"), [
    ((MAJOR, MINOR, MINOR), Decimal("0.333")),
    ((MAJOR, MAJOR, NORMAL), Decimal("-0.667")),
])
def test_the_offset_is_kept_to_three_decimals(company, priorities, offset):
    file_tickets(company, *priorities)
    assert refresh(company) == offset


def test_the_nightly_job_refreshes_every_companys_offset_and_records_its_run(tenant,
                                                                             other_tenant):
    minor_only = CompanyFactory(tenant=tenant)
    major_only = CompanyFactory(tenant=other_tenant)
    quiet = CompanyFactory(tenant=tenant)
    TicketFactory(company=minor_only, priority=Priority.MINOR)
    TicketFactory(company=major_only, priority=Priority.MAJOR)
    Company.objects.for_tenant(tenant).filter(pk=quiet.pk).update(priority_offset="0.5")

    assert refresh_priority_offsets_task() == {tenant.slug: 2, other_tenant.slug: 1}
    assert refresh_priority_offsets_task() == {tenant.slug: 2, other_tenant.slug: 1}

    offsets = dict(Company.all_tenants.values_list("pk", "priority_offset"))
    assert offsets[minor_only.pk] == 1 and offsets[major_only.pk] == -1 and offsets[quiet.pk] == 0
    runs = JobRun.objects.filter(job="priority_offsets")
    assert runs.count() == 4 and {run.counts["companies"] for run in runs} == {1, 2}


# The stored score the staff queue sorts by (issue 5) -------------------------------------

def stored_score(ticket) -> Decimal:
    ticket.refresh_from_db(fields=["queue_score"])
    return ticket.queue_score


def test_a_submitted_ticket_and_a_new_priority_store_the_effective_score(tenant, customer):
    ticket_type = TicketTypeFactory(department__tenant=tenant)
    minor = services.submit_ticket(tenant=tenant, membership=customer.membership,
                                   ticket_type=ticket_type, subject="Slow admin",
                                   body="The admin is slow.", priority=MINOR)
    assert stored_score(minor) == 2  # Minor, a company filing only Minor: offset +1
    normal = services.submit_ticket(tenant=tenant, membership=customer.membership,
                                    ticket_type=ticket_type, subject="Typo",
                                    body="A typo on the cart page.", priority=NORMAL)
    assert (stored_score(normal), stored_score(minor)) == (Decimal("2.5"), Decimal("1.5"))
    services.set_priority(ticket=normal, priority=MAJOR, by=customer,
                          membership=customer.membership)
    assert (stored_score(normal), stored_score(minor)) == (3, 1)  # offset 0 now


def test_a_new_offset_reaches_the_companys_open_tickets_only(tenant, company):
    open_ticket, closed = file_tickets(company, NORMAL, NORMAL)
    closed_score = stored_score(closed)
    services.change_status(ticket=closed, to=Status.CLOSED, by=None, actor=Actor.SYSTEM)
    other = TicketFactory(company=CompanyFactory(tenant=tenant), priority=NORMAL)
    file_tickets(company, MINOR, MINOR)
    assert refresh(company) == Decimal("0.5")
    assert stored_score(open_ticket) == Decimal("2.5")
    assert stored_score(closed) == closed_score == 2
    assert stored_score(other) == 2


def test_a_reopened_ticket_takes_the_companys_offset_of_today(company, customer):
    ticket, = file_tickets(company, NORMAL)
    services.change_status(ticket=ticket, to=Status.CLOSED, by=None, actor=Actor.SYSTEM)
    file_tickets(company, MINOR, MINOR, MINOR)
    refresh(company)
    assert stored_score(ticket) == 2
    services.change_status(ticket=ticket, to=Status.REOPENED, by=customer,
                           actor=Actor.CUSTOMER)
    assert stored_score(ticket) == Decimal("2.75")  # offset 3 Minor of 4 tickets


def test_a_ticket_split_off_has_the_score_of_its_priority_and_company(company, customer,
                                                                       agent):
    ticket_type = TicketTypeFactory(department__tenant=company.tenant)
    ticket = services.submit_ticket(tenant=company.tenant, membership=customer.membership,
                                    ticket_type=ticket_type, subject="Checkout fails",
                                    body="Error 500.", priority=MAJOR)
    file_tickets(company, MINOR, MINOR, MINOR)
    refresh(company)  # offset (3 - 1) / 4 = 0.5
    services.post_message(ticket=ticket, author=agent, body="Which browser?")
    issue = services.post_message(ticket=ticket, author=customer, body="Also: VAT is wrong")
    new = services.split_message(message=issue, by=agent, subject="Wrong VAT")
    assert stored_score(new) == Decimal("3.5")
