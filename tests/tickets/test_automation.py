"""The timed ticket rules of SPEC §5 (AUTO-1, AUTO-3..6, AUTO-8): real services write the
tickets, the clock moves to one minute either side of each limit, and `helpdesk.lifecycle`
runs the tenant's rules as Celery beat and `manage.py run_lifecycle` do."""
import datetime
import io
import logging

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role, TenantPolicy
from helpdesk import demo, lifecycle
from helpdesk.models import JobRun, OutboundEmail
from tests.accounts.factories import CompanyFactory, StaffFactory, TenantFactory, customer_of
from tests.conftest import host_client
from tests.tickets.factories import TicketTypeFactory
from tickets import automation, services
from tickets.lifecycle import Actor, Status
from tickets.models import (
    AccessInfo,
    EventKind,
    Kind,
    Ticket,
    TicketEvent,
)
from tickets.notifications import CUSTOMER

UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# The instant at which `due_tickets` has one ticket due for each rule.
R = T0 + 40 * DAY

SWITCHES = ("auto_sales_preclose", "auto_project_preclose", "auto_support_preclose",
            "auto_close_preclosed", "auto_close_waiting", "auto_survey")
# The demo tenants' switches (seed 000: AUTO-1..4 on, AUTO-5 off; seed 004: the reverse).
QUALITEAM = {"auto_sales_preclose": True, "auto_project_preclose": True,
             "auto_support_preclose": True, "auto_close_preclosed": True,
             "auto_close_waiting": False, "auto_survey": True}
MAGESPECIALIST = {"auto_sales_preclose": False, "auto_project_preclose": False,
                  "auto_support_preclose": False, "auto_close_preclosed": False,
                  "auto_close_waiting": True, "auto_survey": True}

# What a run at R does to `due_tickets` under each seed's switches.
COUNTS = {
    "qualiteam": {"AUTO-1 pre-closed": 1, "AUTO-3 pre-closed": 1, "AUTO-4 closed": 1,
                  "AUTO-6 access info wiped": 1, "AUTO-6 surveyed": 1},
    "magespecialist": {"AUTO-5 reminded": 1, "AUTO-5 closed": 1,
                       "AUTO-6 access info wiped": 1, "AUTO-6 surveyed": 1},
}
# (ticket, rule, reason, from, to) of each status change of that run.
MOVES = {
    "qualiteam": [("sales", "AUTO-1", "AUTO-1 pre-closed", Status.SUBMITTED, Status.PRE_CLOSED),
                  ("solved", "AUTO-3", "AUTO-3 pre-closed", Status.SUBMITTED,
                   Status.PRE_CLOSED),
                  ("preclosed", "AUTO-4", "AUTO-4 closed", Status.PRE_CLOSED, Status.CLOSED)],
    "magespecialist": [("overdue", "AUTO-5", "AUTO-5 closed", Status.SUBMITTED, Status.CLOSED)],
}
BY_SEED = pytest.mark.parametrize("seed", ["qualiteam", "magespecialist"])
SEED_SWITCHES = {"qualiteam": QUALITEAM, "magespecialist": MAGESPECIALIST}


def configure(tenant, switches: dict, **numbers):
    policy = tenant.policy
    for name, value in {**switches, **numbers}.items():
        setattr(policy, name, value)
    policy.save()
    return tenant


@pytest.fixture
def types(tenant):
    return {kind: TicketTypeFactory(department__tenant=tenant, kind=kind, name=f"{kind} question")
            for kind in (Kind.SUPPORT, Kind.SALES, Kind.GENERIC)}


def travel(moment):
    return time_machine.travel(moment, tick=False)


def submit(person, ticket_type, when, **fields) -> Ticket:
    with travel(when):
        return services.submit_ticket(tenant=ticket_type.tenant, membership=person.membership,
                                      ticket_type=ticket_type, subject="Checkout fails",
                                      body="The checkout page shows error 500.", **fields)


def write(ticket, author, when, *, internal=False):
    with travel(when):
        return services.post_message(ticket=ticket, author=author, internal=internal,
                                     body="A note from the staff." if internal else "Any news?")


def move(ticket, by, to, when):
    with travel(when):
        services.change_status(ticket=ticket, to=to, by=by,
                               actor=Actor.STAFF if by.is_staff else Actor.CUSTOMER)


def solve(ticket, agent, when):
    with travel(when):
        services.mark_solved(ticket=ticket, by=agent)


def store_access_info(ticket, person, when):
    with travel(when):
        services.post_access_info(membership=person.membership, ticket=ticket, kind="ssh",
                                  host="shop.example.com", port=22, login="shopadmin",
                                  password="S3cret-pa55!", notes="")


def run(tenant, when, **kwargs) -> dict[str, int]:
    with travel(when):
        return lifecycle.run_tenant(tenant, **kwargs)


def fresh(ticket) -> Ticket:
    return Ticket.objects.for_tenant(ticket.tenant_id).get(pk=ticket.pk)


def auto_events(ticket, kind=EventKind.STATUS) -> list[TicketEvent]:
    """The events the timed rules wrote on ``ticket``."""
    return list(TicketEvent.objects.for_tenant(ticket.tenant_id)
                .filter(ticket=ticket, kind=kind, run__isnull=False))


def mail_keys(event) -> set[str]:
    return set(OutboundEmail.objects.for_tenant(event.tenant_id)
               .filter(ref=event.pk, kind=CUSTOMER).values_list("key", flat=True))


def access_infos(ticket) -> int:
    return AccessInfo.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket).count()


def due_tickets(customer, agent, types, instant=R) -> dict[str, Ticket]:
    """One ticket due at ``instant`` for each rule. The customer wrote last on those of
    AUTO-1..4 and AUTO-6, so that AUTO-5 leaves them alone; staff wrote last on AUTO-5's."""
    support, sales = types[Kind.SUPPORT], types[Kind.SALES]
    tickets = {"sales": submit(customer, sales, instant - 31 * DAY)}
    tickets["solved"] = solved = submit(customer, support, instant - 7 * DAY)
    write(solved, agent, instant - 6 * DAY - HOUR)
    write(solved, customer, instant - 6 * DAY)
    solve(solved, agent, instant - 6 * DAY + HOUR)
    tickets["preclosed"] = preclosed = submit(customer, support, instant - 5 * DAY)
    move(preclosed, agent, Status.PRE_CLOSED, instant - 4 * DAY)
    tickets["reminded"] = reminded = submit(customer, support, instant - 3 * DAY)
    write(reminded, agent, instant - 50 * HOUR)
    tickets["overdue"] = overdue = submit(customer, support, instant - 5 * DAY)
    write(overdue, agent, instant - 100 * HOUR)
    tickets["wiped"] = wiped = submit(customer, support, instant - 32 * DAY)
    store_access_info(wiped, customer, instant - 32 * DAY + HOUR)
    move(wiped, customer, Status.CLOSED, instant - 31 * DAY)
    tickets["surveyed"] = surveyed = submit(customer, support, instant - DAY)
    move(surveyed, customer, Status.CLOSED, instant - 3 * HOUR)
    return tickets


def snapshot(tenant) -> dict:
    """What a run may change, in a form two runs can be compared by."""
    tickets = Ticket.objects.for_tenant(tenant).order_by("pk")
    return {
        "tickets": list(tickets.values_list("pk", "status", "status_changed_at", "closed_at",
                                            "reminded_at", "survey_sent_at")),
        "events": TicketEvent.objects.for_tenant(tenant).count(),
        "emails": OutboundEmail.objects.for_tenant(tenant).count(),
        "access_infos": AccessInfo.objects.for_tenant(tenant).count(),
    }


def test_the_switches_used_here_are_the_demo_tenants_switches():
    for slug, switches in SEED_SWITCHES.items():
        policy = TenantPolicy(**demo.TENANTS[slug]["policy"])
        assert {name: getattr(policy, name) for name in SWITCHES} == switches


# AUTO-1: sales tickets ------------------------------------------------------------------

@pytest.mark.parametrize(("presales", "days"), [(False, 30), (True, 14)])
def test_auto1_pre_closes_a_silent_sales_ticket_at_its_limit(tenant, company, customer, types,
                                                             presales, days):
    configure(tenant, QUALITEAM)
    company.is_presales = presales
    company.save()
    ticket = submit(customer, types[Kind.SALES], T0)
    limit = T0 + days * DAY
    assert run(tenant, limit - MINUTE)["AUTO-1 pre-closed"] == 0
    assert fresh(ticket).status == Status.SUBMITTED
    assert run(tenant, limit + MINUTE)["AUTO-1 pre-closed"] == 1
    ticket = fresh(ticket)
    assert (ticket.status, ticket.status_changed_at) == (Status.PRE_CLOSED, limit + MINUTE)
    [event] = auto_events(ticket)
    assert (event.rule, event.from_status, event.to_status, event.actor) == (
        "AUTO-1", Status.SUBMITTED, Status.PRE_CLOSED, None)


def test_auto1_counts_staff_replies_too_and_leaves_support_tickets_alone(
        tenant, customer, agent, types):
    configure(tenant, QUALITEAM)
    sales = submit(customer, types[Kind.SALES], T0)
    write(sales, agent, T0 + 10 * DAY)
    support = submit(customer, types[Kind.SUPPORT], T0)
    assert run(tenant, T0 + 40 * DAY - MINUTE)["AUTO-1 pre-closed"] == 0
    assert run(tenant, T0 + 40 * DAY + MINUTE)["AUTO-1 pre-closed"] == 1
    assert fresh(sales).status == Status.PRE_CLOSED
    assert fresh(support).status == Status.SUBMITTED


@pytest.mark.parametrize(("internal", "pre_closed_at"), [(False, 50 * DAY), (True, 30 * DAY)],
                         ids=["message resets", "internal note does not"])
def test_auto1_silence_restarts_with_each_public_message_only(tenant, customer, agent, types,
                                                              internal, pre_closed_at):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SALES], T0)
    write(ticket, agent if internal else customer, T0 + 20 * DAY, internal=internal)
    run(tenant, T0 + pre_closed_at - MINUTE)
    assert fresh(ticket).status == Status.SUBMITTED
    run(tenant, T0 + pre_closed_at + MINUTE)
    assert fresh(ticket).status == Status.PRE_CLOSED


def test_auto_rules_skip_tickets_waiting_for_a_quote(tenant, customer, agent, types):
    configure(tenant, QUALITEAM, auto_close_waiting=True)
    awaiting = submit(customer, types[Kind.SALES], T0, quote_requested=True)
    quoted = submit(customer, types[Kind.SALES], T0, quote_requested=True)
    write(quoted, agent, T0 + HOUR)
    with travel(T0 + 2 * HOUR):
        services.send_quote(ticket=quoted, by=agent, scope="Move the shop", credits=10)
    counts = run(tenant, T0 + 60 * DAY)
    assert (fresh(awaiting).status, fresh(quoted).status) == (Status.AWAITING_QUOTE,
                                                              Status.QUOTE_SENT)
    assert (counts["AUTO-1 pre-closed"], counts["AUTO-5 reminded"],
            counts["AUTO-5 closed"]) == (0, 0, 0)


# AUTO-3: solved support and generic tickets ----------------------------------------------

@pytest.mark.parametrize("kind", [Kind.SUPPORT, Kind.GENERIC])
def test_auto3_pre_closes_a_solved_ticket_five_days_after_the_last_message(
        tenant, customer, agent, types, kind):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[kind], T0)
    write(ticket, agent, T0 + HOUR)
    solve(ticket, agent, T0 + 2 * HOUR)
    limit = T0 + HOUR + 5 * DAY
    assert run(tenant, limit - MINUTE)["AUTO-3 pre-closed"] == 0
    assert fresh(ticket).status == Status.SUBMITTED
    assert run(tenant, limit + MINUTE)["AUTO-3 pre-closed"] == 1
    ticket = fresh(ticket)
    assert (ticket.status, ticket.status_changed_at) == (Status.PRE_CLOSED, limit + MINUTE)
    [event] = auto_events(ticket)
    assert (event.rule, event.from_status, event.to_status) == (
        "AUTO-3", Status.SUBMITTED, Status.PRE_CLOSED)


@pytest.mark.parametrize("kind", [Kind.SUPPORT, Kind.GENERIC])
def test_auto3_leaves_an_unsolved_ticket_open(tenant, customer, agent, types, kind):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[kind], T0)
    write(ticket, agent, T0 + HOUR)
    assert run(tenant, T0 + 60 * DAY)["AUTO-3 pre-closed"] == 0
    assert fresh(ticket).status == Status.SUBMITTED
    assert auto_events(ticket) == []


@pytest.mark.parametrize(("author", "pre_closed_after"), [
    ("customer", 4 * DAY + 5 * DAY), ("note", HOUR + 5 * DAY)],
    ids=["customer message resets", "internal note does not"])
def test_auto3_silence_restarts_with_each_public_message_only(
        tenant, customer, agent, types, author, pre_closed_after):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    solve(ticket, agent, T0 + 2 * HOUR)
    if author == "customer":
        write(ticket, customer, T0 + 4 * DAY)
    else:
        write(ticket, agent, T0 + 4 * DAY, internal=True)
    run(tenant, T0 + pre_closed_after - MINUTE)
    assert fresh(ticket).status == Status.SUBMITTED
    run(tenant, T0 + pre_closed_after + MINUTE)
    assert fresh(ticket).status == Status.PRE_CLOSED


# AUTO-4: pre-closed tickets close ---------------------------------------------------------

def test_auto4_closes_a_ticket_pre_closed_for_three_days(tenant, customer, agent, types):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    move(ticket, agent, Status.PRE_CLOSED, T0 + 2 * HOUR)
    limit = T0 + 2 * HOUR + 3 * DAY
    assert run(tenant, limit - MINUTE)["AUTO-4 closed"] == 0
    assert fresh(ticket).status == Status.PRE_CLOSED
    assert run(tenant, limit + MINUTE)["AUTO-4 closed"] == 1
    ticket = fresh(ticket)
    assert (ticket.status, ticket.closed_at) == (Status.CLOSED, limit + MINUTE)
    [event] = auto_events(ticket)
    assert (event.rule, event.from_status, event.to_status, event.actor) == (
        "AUTO-4", Status.PRE_CLOSED, Status.CLOSED, None)


def test_a_solved_ticket_pre_closes_then_closes_by_itself(tenant, customer, agent, types):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    solve(ticket, agent, T0 + 2 * HOUR)
    pre_closed_at = T0 + HOUR + 5 * DAY + MINUTE
    run(tenant, pre_closed_at)
    run(tenant, pre_closed_at + 3 * DAY - MINUTE)
    assert fresh(ticket).status == Status.PRE_CLOSED
    run(tenant, pre_closed_at + 3 * DAY)
    assert fresh(ticket).status == Status.CLOSED
    assert [(e.rule, e.to_status) for e in auto_events(ticket)] == [
        ("AUTO-3", Status.PRE_CLOSED), ("AUTO-4", Status.CLOSED)]


def test_a_customer_message_on_a_pre_closed_ticket_stops_auto4(tenant, customer, agent, types):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    move(ticket, agent, Status.PRE_CLOSED, T0 + 2 * HOUR)
    write(ticket, customer, T0 + 2 * DAY)
    assert fresh(ticket).status == Status.IN_PROGRESS
    for later in (T0 + 2 * HOUR + 3 * DAY + MINUTE, T0 + 30 * DAY):
        assert run(tenant, later)["AUTO-4 closed"] == 0
    assert fresh(ticket).status == Status.IN_PROGRESS
    assert auto_events(ticket) == []


def test_an_internal_note_on_a_pre_closed_ticket_does_not_stop_auto4(tenant, customer, agent,
                                                                    types):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    move(ticket, agent, Status.PRE_CLOSED, T0 + 2 * HOUR)
    write(ticket, agent, T0 + 2 * DAY, internal=True)
    assert fresh(ticket).status == Status.PRE_CLOSED
    assert run(tenant, T0 + 2 * HOUR + 3 * DAY + MINUTE)["AUTO-4 closed"] == 1
    assert fresh(ticket).status == Status.CLOSED


# AUTO-5: waiting on the customer ----------------------------------------------------------

def test_auto5_reminds_at_48_hours_and_closes_at_96_hours(tenant, customer, agent, types):
    configure(tenant, MAGESPECIALIST)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    replied = T0 + HOUR
    write(ticket, agent, replied)
    assert run(tenant, replied + 48 * HOUR - MINUTE)["AUTO-5 reminded"] == 0
    assert fresh(ticket).reminded_at is None
    assert run(tenant, replied + 48 * HOUR + MINUTE)["AUTO-5 reminded"] == 1
    assert fresh(ticket).reminded_at == replied + 48 * HOUR + MINUTE
    [reminder] = auto_events(ticket, EventKind.REMINDER)
    assert (reminder.rule, reminder.reason, reminder.actor) == ("AUTO-5", "AUTO-5 reminded", None)
    assert mail_keys(reminder) == {f"ev{reminder.pk}:{customer.pk}"}
    counts = run(tenant, replied + 96 * HOUR - MINUTE)
    assert (counts["AUTO-5 reminded"], counts["AUTO-5 closed"]) == (0, 0)
    assert fresh(ticket).status == Status.SUBMITTED
    assert run(tenant, replied + 96 * HOUR + MINUTE)["AUTO-5 closed"] == 1
    ticket = fresh(ticket)
    assert (ticket.status, ticket.closed_at) == (Status.CLOSED, replied + 96 * HOUR + MINUTE)
    [event] = auto_events(ticket)
    assert (event.rule, event.from_status, event.to_status) == (
        "AUTO-5", Status.SUBMITTED, Status.CLOSED)
    assert len(auto_events(ticket, EventKind.REMINDER)) == 1


@pytest.mark.parametrize("internal_note", [False, True], ids=["", "then an internal note"])
def test_auto5_does_nothing_when_the_customer_wrote_last(tenant, customer, agent, types,
                                                         internal_note):
    configure(tenant, MAGESPECIALIST)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    write(ticket, customer, T0 + 2 * HOUR)
    if internal_note:
        write(ticket, agent, T0 + 3 * HOUR, internal=True)
    for later in (T0 + 3 * HOUR + 48 * HOUR + MINUTE, T0 + 3 * HOUR + 96 * HOUR + MINUTE):
        run(tenant, later)
    ticket = fresh(ticket)
    assert (ticket.status, ticket.reminded_at) == (Status.SUBMITTED, None)
    assert auto_events(ticket, EventKind.REMINDER) == []


def test_auto5_counts_from_the_last_staff_reply_with_one_reminder_each(tenant, customer, agent,
                                                                      types):
    configure(tenant, MAGESPECIALIST)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    first = T0 + HOUR
    write(ticket, agent, first)
    run(tenant, first + 48 * HOUR + MINUTE)
    second = first + 50 * HOUR
    write(ticket, agent, second)
    run(tenant, first + 96 * HOUR + MINUTE)
    run(tenant, second + 48 * HOUR - MINUTE)
    ticket = fresh(ticket)
    assert ticket.status == Status.SUBMITTED
    assert ticket.reminded_at == first + 48 * HOUR + MINUTE
    assert run(tenant, second + 48 * HOUR + MINUTE)["AUTO-5 reminded"] == 1
    assert len(auto_events(ticket, EventKind.REMINDER)) == 2
    run(tenant, second + 96 * HOUR - MINUTE)
    assert fresh(ticket).status == Status.SUBMITTED
    run(tenant, second + 96 * HOUR + MINUTE)
    assert fresh(ticket).status == Status.CLOSED
    assert len(auto_events(ticket, EventKind.REMINDER)) == 2


def test_an_internal_note_does_not_move_auto5s_clock(tenant, customer, agent, types):
    configure(tenant, MAGESPECIALIST)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    replied = T0 + HOUR
    write(ticket, agent, replied)
    write(ticket, agent, replied + 40 * HOUR, internal=True)
    assert run(tenant, replied + 48 * HOUR + MINUTE)["AUTO-5 reminded"] == 1
    write(ticket, agent, replied + 90 * HOUR, internal=True)
    assert run(tenant, replied + 96 * HOUR + MINUTE)["AUTO-5 closed"] == 1
    assert len(auto_events(ticket, EventKind.REMINDER)) == 1


def test_auto5_closes_a_pre_closed_ticket_staff_left_waiting(tenant, customer, agent, types):
    configure(tenant, MAGESPECIALIST)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    move(ticket, agent, Status.PRE_CLOSED, T0 + 2 * HOUR)
    run(tenant, T0 + 30 * DAY)
    [event] = auto_events(ticket)
    assert (event.rule, event.from_status, event.to_status) == (
        "AUTO-5", Status.PRE_CLOSED, Status.CLOSED)


def test_qualiteam_neither_reminds_nor_closes_a_ticket_waiting_on_the_customer(
        tenant, customer, agent, types):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    for later in (T0 + 49 * HOUR, T0 + 98 * HOUR, T0 + 60 * DAY):
        assert "AUTO-5 closed" not in run(tenant, later)
    ticket = fresh(ticket)
    assert (ticket.status, ticket.reminded_at) == (Status.SUBMITTED, None)
    assert auto_events(ticket, EventKind.REMINDER) == []


def test_magespecialist_leaves_sales_solved_and_pre_closed_tickets_to_people(
        tenant, customer, agent, types):
    configure(tenant, MAGESPECIALIST)
    tickets = due_tickets(customer, agent, types)
    counts = run(tenant, R + 60 * DAY)
    assert not {"AUTO-1 pre-closed", "AUTO-3 pre-closed", "AUTO-4 closed"} & set(counts)
    statuses = {name: fresh(t).status for name, t in tickets.items()}
    assert (statuses["sales"], statuses["solved"], statuses["preclosed"]) == (
        Status.SUBMITTED, Status.SUBMITTED, Status.PRE_CLOSED)


def test_with_every_switch_off_only_the_access_info_wipe_runs(tenant, customer, agent, types):
    configure(tenant, dict.fromkeys(SWITCHES, False))
    tickets = due_tickets(customer, agent, types)
    before = {name: fresh(t).status for name, t in tickets.items()}
    assert run(tenant, R) == {"AUTO-6 access info wiped": 1}
    assert {name: fresh(t).status for name, t in tickets.items()} == before
    assert fresh(tickets["surveyed"]).survey_sent_at is None
    assert fresh(tickets["reminded"]).reminded_at is None


# AUTO-6: housekeeping of closed tickets ---------------------------------------------------

@BY_SEED
def test_auto6_wipes_access_info_30_days_after_the_close(tenant, customer, agent, types,
                                                         seed):
    configure(tenant, SEED_SWITCHES[seed])
    closed = submit(customer, types[Kind.SUPPORT], T0)
    store_access_info(closed, customer, T0 + HOUR)
    move(closed, customer, Status.CLOSED, T0 + 2 * HOUR)
    still_open = submit(customer, types[Kind.SUPPORT], T0)
    store_access_info(still_open, customer, T0 + HOUR)
    limit = T0 + 2 * HOUR + 30 * DAY
    assert run(tenant, limit - MINUTE)["AUTO-6 access info wiped"] == 0
    assert access_infos(closed) == 1
    assert run(tenant, limit + MINUTE)["AUTO-6 access info wiped"] == 1
    assert (access_infos(closed), access_infos(still_open)) == (0, 1)
    [event] = auto_events(closed, EventKind.ACCESS_INFO)
    assert (event.rule, event.data, event.actor) == ("AUTO-6", {"action": "wiped"}, None)
    assert event.run == JobRun.objects.get(tenant=tenant, started_at=limit + MINUTE)
    assert not OutboundEmail.objects.for_tenant(tenant).filter(ref=event.pk).exists()
    assert run(tenant, limit + 2 * MINUTE)["AUTO-6 access info wiped"] == 0
    assert len(auto_events(closed, EventKind.ACCESS_INFO)) == 1


def test_a_reopened_ticket_keeps_its_access_info(tenant, customer, types):
    configure(tenant, QUALITEAM)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    store_access_info(ticket, customer, T0 + HOUR)
    move(ticket, customer, Status.CLOSED, T0 + 2 * HOUR)
    move(ticket, customer, Status.REOPENED, T0 + 10 * DAY)
    assert run(tenant, T0 + 2 * HOUR + 30 * DAY + MINUTE)["AUTO-6 access info wiped"] == 0
    assert access_infos(ticket) == 1


@BY_SEED
def test_auto6_sends_the_survey_once_after_the_policys_delay(tenant, customer, agent, types,
                                                             seed):
    configure(tenant, SEED_SWITCHES[seed], survey_delay_hours=5)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    write(ticket, agent, T0 + HOUR)
    closed_at = T0 + 2 * HOUR
    move(ticket, customer, Status.CLOSED, closed_at)
    assert run(tenant, closed_at + 5 * HOUR - MINUTE)["AUTO-6 surveyed"] == 0
    assert fresh(ticket).survey_sent_at is None
    assert run(tenant, closed_at + 5 * HOUR + MINUTE)["AUTO-6 surveyed"] == 1
    assert fresh(ticket).survey_sent_at == closed_at + 5 * HOUR + MINUTE
    [survey] = auto_events(ticket, EventKind.SURVEY)
    assert (survey.rule, survey.reason, survey.actor) == ("AUTO-6", "AUTO-6 surveyed", None)
    assert mail_keys(survey) == {f"ev{survey.pk}:{customer.pk}"}
    assert run(tenant, closed_at + 6 * DAY)["AUTO-6 surveyed"] == 0
    assert len(auto_events(ticket, EventKind.SURVEY)) == 1


@pytest.mark.parametrize(("first_run", "surveys"), [(7 * DAY - MINUTE, 1), (7 * DAY + MINUTE, 0)])
def test_auto6_does_not_survey_tickets_closed_more_than_a_week_ago(
        tenant, customer, types, first_run, surveys):
    configure(tenant, QUALITEAM, survey_delay_hours=5)
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    move(ticket, customer, Status.CLOSED, T0 + HOUR)
    assert run(tenant, T0 + HOUR + first_run)["AUTO-6 surveyed"] == surveys
    assert len(auto_events(ticket, EventKind.SURVEY)) == surveys


@pytest.mark.parametrize("case", ["rated", "merged", "switched off"])
def test_auto6_surveys_no_rated_merged_or_switched_off_ticket(tenant, customer, agent, types,
                                                              case):
    configure(tenant, QUALITEAM, auto_survey=case != "switched off")
    ticket = submit(customer, types[Kind.SUPPORT], T0)
    closed_at = T0 + HOUR
    if case == "merged":
        target = submit(customer, types[Kind.SUPPORT], T0)
        with travel(closed_at):
            services.merge_tickets(source=ticket, target=target, by=agent)
        move(target, agent, Status.CLOSED, closed_at)
        target_surveys = 1
    else:
        move(ticket, customer, Status.CLOSED, closed_at)
        target_surveys = 0
    if case == "rated":
        with travel(closed_at + HOUR):
            services.rate_ticket(membership=customer.membership, ticket=ticket, rating=5)
    counts = run(tenant, closed_at + DAY)
    assert counts.get("AUTO-6 surveyed", 0) == target_surveys
    assert fresh(ticket).survey_sent_at is None
    assert auto_events(ticket, EventKind.SURVEY) == []


# Tenants ----------------------------------------------------------------------------------

def staff_and_customer_of(tenant):
    company = CompanyFactory(tenant=tenant)
    customer = customer_of(company, Role.PRIMARY)
    agent = StaffFactory(tenant=tenant)
    types = {kind: TicketTypeFactory(department__tenant=tenant, kind=kind)
             for kind in (Kind.SUPPORT, Kind.SALES)}
    return customer, agent, types


def test_a_tenants_run_touches_only_its_own_tickets(tenant, other_tenant, customer, agent,
                                                    types):
    configure(tenant, QUALITEAM)
    configure(other_tenant, QUALITEAM)
    own = due_tickets(customer, agent, types)
    foreign = due_tickets(*staff_and_customer_of(other_tenant))
    foreign_before = snapshot(other_tenant)
    assert run(tenant, R) == COUNTS["qualiteam"]
    assert snapshot(other_tenant) == foreign_before
    assert fresh(own["preclosed"]).status == Status.CLOSED
    assert list(JobRun.objects.values_list("tenant", flat=True)) == [tenant.pk]
    assert run(other_tenant, R) == COUNTS["qualiteam"]
    assert fresh(foreign["preclosed"]).status == Status.CLOSED


def test_run_all_applies_each_tenants_own_switches(tenant, other_tenant, customer, agent, types):
    configure(tenant, MAGESPECIALIST)
    configure(other_tenant, QUALITEAM)
    mage = due_tickets(customer, agent, types)
    quali = due_tickets(*staff_and_customer_of(other_tenant))
    with travel(R):
        results = lifecycle.run_all()
    assert results == {"alpha": COUNTS["magespecialist"], "beta": COUNTS["qualiteam"]}
    assert (fresh(mage["overdue"]).status, fresh(quali["overdue"]).status) == (
        Status.CLOSED, Status.SUBMITTED)
    assert (fresh(mage["preclosed"]).status, fresh(quali["preclosed"]).status) == (
        Status.PRE_CLOSED, Status.CLOSED)


class ReadsRecorded:
    """A policy that records which of its attributes are read."""

    def __init__(self, policy):
        self.policy, self.read = policy, set()

    def __getattr__(self, name):
        self.read.add(name)
        return getattr(self.policy, name)


@pytest.mark.parametrize("rule", automation.RULES, ids=lambda rule: rule.name)
def test_each_rule_selects_with_only_the_policy_numbers_it_declares(tenant, rule):
    """Tenants are grouped by `Rule.reads`: a number read but not declared would apply one
    tenant's limit to another's tickets."""
    policy = ReadsRecorded(tenant.policy)
    rule.select(automation.Run(tenants=(tenant,), policy=policy, now=R, run=None))
    assert policy.read <= set(rule.reads)


@pytest.mark.parametrize("step", [1, 2, lifecycle.TENANTS_PER_STEP])
def test_tenants_alike_in_a_rules_numbers_run_together_and_each_keeps_its_own_limits(
        tenant, other_tenant, customer, agent, types, step, monkeypatch):
    monkeypatch.setattr(lifecycle, "TENANTS_PER_STEP", step)
    third = TenantFactory(slug="gamma", name="Gamma Works")
    configure(tenant, QUALITEAM)
    configure(other_tenant, QUALITEAM)
    configure(third, QUALITEAM, preclosed_close_days=5)  # its pre-closed ticket waits longer
    alpha = due_tickets(customer, agent, types)
    beta = due_tickets(*staff_and_customer_of(other_tenant))
    gamma = due_tickets(*staff_and_customer_of(third))
    with travel(R):
        results = lifecycle.run_all()
    assert results == {"alpha": COUNTS["qualiteam"], "beta": COUNTS["qualiteam"],
                       "gamma": {**COUNTS["qualiteam"], "AUTO-4 closed": 0}}
    assert [fresh(t["preclosed"]).status for t in (alpha, beta, gamma)] == [
        Status.CLOSED, Status.CLOSED, Status.PRE_CLOSED]
    for tickets in (alpha, beta, gamma):
        [event] = auto_events(tickets["sales"])
        assert event.tenant_id == tickets["sales"].tenant_id
        assert OutboundEmail.objects.for_tenant(event.tenant_id).filter(ref=event.pk).exists()


# Events, run history, idempotence (AUTO-8) -----------------------------------------------

@BY_SEED
def test_each_change_has_one_event_of_its_rule_and_run(tenant, customer, agent, types, seed,
                                                       caplog):
    configure(tenant, SEED_SWITCHES[seed])
    tickets = due_tickets(customer, agent, types)
    with caplog.at_level(logging.INFO, logger="helpdesk.lifecycle"):
        counts = run(tenant, R)
    assert counts == COUNTS[seed]
    [job] = JobRun.objects.all()
    assert (job.job, job.tenant, job.counts, job.error) == ("lifecycle", tenant, counts, "")
    assert job.finished_at is not None
    assert ", ".join(f"{name}={n}" for name, n in counts.items()) in caplog.text
    moved = set()
    for name, rule, reason, from_status, to_status in MOVES[seed]:
        [event] = auto_events(tickets[name])
        assert (event.rule, event.reason, event.run, event.from_status, event.to_status,
                event.actor, event.created_at) == (
            rule, reason, job, from_status, to_status, None, R)
        assert fresh(tickets[name]).status == to_status
        moved.add(name)
    for name in tickets.keys() - moved:
        assert auto_events(tickets[name]) == []


@BY_SEED
def test_the_admin_run_history_shows_the_run_to_a_superuser(tenant, customer, agent, types,
                                                            superuser, seed):
    configure(tenant, SEED_SWITCHES[seed])
    due_tickets(customer, agent, types)
    counts = run(tenant, R)
    page = host_client(None, superuser).get(reverse("admin:helpdesk_jobrun_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpha Software" in html and "lifecycle" in html
    for name in counts:
        assert name in html


@BY_SEED
def test_a_second_run_at_the_same_instant_changes_nothing(tenant, customer, agent, types,
                                                          secondary, seed):
    configure(tenant, SEED_SWITCHES[seed])
    tickets = due_tickets(customer, agent, types)
    for ticket in tickets.values():
        services.follow_ticket(ticket=ticket, membership=secondary.membership, follow=True)
    run(tenant, R)
    after_first = snapshot(tenant)
    assert run(tenant, R) == dict.fromkeys(COUNTS[seed], 0)
    assert snapshot(tenant) == after_first
    assert JobRun.objects.count() == 2
    reminders = auto_events(tickets["reminded"], EventKind.REMINDER)
    assert len(reminders) == (1 if seed == "magespecialist" else 0)


@BY_SEED
def test_every_automatic_change_emails_the_tickets_followers(tenant, customer, agent, types,
                                                             secondary, seed):
    configure(tenant, SEED_SWITCHES[seed])
    tickets = due_tickets(customer, agent, types)
    for ticket in tickets.values():
        services.follow_ticket(ticket=ticket, membership=secondary.membership, follow=True)
    run(tenant, R)
    emailed = TicketEvent.objects.for_tenant(tenant).filter(run__isnull=False).exclude(
        kind=EventKind.ACCESS_INFO)
    assert emailed.count() == len(MOVES[seed]) + 1 + (seed == "magespecialist")
    for event in emailed:
        assert mail_keys(event) == {f"ev{event.pk}:{customer.pk}", f"ev{event.pk}:{secondary.pk}"}
        rows = OutboundEmail.objects.for_tenant(tenant).filter(ref=event.pk, kind=CUSTOMER)
        assert {(row.recipient_id, row.to_email) for row in rows} == {
            (customer.pk, customer.email), (secondary.pk, secondary.email)}
    [wiped] = auto_events(tickets["wiped"], EventKind.ACCESS_INFO)
    assert not OutboundEmail.objects.for_tenant(tenant).filter(ref=wiped.pk).exists()


# Dry run and the command ------------------------------------------------------------------

@BY_SEED
def test_a_dry_run_counts_and_changes_nothing(tenant, customer, agent, types, seed):
    configure(tenant, SEED_SWITCHES[seed])
    due_tickets(customer, agent, types)
    before = snapshot(tenant)
    assert run(tenant, R, dry_run=True) == COUNTS[seed]
    assert snapshot(tenant) == before
    assert not JobRun.objects.exists()


def test_a_dry_run_counts_what_a_real_run_then_changes(tenant, customer, agent, types):
    configure(tenant, QUALITEAM)
    due_tickets(customer, agent, types)
    old_sale = submit(customer, types[Kind.SALES], T0)
    move(old_sale, customer, Status.CLOSED, T0 + HOUR)
    submit(customer, types[Kind.SALES], T0, quote_requested=True)
    solved_and_closed = submit(customer, types[Kind.SUPPORT], T0)
    solve(solved_and_closed, agent, T0 + HOUR)
    move(solved_and_closed, agent, Status.CLOSED, T0 + 2 * HOUR)
    assert run(tenant, R, dry_run=True) == run(tenant, R)


def test_the_command_runs_every_active_tenant_or_dry_runs(tenant, other_tenant, customer, agent,
                                                         types):
    configure(tenant, QUALITEAM)
    configure(other_tenant, MAGESPECIALIST)
    due_tickets(customer, agent, types)
    due_tickets(*staff_and_customer_of(other_tenant))
    before = snapshot(tenant), snapshot(other_tenant)
    out = io.StringIO()
    with travel(R):
        call_command("run_lifecycle", "--dry-run", stdout=out)
    assert "alpha: AUTO-4 closed: would change 1" in out.getvalue()
    assert "beta: AUTO-5 closed: would change 1" in out.getvalue()
    assert (snapshot(tenant), snapshot(other_tenant)) == before
    assert not JobRun.objects.exists()
    out = io.StringIO()
    with travel(R):
        call_command("run_lifecycle", stdout=out)
    assert "alpha: AUTO-4 closed: changed 1" in out.getvalue()
    assert "beta: AUTO-5 reminded: changed 1" in out.getvalue()
    [job] = JobRun.objects.all()  # one run of every tenant, with the totals of each rule
    totals = {name: COUNTS["qualiteam"].get(name, 0) + COUNTS["magespecialist"].get(name, 0)
              for name in COUNTS["qualiteam"].keys() | COUNTS["magespecialist"].keys()}
    assert (job.tenant, job.counts, job.error) == (None, totals, "")


def test_the_command_runs_one_tenant_by_its_slug(tenant, other_tenant, customer, agent, types):
    configure(tenant, QUALITEAM)
    configure(other_tenant, QUALITEAM)
    own = due_tickets(customer, agent, types)
    due_tickets(*staff_and_customer_of(other_tenant))
    foreign_before = snapshot(other_tenant)
    out = io.StringIO()
    with travel(R):
        call_command("run_lifecycle", "--tenant", "alpha", stdout=out)
    assert out.getvalue().splitlines() == [
        f"alpha: {name}: changed {n}" for name, n in COUNTS["qualiteam"].items()]
    assert fresh(own["preclosed"]).status == Status.CLOSED
    assert snapshot(other_tenant) == foreign_before
    assert list(JobRun.objects.values_list("tenant__slug", flat=True)) == ["alpha"]


def test_the_command_refuses_an_unknown_tenant_and_changes_nothing(tenant, customer, agent,
                                                                  types):
    configure(tenant, QUALITEAM)
    due_tickets(customer, agent, types)
    before = snapshot(tenant)
    with travel(R), pytest.raises(CommandError, match="No tenant with the host name 'gamma'"):
        call_command("run_lifecycle", "--tenant", "gamma", stdout=io.StringIO())
    assert snapshot(tenant) == before
    assert not JobRun.objects.exists()
