"""HotRush (SPEC T-6): who may enable it, when disabling is free, the per-company limit on
disables once work has started, and that limit held under concurrent requests."""
import datetime
import threading
from collections import Counter

import pytest
import time_machine
from django.db import connection

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, customer_of
from tests.tickets.factories import TicketFactory, TicketTypeFactory
from tickets import errors, services
from tickets.errors import TicketError
from tickets.lifecycle import Status
from tickets.models import EventKind, HotRushDisable, Kind, TicketEvent

UTC = datetime.UTC
LIMIT_REACHED = errors.HOTRUSH_LIMIT % {"limit": 3}


def hotrush_ticket(company, status=Status.ASSIGNED, **fields):
    return TicketFactory(company=company, status=status, hotrush=True, **fields)


def disable(ticket, person):
    return services.set_hotrush(ticket=ticket, enable=False, by=person,
                                membership=person.membership)


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(TicketError) as error:
        call(*args, **kwargs)
    return error.value.message


def counted(company) -> int:
    return HotRushDisable.objects.for_tenant(company.tenant).filter(company=company).count()


def hotrush_events(ticket, kind):
    return list(TicketEvent.objects.for_tenant(ticket.tenant).filter(ticket=ticket, kind=kind))


@pytest.fixture
def priced(tenant):
    tenant.policy.hotrush_price = 8
    tenant.policy.save()
    return tenant.policy


def test_disabling_while_submitted_is_unlimited_and_refunded(company, customer, priced):
    ticket = hotrush_ticket(company, Status.SUBMITTED)
    for _ in range(5):
        disable(ticket, customer)
        services.set_hotrush(ticket=ticket, enable=True, by=customer,
                             membership=customer.membership)
    ticket.refresh_from_db()
    assert ticket.hotrush
    assert counted(company) == 0
    refunds = hotrush_events(ticket, EventKind.HOTRUSH_OFF)
    assert [e.data["credits"] for e in refunds] == [-8] * 5
    assert all(e.data["charged_for"] == "hotrush refund" and e.reason == "" for e in refunds)
    assert [e.data["credits"] for e in hotrush_events(ticket, EventKind.HOTRUSH_ON)] == [8] * 5


@pytest.mark.parametrize("status", [Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED])
def test_disabling_once_work_started_counts_and_is_not_refunded(company, customer, priced,
                                                                status):
    ticket = hotrush_ticket(company, status)
    disable(ticket, customer)
    ticket.refresh_from_db()
    assert not ticket.hotrush
    assert counted(company) == 1
    [off] = hotrush_events(ticket, EventKind.HOTRUSH_OFF)
    assert "credits" not in off.data


def test_the_fourth_disable_after_work_started_is_refused(company, customer, advanced):
    statuses = [Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED]
    for status, person in zip(statuses, [customer, advanced, customer], strict=True):
        disable(hotrush_ticket(company, status), person)
    fourth = hotrush_ticket(company, Status.ASSIGNED)
    assert refused(disable, fourth, customer) == LIMIT_REACHED
    fourth.refresh_from_db()
    assert fourth.hotrush
    assert counted(company) == 3
    assert services.hotrush_disables_left(tenant=company.tenant, company=company) == 0
    assert not hotrush_events(fourth, EventKind.HOTRUSH_OFF)


def test_the_limit_lasts_the_companys_lifetime(company, customer):
    with time_machine.travel(datetime.datetime(2026, 1, 5, tzinfo=UTC)):
        for _ in range(3):
            disable(hotrush_ticket(company), customer)
    with time_machine.travel(datetime.datetime(2029, 1, 5, tzinfo=UTC)):
        assert refused(disable, hotrush_ticket(company), customer) == LIMIT_REACHED


def test_the_limit_is_per_company(tenant, company, customer):
    for _ in range(3):
        disable(hotrush_ticket(company), customer)
    neighbour = CompanyFactory(tenant=tenant)
    person = customer_of(neighbour, Role.PRIMARY)
    disable(hotrush_ticket(neighbour), person)
    assert counted(neighbour) == 1
    assert services.hotrush_disables_left(tenant=tenant, company=neighbour) == 2


def test_the_tenant_sets_the_limit(tenant, company, customer):
    tenant.policy.hotrush_disable_limit = 1
    tenant.policy.save()
    disable(hotrush_ticket(company), customer)
    assert refused(disable, hotrush_ticket(company), customer) == errors.HOTRUSH_LIMIT % {
        "limit": 1}


def test_staff_disables_are_not_counted(company, customer, agent):
    for _ in range(5):
        ticket = hotrush_ticket(company)
        services.set_hotrush(ticket=ticket, enable=False, by=agent)
        ticket.refresh_from_db()
        assert not ticket.hotrush
    assert counted(company) == 0
    assert services.hotrush_disables_left(tenant=company.tenant, company=company) == 3


@pytest.mark.parametrize("enable", [True, False])
def test_hotrush_never_changes_once_closed(company, customer, agent, enable):
    ticket = TicketFactory(company=company, status=Status.CLOSED, hotrush=not enable)
    for membership, by in ((customer.membership, customer), (None, agent)):
        assert refused(services.set_hotrush, ticket=ticket, enable=enable, by=by,
                       membership=membership) == errors.HOTRUSH_CLOSED
    ticket.refresh_from_db()
    assert ticket.hotrush is not enable
    assert counted(company) == 0


@pytest.mark.parametrize("kind", [Kind.SALES, Kind.PROJECT, Kind.GENERIC, Kind.LOG])
def test_hotrush_is_enabled_only_on_support_tickets(tenant, company, customer, kind):
    ticket = TicketFactory(company=company,
                           type=TicketTypeFactory(department__tenant=tenant, kind=kind))
    assert refused(services.set_hotrush, ticket=ticket, enable=True, by=customer,
                   membership=customer.membership) == errors.HOTRUSH_ONLY_SUPPORT
    ticket.refresh_from_db()
    assert not ticket.hotrush


def test_hotrush_is_not_enabled_on_a_quote(company, customer):
    ticket = TicketFactory(company=company, status=Status.AWAITING_QUOTE, quote_requested=True)
    assert refused(services.set_hotrush, ticket=ticket, enable=True, by=customer,
                   membership=customer.membership) == errors.HOTRUSH_QUOTE


def test_a_secondary_cannot_enable_priced_hotrush(company, secondary, priced):
    ticket = TicketFactory(company=company)
    assert refused(services.set_hotrush, ticket=ticket, enable=True, by=secondary,
                   membership=secondary.membership) == errors.BUY_CAPABILITY
    ticket.refresh_from_db()
    assert not ticket.hotrush


def test_enabling_twice_says_it_is_already_on(company, customer):
    ticket = hotrush_ticket(company, Status.SUBMITTED)
    assert refused(services.set_hotrush, ticket=ticket, enable=True, by=customer,
                   membership=customer.membership) == errors.HOTRUSH_UNCHANGED % {
        "state": "enabled"}


def test_hotrush_moves_the_first_response_due_time(company, customer):
    monday_10 = datetime.datetime(2026, 3, 2, 10, tzinfo=UTC)
    with time_machine.travel(monday_10, tick=False):
        ticket = TicketFactory(company=company)
    with time_machine.travel(monday_10 + datetime.timedelta(minutes=30), tick=False):
        services.set_hotrush(ticket=ticket, enable=True, by=customer,
                             membership=customer.membership)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == monday_10 + datetime.timedelta(hours=2, minutes=30)
    disable(ticket, customer)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == monday_10 + datetime.timedelta(hours=4)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_disables_never_overrun_the_limit(company, customer):
    """Twenty customers' requests at once, each on its own ticket and connection: the
    company's lock lets exactly the limit through."""
    tickets = [hotrush_ticket(company) for _ in range(20)]
    membership = customer.membership
    barrier = threading.Barrier(len(tickets))
    outcomes = []

    def request(ticket):
        try:
            barrier.wait()
            services.set_hotrush(ticket=ticket, enable=False, by=customer,
                                 membership=membership)
            outcomes.append("disabled")
        except TicketError as error:
            outcomes.append(error.message)
        except Exception as error:  # a database error must show in the assert, not die here
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(ticket,)) for ticket in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally = Counter(outcomes)
    assert (tally["disabled"], tally[LIMIT_REACHED]) == (3, 17), tally
    assert counted(company) == 3
    assert sum(1 for t in tickets if not type(t).objects.for_tenant(company.tenant)
               .get(pk=t.pk).hotrush) == 3
