"""The status machine of SPEC T-3: every (from, to, actor) triple against a table written
from the spec, then the same moves through services.change_status."""
import itertools

import pytest

from tests.tickets.factories import TicketFactory
from tickets import errors, services
from tickets.errors import TicketError
from tickets.lifecycle import (
    Actor,
    Status,
    allowed_moves,
    can_move,
    customer_label,
    sources_for,
)
from tickets.models import EventKind, TicketEvent

S = Status
CUSTOMER, STAFF, SYSTEM = Actor.CUSTOMER, Actor.STAFF, Actor.SYSTEM

# Written out from SPEC T-3's "reached by" column and its notes, not read from TRANSITIONS.
# Where the spec is silent, the line says why the move is (not) there.
LEGAL = {
    # Closed is reached by customer, staff, automation; work starts only by staff.
    (S.SUBMITTED, S.ASSIGNED, STAFF),
    (S.SUBMITTED, S.IN_PROGRESS, STAFF),
    (S.SUBMITTED, S.PRE_CLOSED, STAFF),
    (S.SUBMITTED, S.PRE_CLOSED, SYSTEM),
    (S.SUBMITTED, S.CLOSED, CUSTOMER),
    (S.SUBMITTED, S.CLOSED, STAFF),
    (S.SUBMITTED, S.CLOSED, SYSTEM),
    # Awaiting quote: staff estimate (T-8); no work before acceptance; AUTO rules exempt.
    (S.AWAITING_QUOTE, S.QUOTE_SENT, STAFF),
    (S.AWAITING_QUOTE, S.CLOSED, CUSTOMER),
    (S.AWAITING_QUOTE, S.CLOSED, STAFF),
    # Quote sent: accepted → Submitted (customer only), declined → Closed; staff may withdraw
    # the estimate to revise it (back to Awaiting quote); AUTO rules exempt.
    (S.QUOTE_SENT, S.SUBMITTED, CUSTOMER),
    (S.QUOTE_SENT, S.AWAITING_QUOTE, STAFF),
    (S.QUOTE_SENT, S.CLOSED, CUSTOMER),
    (S.QUOTE_SENT, S.CLOSED, STAFF),
    # Assigned: unassigning puts it back in the queue.
    (S.ASSIGNED, S.SUBMITTED, STAFF),
    (S.ASSIGNED, S.IN_PROGRESS, STAFF),
    (S.ASSIGNED, S.PRE_CLOSED, STAFF),
    (S.ASSIGNED, S.PRE_CLOSED, SYSTEM),
    (S.ASSIGNED, S.CLOSED, CUSTOMER),
    (S.ASSIGNED, S.CLOSED, STAFF),
    (S.ASSIGNED, S.CLOSED, SYSTEM),
    (S.IN_PROGRESS, S.ASSIGNED, STAFF),
    (S.IN_PROGRESS, S.PRE_CLOSED, STAFF),
    (S.IN_PROGRESS, S.PRE_CLOSED, SYSTEM),
    (S.IN_PROGRESS, S.CLOSED, CUSTOMER),
    (S.IN_PROGRESS, S.CLOSED, STAFF),
    (S.IN_PROGRESS, S.CLOSED, SYSTEM),
    # From Pre-closed the customer may go to Closed or In progress only.
    (S.PRE_CLOSED, S.IN_PROGRESS, CUSTOMER),
    (S.PRE_CLOSED, S.IN_PROGRESS, STAFF),
    (S.PRE_CLOSED, S.CLOSED, CUSTOMER),
    (S.PRE_CLOSED, S.CLOSED, STAFF),
    (S.PRE_CLOSED, S.CLOSED, SYSTEM),
    # Only the customer ("Reopen") and staff reopen.
    (S.CLOSED, S.REOPENED, CUSTOMER),
    (S.CLOSED, S.REOPENED, STAFF),
    (S.REOPENED, S.ASSIGNED, STAFF),
    (S.REOPENED, S.IN_PROGRESS, STAFF),
    (S.REOPENED, S.PRE_CLOSED, STAFF),
    (S.REOPENED, S.PRE_CLOSED, SYSTEM),
    (S.REOPENED, S.CLOSED, CUSTOMER),
    (S.REOPENED, S.CLOSED, STAFF),
    (S.REOPENED, S.CLOSED, SYSTEM),
}
TRIPLES = list(itertools.product(Status, Status, Actor))


def _id(triple):
    current, target, actor = triple
    return f"{current.value}->{target.value}-by-{actor.value}"


def test_the_table_covers_every_status_and_actor():
    assert len(TRIPLES) == 8 * 8 * 3
    assert set(TRIPLES) >= LEGAL


@pytest.mark.parametrize("triple", TRIPLES, ids=[_id(t) for t in TRIPLES])
def test_can_move_matches_spec_table(triple):
    current, target, actor = triple
    assert can_move(current, target, actor) is (triple in LEGAL)


@pytest.mark.parametrize(("current", "actor"), list(itertools.product(Status, Actor)))
def test_allowed_moves_lists_the_same_table(current, actor):
    assert set(allowed_moves(current, actor)) == {
        target for (source, target, who) in LEGAL if source == current and who == actor}


@pytest.mark.parametrize(("target", "actor"), list(itertools.product(Status, Actor)))
def test_sources_for_lists_the_same_table(target, actor):
    assert sources_for(target, actor) == {
        source for (source, to, who) in LEGAL if to == target and who == actor}


def test_automation_pre_closes_and_closes_only_open_work():
    open_work = {S.SUBMITTED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED}
    assert sources_for(S.PRE_CLOSED, SYSTEM) == open_work
    assert sources_for(S.CLOSED, SYSTEM) == open_work | {S.PRE_CLOSED}


def test_customer_on_pre_closed_may_only_close_or_resume():
    assert {t for t in Status if can_move(S.PRE_CLOSED, t, CUSTOMER)} == {
        S.CLOSED, S.IN_PROGRESS}


def test_staff_cannot_start_work_on_a_quote():
    for quote_status in (S.AWAITING_QUOTE, S.QUOTE_SENT):
        for work in (S.ASSIGNED, S.IN_PROGRESS):
            assert not can_move(quote_status, work, STAFF)


def test_automation_never_touches_quote_tickets():
    for quote_status in (S.AWAITING_QUOTE, S.QUOTE_SENT):
        assert not any(can_move(quote_status, t, SYSTEM) for t in Status)


def test_automation_never_reopens():
    assert not any(can_move(current, S.REOPENED, SYSTEM) for current in Status)


def test_only_a_customer_accepts_a_quote_into_the_queue():
    assert [a for a in Actor if can_move(S.QUOTE_SENT, S.SUBMITTED, a)] == [CUSTOMER]


@pytest.fixture
def actors(tenant, agent, company, customer):
    return {CUSTOMER: customer, STAFF: agent, SYSTEM: None}


@pytest.mark.parametrize("triple", TRIPLES, ids=[_id(t) for t in TRIPLES])
def test_change_status_applies_legal_moves_and_refuses_the_rest(triple, company, actors):
    current, target, actor = triple
    ticket = TicketFactory(company=company, status=current)
    by = actors[actor]
    if triple in LEGAL:
        moved = services.change_status(ticket=ticket, to=target, by=by, actor=actor,
                                       reason="test")
        ticket.refresh_from_db()
        assert moved.status == ticket.status == target
        assert (ticket.closed_at is not None) is (target == S.CLOSED)
        event = TicketEvent.objects.for_tenant(company.tenant).get(ticket=ticket)
        assert (event.kind, event.from_status, event.to_status, event.actor) == (
            EventKind.STATUS, current, target, by)
        assert event.reason == "test"
    else:
        with pytest.raises(TicketError) as refused:
            services.change_status(ticket=ticket, to=target, by=by, actor=actor)
        assert refused.value.message == errors.ILLEGAL_MOVE % {
            "from": current.label, "to": target.label}
        ticket.refresh_from_db()
        assert ticket.status == current
        assert not TicketEvent.objects.for_tenant(company.tenant).filter(ticket=ticket).exists()


def test_reopening_clears_the_closed_time(company, customer):
    ticket = TicketFactory(company=company, status=S.IN_PROGRESS)
    services.change_status(ticket=ticket, to=S.CLOSED, by=customer, actor=CUSTOMER)
    services.change_status(ticket=ticket, to=S.REOPENED, by=customer, actor=CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED
    assert ticket.closed_at is None


def test_customer_cannot_accept_a_quote_through_the_status_choice(company, customer):
    ticket = TicketFactory(company=company, status=S.QUOTE_SENT)
    with pytest.raises(TicketError) as refused:
        services.customer_change_status(membership=customer.membership, ticket=ticket,
                                        to=S.SUBMITTED)
    assert refused.value.message == errors.ILLEGAL_MOVE % {
        "from": S.QUOTE_SENT.label, "to": S.SUBMITTED.label}
    ticket.refresh_from_db()
    assert ticket.status == S.QUOTE_SENT


@pytest.mark.parametrize("status", list(Status), ids=[s.value for s in Status])
def test_simple_tenants_show_only_open_and_closed(status):
    expected = "Closed" if status == S.CLOSED else "Open"
    assert str(customer_label(status, simple=True)) == expected


@pytest.mark.parametrize("status", list(Status), ids=[s.value for s in Status])
def test_other_tenants_show_the_full_status_name(status):
    assert str(customer_label(status, simple=False)) == status.label
