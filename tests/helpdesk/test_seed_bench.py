"""manage.py seed_bench (performance issue): the data the benchmarks run on, at a tiny size.

PostgreSQL only, like the command (COPY, dropped and rebuilt indexes); transactional_db,
since the command commits its own transaction.
"""
import datetime
import re
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max, Min

from accounts.models import Company, Membership, Role, Tenant, User
from bench.seed import AGENT_EMAIL, BIG_COMPANY, CUSTOMER_EMAIL, PASSWORD
from tests.conftest import host_client
from tests.tickets.factories import MessageFactory, TicketEventFactory
from tickets.lifecycle import Status
from tickets.models import (
    Attachment,
    EventKind,
    Message,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketFollower,
)

SIZES = ("--tenants", "2", "--tickets", "300", "--messages", "1500")
BIG_TABLES = [model._meta.db_table for model in (Ticket, Message, Attachment, TicketEvent,
                                                  TicketFollower)]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_bench", *SIZES, *args, stdout=out)
    return out.getvalue()


def bench_tenants():
    return Tenant.objects.filter(slug__startswith="bench-").order_by("slug")


def big_ticket(output: str) -> Ticket:
    number = int(re.search(r"40 public messages: #(\d+)", output).group(1))
    return Ticket.objects.for_tenant(bench_tenants().first()).get(number=number)


def schema() -> list[tuple]:
    """The big tables' indexes and constraints as PostgreSQL's catalogue describes them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes "
                       "WHERE tablename = ANY(%s) ORDER BY 1, 2", [BIG_TABLES])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
                       "convalidated, condeferrable, condeferred FROM pg_constraint "
                       "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2", [BIG_TABLES])
        return indexes + cursor.fetchall()


def test_sizes_it_cannot_honour_are_refused():
    with pytest.raises(CommandError, match="between 40"):
        call_command("seed_bench", "--tickets", "10", "--messages", "30", stdout=StringIO())
    with pytest.raises(CommandError, match="60 per ticket"):
        call_command("seed_bench", "--tickets", "2", "--messages", "200", stdout=StringIO())


@pytest.mark.postgres
def test_seed_makes_the_asked_sizes_in_realistic_shapes(transactional_db):
    output = seed()

    tenants = list(bench_tenants())
    assert [t.slug for t in tenants] == ["bench-001", "bench-002"]
    assert all(t.policy.pk for t in tenants)
    assert Ticket.all_tenants.count() == 300
    assert Message.all_tenants.count() == 1500
    assert TicketFollower.all_tenants.count() == 300
    assert re.search(r"tickets\s+300\b", output) and re.search(r"messages\s+1,500\b", output)
    assert TicketEvent.all_tenants.filter(kind=EventKind.CREATED).count() == 300
    assert TicketEvent.all_tenants.filter(kind=EventKind.STATUS).count() > 300
    statuses = Counter(Ticket.all_tenants.values_list("status", flat=True))
    assert 0.8 < statuses[Status.CLOSED] / 300 < 0.97
    assert len(statuses) >= 3
    assert 0 < Attachment.all_tenants.count() < 200
    threads = Message.all_tenants.values("ticket").annotate(n=Count("pk"))
    assert max(t["n"] for t in threads) <= 60

    # The first tenant is the bigger one; its companies run from one big to many small.
    sizes = sorted((c.n for c in Company.objects.for_tenant(tenants[0])
                    .annotate(n=Count("tickets"))), reverse=True)
    assert sum(sizes) > 150
    assert sizes[0] > 3 * sizes[-1]
    big = Company.objects.for_tenant(tenants[0]).get(name=BIG_COMPANY)
    assert big.tickets.count() == sizes[0]

    for tenant in tenants:
        numbers = Ticket.objects.for_tenant(tenant).aggregate(Min("number"), Max("number"))
        assert numbers["number__min"] == 1001
        assert (TicketCounter.objects.for_tenant(tenant).get().last_number
                == numbers["number__max"])
    assert all(re.fullmatch(r"[0-9A-F]{10}", public_id)
               for public_id in Message.all_tenants.values_list("public_id", flat=True))

    # ACC-1 and N-1: each company has exactly one primary; each creator follows the ticket.
    companies = Company.all_tenants.filter(tenant__in=tenants)
    assert (Membership.all_tenants.filter(role=Role.PRIMARY).values("company").distinct().count()
            == Membership.all_tenants.filter(role=Role.PRIMARY).count() == companies.count())
    assert not Ticket.all_tenants.exclude(followers__user=F("created_by")).exists()
    staff = User.objects.for_tenant(tenants[0]).filter(is_staff=True)
    assert 2 <= staff.count() <= 5
    assert all(person.departments.exists() for person in staff)


@pytest.mark.postgres
def test_denormalised_ticket_fields_agree_with_messages_and_events(transactional_db):
    seed()

    messages, events = {}, {}
    for message in Message.all_tenants.order_by("created_at", "pk"):
        messages.setdefault(message.ticket_id, []).append(message)
    for event in TicketEvent.all_tenants.order_by("created_at", "pk"):
        events.setdefault(event.ticket_id, []).append(event)
    for ticket in Ticket.all_tenants.all():
        public = [m for m in messages.get(ticket.pk, []) if not m.internal]
        last = public[-1] if public else None
        assert ticket.last_message_at == (last and last.created_at)
        assert ticket.last_message_by_id == (last and last.author_id)
        assert ticket.last_message_by_staff == bool(last and last.by_staff)
        replies = [m.created_at for m in public if m.by_staff]
        assert ticket.first_response_at == (replies[0] if replies else None)
        assert all(m.by_staff for m in messages.get(ticket.pk, []) if m.internal)

        # T-3: the history replays from the first status to today's, one move at a time.
        created, *moves = events[ticket.pk]
        assert created.kind == EventKind.CREATED and created.actor_id == ticket.created_by_id
        status = created.to_status
        for move in moves:
            assert (move.kind, move.from_status) == (EventKind.STATUS, status)
            status = move.to_status
        assert status == ticket.status
        assert ticket.status_changed_at == (moves[-1] if moves else created).created_at
        assert (ticket.closed_at is not None) == (ticket.status == Status.CLOSED)
        assert ticket.updated_at >= ticket.created_at


@pytest.mark.postgres
def test_benchmark_logins_work_and_reach_the_40_message_ticket(transactional_db):
    output = seed()
    ticket = big_ticket(output)
    tenant = bench_tenants().first()
    assert ticket.company.name == BIG_COMPANY
    thread = list(Message.objects.for_tenant(tenant).filter(ticket=ticket))
    assert len(thread) == 40 and not any(m.internal for m in thread)
    assert CUSTOMER_EMAIL in output and AGENT_EMAIL in output and PASSWORD in output

    customer = host_client(tenant)
    response = customer.post("/accounts/login/", {"email": CUSTOMER_EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    page = customer.get(f"/tickets/{ticket.number}/")
    assert page.status_code == 200
    assert all(message.public_id in page.content.decode() for message in thread)

    agent = host_client(tenant)
    response = agent.post("/accounts/login/", {"email": AGENT_EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert agent.get(f"/admin/tickets/ticket/{ticket.pk}/change/").status_code == 200


@pytest.mark.postgres
def test_indexes_and_constraints_come_back_as_the_migrations_made_them(transactional_db):
    migrated = schema()
    assert len(migrated) > 40

    seed()

    assert schema() == migrated


@pytest.mark.postgres
def test_a_second_run_needs_clear_and_keeps_other_tenants_rows(transactional_db):
    migrated = schema()
    seed()
    with pytest.raises(CommandError, match="--clear"):
        seed()
    first_ids = set(bench_tenants().values_list("pk", flat=True))

    seed("--clear")  # only bench rows in the big tables: they are truncated
    assert Ticket.all_tenants.count() == 300
    assert not first_ids & set(bench_tenants().values_list("pk", flat=True))

    other = MessageFactory(ticket__company__tenant__slug="alpha")
    TicketEventFactory(ticket=other.ticket, tenant=other.tenant)
    # A benchmark run may have filed tickets with licenses (a table without a tenant column).
    filed = Ticket.all_tenants.filter(company__licenses__isnull=False).first()
    filed.licenses.add(filed.company.licenses.first())
    seed("--clear")  # now only the bench tenants' rows are deleted
    assert bench_tenants().count() == 2
    assert Ticket.all_tenants.exclude(tenant__slug="alpha").count() == 300
    assert Message.all_tenants.exclude(tenant__slug="alpha").count() == 1500
    assert Message.all_tenants.filter(pk=other.pk).exists()
    assert TicketEvent.all_tenants.filter(ticket=other.ticket).count() == 1
    assert schema() == migrated


@pytest.mark.postgres
def test_the_same_seed_makes_the_same_data(transactional_db):
    def snapshot():
        tickets = Ticket.all_tenants.values_list(
            "tenant__slug", "number", "status", "subject", "company__name", "created_at",
            "last_message_at", "closed_at").order_by("tenant__slug", "number")
        public_ids = Message.all_tenants.values_list(
            "tenant__slug", "ticket__number", "public_id").order_by("pk")
        people = User.objects.filter(tenant__slug__startswith="bench-").values_list(
            "tenant__slug", "email", "first_name", "last_name").order_by("tenant__slug", "email")
        return list(tickets), list(public_ids), list(people)

    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)):
        seed("--seed", "7")
        first = snapshot()
        seed("--seed", "7", "--clear")
        assert snapshot() == first
        seed("--seed", "8", "--clear")
        assert snapshot() != first
