"""The job benchmark: each timed lifecycle rule over the bench data, and the email outbox
sending to a local SMTP sink, each beside a floor.

``python -m bench.jobs --database-url postgres://...`` (``make bench-jobs``) runs with
production settings in this process. A lifecycle rule runs the way ``helpdesk.lifecycle``
runs it (``run_all`` over every bench tenant: the tenants alike in the rule's policy numbers
in one transaction under their job locks), inside one transaction that is always rolled
back; its floor is hand-written SQL doing the same writes for the same rows in the same kind
of transaction. The outbox sends emails queued for real ticket events to an aiosmtpd sink in
a process of its own; its floor is a bare smtplib loop over one connection. The results go
to the ``jobs`` section of docs/performance.json and docs/performance.md (``bench.report``);
README.md beside this file says what each figure means. Nothing here judges timings: the
targets are printed beside the figures.
"""
import argparse
import contextlib
import dataclasses
import datetime
import multiprocessing
import os
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench import report
from bench.pages import BenchFailure, production_environment, say

ROOT = Path(__file__).resolve().parent.parent
MAX_RATIO, MAX_SECONDS, MIN_EMAILS_PER_S = 2.0, 10.0, 300.0
SMOKE = {"emails": 50, "repeat": 1}
SMOKE_OUT = ROOT / "data" / "bench-smoke"
# Every rule runs at the same moment: a day after the seeded data ends (seed_bench clamps
# every timestamp to the midnight it ran at).
AFTER_DATA = datetime.timedelta(days=1)
# The policy numbers the floors read; every bench tenant must have the same ones.
POLICY_NUMBERS = ("sales_preclose_days", "presales_preclose_days", "support_preclose_days",
                  "preclosed_close_days", "waiting_reminder_hours", "waiting_close_hours",
                  "access_info_wipe_days", "survey_delay_hours")
SINK_START_SECONDS = 30


@dataclasses.dataclass
class Bench:
    """What every job benchmark works with: the options, the SMTP sink the settings send
    to, the bench tenants (their policies loaded) and the moment the rules run at."""

    args: argparse.Namespace
    sink: "Sink"
    tenants: list
    now: datetime.datetime


@dataclasses.dataclass(frozen=True)
class Job:
    """One job benchmark of the registry: ``measure`` returns its rows of the results."""

    name: str
    measure: Callable[[Bench], list[dict]]


# Rolled-back transactions ---------------------------------------------------------------

class _Rollback(Exception):
    """Raised at the end of a `rolled_back` block, so that its transaction never commits."""


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One transaction that is always rolled back, whatever the block wrote.

    Foreign keys are checked at each statement's end instead of at commit (they are
    DEFERRABLE INITIALLY DEFERRED): a commit would check them, so the timed work does too.
    """
    from django.db import connection, transaction

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield
            raise _Rollback
    except _Rollback:
        pass


# The tables a rule, its floor, their setups and the outbox write to.
WRITTEN_TABLES = ("tickets_ticket", "tickets_ticketevent", "tickets_accessinfo",
                  "helpdesk_outboundemail", "helpdesk_jobrun")


def vacuum() -> None:
    """VACUUM the written tables, untimed: a rolled-back run leaves its rows behind as dead
    tuples, which would slow the next run (and everyone else's queries) until autovacuum
    comes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM " + ", ".join(WRITTEN_TABLES))


def execute(sql: str, params: dict) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# Lifecycle rules ------------------------------------------------------------------------

EVENT_COLUMNS = ("tenant_id, ticket_id, kind, from_status, to_status, reason, data, rule, "
                 "run_id, created_at")


def _events(source: str, where: str, *, status_move: bool) -> str:
    """The floor's first statement: the rule's event for each ticket it selects."""
    from_status = "t.status" if status_move else "''"
    return (f"INSERT INTO tickets_ticketevent ({EVENT_COLUMNS}) "  # noqa: S608 - our own SQL
            f"SELECT t.tenant_id, t.id, %(kind)s, {from_status}, %(to)s, %(reason)s, "
            f"%(data)s::jsonb, %(code)s, %(run)s, %(now)s FROM {source} "
            f"WHERE t.tenant_id = ANY(%(tenants)s) AND {where}")


def _changed(assignments: str) -> str:
    """The floor's UPDATE of the tickets that got an event in this run."""
    return (f"UPDATE tickets_ticket t SET {assignments} FROM tickets_ticketevent e "  # noqa: S608
            "WHERE e.run_id = %(run)s AND e.ticket_id = t.id")


# The emails a rule's events call for: to each follower still active in the ticket's company,
# but the one who caused the event (N-1); what `tickets.notifications.enqueue` writes for
# status moves to pre-closed and closed, reminders and surveys.
CUSTOMER_EMAILS = (
    "INSERT INTO helpdesk_outboundemail (tenant_id, key, kind, ref, recipient_id, to_email, "
    "available_at, created_at) "
    "SELECT e.tenant_id, 'ev' || e.id || ':' || u.id, 'ticket.customer', e.id, u.id, "
    "COALESCE(NULLIF(u.notification_email, ''), u.email), %(now)s, %(now)s "
    "FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id "
    "JOIN tickets_ticketfollower f ON f.ticket_id = t.id "
    "JOIN accounts_user u ON u.id = f.user_id AND u.is_active "
    "JOIN accounts_membership m ON m.user_id = u.id AND m.company_id = t.company_id "
    "WHERE e.run_id = %(run)s AND (e.actor_id IS NULL OR e.actor_id <> u.id) "
    "ON CONFLICT DO NOTHING")


@dataclasses.dataclass(frozen=True)
class RuleBench:
    """How one lifecycle rule (``rule``: its name) is measured: what the seeded data lacks
    for it (``setup``, SQL run first in the same rolled-back transaction, untimed, with
    ``setup_note`` saying it in words) and its floor, the same writes as hand-written SQL.

    SQL parameters: ``now``, ``tenants`` (the bench tenants' ids), ``run`` (the floor's
    JobRun), the rule's ``code``, ``reason`` and ``to`` (the status it moves to, or ""),
    ``kind`` and ``data`` (of its event), ``waiting`` (the statuses AUTO-5 waits in), and the
    policy numbers of POLICY_NUMBERS.
    """

    rule: str
    floor: tuple[str, ...]
    event: str = "status"  # the kind of event the rule writes
    data: str = "{}"  # and its data, as JSON
    setup: str = ""
    setup_note: str = ""


# The statuses the system may pre-close from (tickets.lifecycle.TRANSITIONS).
PRE_CLOSABLE = "t.status IN ('submitted', 'assigned', 'in_progress', 'reopened')"
WAITING = "t.status = ANY(%(waiting)s)"
MOVED = "status = %(to)s, status_changed_at = %(now)s, updated_at = %(now)s, closed_at = "

RULE_BENCHES = {bench.rule: bench for bench in [
    RuleBench(
        "AUTO-1 pre-closed",
        (_events("tickets_ticket t JOIN accounts_company c ON c.id = t.company_id",
                 f"t.kind = 'sales' AND {PRE_CLOSABLE} AND t.last_message_at <= %(now)s - "
                 "CASE WHEN c.is_presales THEN %(presales_preclose_days)s "
                 "ELSE %(sales_preclose_days)s END * interval '1 day'", status_move=True),
         _changed(MOVED + "NULL"), CUSTOMER_EMAILS)),
    RuleBench(
        "AUTO-3 pre-closed",
        (_events("tickets_ticket t",
                 f"t.kind IN ('support', 'generic') AND t.solved AND {PRE_CLOSABLE} AND "
                 "t.last_message_at <= %(now)s - %(support_preclose_days)s * interval '1 day'",
                 status_move=True),
         _changed(MOVED + "NULL"), CUSTOMER_EMAILS),
        setup=("UPDATE tickets_ticket SET solved = true WHERE tenant_id = ANY(%(tenants)s) "
               "AND kind IN ('support', 'generic') "
               "AND status IN ('submitted', 'assigned', 'in_progress', 'reopened') "
               "AND mod(id, 2) = 0"),
        setup_note="half the open support and generic tickets marked solved (the seed marks "
        "only closed and pre-closed tickets solved)"),
    RuleBench(
        "AUTO-4 closed",
        (_events("tickets_ticket t",
                 "t.status = 'pre_closed' AND t.status_changed_at <= %(now)s - "
                 "%(preclosed_close_days)s * interval '1 day' AND t.last_message_at <= "
                 "%(now)s - %(preclosed_close_days)s * interval '1 day'", status_move=True),
         _changed(MOVED + "%(now)s"), CUSTOMER_EMAILS)),
    RuleBench(
        "AUTO-5 reminded",
        (_events("tickets_ticket t",
                 f"(t.reminded_at IS NULL OR t.reminded_at < t.last_message_at) AND {WAITING} "
                 "AND t.last_message_by_staff AND t.kind <> 'log' "
                 "AND t.last_message_at <= "
                 "%(now)s - %(waiting_reminder_hours)s * interval '1 hour' AND t.last_message_at "
                 "> %(now)s - %(waiting_close_hours)s * interval '1 hour'",
                 status_move=False),
         _changed("reminded_at = %(now)s"), CUSTOMER_EMAILS),
        event="reminder",
        setup=("UPDATE tickets_ticket SET last_message_at = %(now)s - interval '49 hours' "
               "- mod(id, 2820) * interval '1 minute' WHERE tenant_id = ANY(%(tenants)s) "
               "AND status = ANY(%(waiting)s) AND last_message_by_staff "
               "AND last_message_at <= %(now)s - %(waiting_close_hours)s * interval '1 hour' "
               "AND mod(id, 2) = 0"),
        setup_note="half the tickets waiting on the customer for more than 96 h given a last "
        "staff reply 49 to 96 h ago (the seed's data ends the day before `now`, so only a "
        "few hundred tickets fall in the reminder's 48 h window)"),
    RuleBench(
        "AUTO-5 closed",
        (_events("tickets_ticket t",
                 f"{WAITING} AND t.last_message_by_staff AND t.kind <> 'log' "
                 "AND t.last_message_at <= %(now)s - %(waiting_close_hours)s * interval '1 hour'",
                 status_move=True),
         _changed(MOVED + "%(now)s"), CUSTOMER_EMAILS)),
    RuleBench(
        "AUTO-6 access info wiped",
        (_events("tickets_ticket t",
                 "t.status = 'closed' AND t.closed_at <= %(now)s - %(access_info_wipe_days)s "
                 "* interval '1 day' AND EXISTS (SELECT 1 FROM tickets_accessinfo a "
                 "WHERE a.ticket_id = t.id)", status_move=False),
         "DELETE FROM tickets_accessinfo a USING tickets_ticketevent e "
         "WHERE e.run_id = %(run)s AND a.ticket_id = e.ticket_id"),
        event="access_info", data='{"action": "wiped"}',
        setup=("INSERT INTO tickets_accessinfo (tenant_id, ticket_id, kind, host, port, secret, "
               "created_by_id, created_at) SELECT tenant_id, id, 'ssh', 'shop.example', 22, "
               "decode(repeat('5f', 120), 'hex'), created_by_id, created_at "
               "FROM tickets_ticket WHERE tenant_id = ANY(%(tenants)s) AND status = 'closed' "
               "AND mod(id, 20) = 0"),
        setup_note="access info stored on one closed ticket in 20 (the seed stores none)"),
    RuleBench(
        "AUTO-6 surveyed",
        (_events("tickets_ticket t",
                 "t.status = 'closed' AND t.survey_sent_at IS NULL AND t.rating IS NULL "
                 "AND t.merged_into_id IS NULL AND t.kind <> 'log' "
                 "AND t.closed_at <= %(now)s - %(survey_delay_hours)s * interval '1 hour' "
                 "AND t.closed_at > %(now)s - interval '7 days'", status_move=False),
         _changed("survey_sent_at = %(now)s"), CUSTOMER_EMAILS),
        event="survey",
        setup=("UPDATE tickets_ticket SET survey_sent_at = NULL WHERE tenant_id = "
               "ANY(%(tenants)s) AND status = 'closed' AND closed_at > %(now)s - "
               "interval '10 days'"),
        setup_note="no survey sent yet for the tickets closed in the last 10 days (the seed "
        "sends each one 2 h after the close); the rule only surveys a week of closes"),
]}


def rules(args: argparse.Namespace) -> list:
    """The lifecycle rules to measure: all of ``helpdesk.lifecycle.RULES``, or those whose
    code or name ``--rules`` gives."""
    from helpdesk import lifecycle

    chosen = [rule for rule in lifecycle.RULES
              if not args.rules or rule.code in args.rules or rule.name in args.rules]
    if not chosen:
        raise BenchFailure(f"No lifecycle rule matches {args.rules}.")
    missing = [rule.name for rule in chosen if rule.name not in RULE_BENCHES]
    if missing:
        raise BenchFailure(f"No floor for {missing}: add them to RULE_BENCHES in bench/jobs.py.")
    return chosen


def common_policy(tenants: list) -> dict[str, int]:
    """The policy numbers every bench tenant shares (the floors use them as constants)."""
    numbers = {tuple(getattr(t.policy, name) for name in POLICY_NUMBERS) for t in tenants}
    if len(numbers) != 1:
        raise BenchFailure("The bench tenants' policies differ in " + ", ".join(POLICY_NUMBERS)
                           + ": the floors take one value of each.")
    return dict(zip(POLICY_NUMBERS, numbers.pop(), strict=True))


def sql_params(bench: Bench, rule, run_id: int | None) -> dict:
    """The parameters of a rule's setup and floor SQL (see RuleBench)."""
    from tickets.automation import WAITING as WAITING_STATUSES

    plan = RULE_BENCHES[rule.name]
    return {
        **common_policy(bench.tenants),
        "now": bench.now, "tenants": [t.pk for t in bench.tenants], "run": run_id,
        "code": rule.code, "reason": rule.name, "to": str(rule.moves_to or ""),
        "kind": plan.event, "data": plan.data, "waiting": sorted(WAITING_STATUSES),
    }


@contextlib.contextmanager
def only_rule(rule, tenants: list) -> Iterator[None]:
    """``helpdesk.lifecycle`` runs only ``rule``, and every tenant has it switched on (in
    the policy objects loaded here: nothing is written)."""
    from helpdesk import lifecycle

    saved = list(lifecycle.RULES)
    switched = {t.pk: getattr(t.policy, rule.switch) for t in tenants} if rule.switch else {}
    lifecycle.RULES[:] = [rule]
    for tenant in tenants:
        if rule.switch:
            setattr(tenant.policy, rule.switch, True)
    try:
        yield
    finally:
        lifecycle.RULES[:] = saved
        for tenant in tenants:
            if rule.switch:
                setattr(tenant.policy, rule.switch, switched[tenant.pk])


def written(run_id: int) -> dict[str, int]:
    """The events and emails one run wrote (read inside its transaction)."""
    from helpdesk.models import OutboundEmail
    from tickets.models import TicketEvent

    # A list, not a subquery: the run's events are new to the planner's statistics, which
    # then expects one and scans the outbox once per event.
    events = list(TicketEvent.all_tenants.filter(run_id=run_id).values_list("pk", flat=True))
    return {"events": len(events),
            "emails": OutboundEmail.all_tenants.filter(kind__startswith="ticket.",
                                                      ref__in=events).count()}


def time_rule(bench: Bench, rule, setup: str) -> dict:
    """``lifecycle.run_all`` with only ``rule``, over every bench tenant, rolled back."""
    from helpdesk import lifecycle
    from helpdesk.models import JobRun

    with rolled_back():
        if setup:
            execute(setup, sql_params(bench, rule, None))
        last = JobRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with only_rule(rule, bench.tenants):
            started = time.perf_counter()
            counts = lifecycle.run_all(tenants=bench.tenants, now=bench.now)
            seconds = time.perf_counter() - started
        runs = list(JobRun.objects.filter(job=lifecycle.LIFECYCLE, pk__gt=last))
        if len(runs) != 1:
            raise BenchFailure(f"Expected one lifecycle run, found {len(runs)}: is another "
                               "process committing lifecycle runs to this database?")
        if runs[0].error:
            raise BenchFailure(f"{rule.name} failed: {runs[0].error}")
        return {"seconds": seconds,
                "rows": sum(c.get(rule.name, 0) for c in counts.values()),
                **written(runs[0].pk)}


def time_floor(bench: Bench, rule, setup: str) -> dict:
    """The rule's floor statements over every bench tenant at once, rolled back."""
    from django.utils import timezone

    from helpdesk.models import JobRun

    with rolled_back():
        run = JobRun.objects.create(job="bench-floor", started_at=timezone.now())
        params = sql_params(bench, rule, run.pk)
        if setup:
            execute(setup, params)
        statements = RULE_BENCHES[rule.name].floor
        started = time.perf_counter()
        rowcounts = [execute(statement, params) for statement in statements]
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "rows": rowcounts[0], "rowcounts": rowcounts,
                **written(run.pk)}


def measure_lifecycle(bench: Bench) -> list[dict]:
    results = []
    for rule in rules(bench.args):
        plan = RULE_BENCHES[rule.name]
        runs, floors = [], []
        for attempt in range(bench.args.repeat):
            say(f"{rule.name}: run {attempt + 1} of {bench.args.repeat}, then its floor")
            runs.append(time_rule(bench, rule, plan.setup))
            vacuum()
            floors.append(time_floor(bench, rule, plan.setup))
            vacuum()
        rule_writes = {(r["events"], r["emails"]) for r in runs}
        floor_writes = {(f["events"], f["emails"]) for f in floors}
        if rule_writes != floor_writes or len(rule_writes) != 1:
            raise BenchFailure(f"{rule.name} and its floor wrote different rows: (events, "
                               f"emails) {sorted(rule_writes)} vs {sorted(floor_writes)}.")
        if any(r["rows"] != r["events"] for r in runs):
            raise BenchFailure(f"{rule.name} reported other counts than the events it wrote.")
        seconds = statistics.median(r["seconds"] for r in runs)
        floor = statistics.median(f["seconds"] for f in floors)
        ratio = seconds / floor if floor else None
        results.append({
            "job": "lifecycle", "name": rule.name, "code": rule.code,
            "title": f"Lifecycle {rule.name}",
            "rows": runs[0]["rows"], "emails": runs[0]["emails"],
            "seconds": round(seconds, 3), "floor_seconds": round(floor, 3),
            "ratio": round(ratio, 2) if ratio is not None else None,
            "samples": [round(r["seconds"], 3) for r in runs],
            "floor_samples": [round(f["seconds"], 3) for f in floors],
            "floor_rowcounts": floors[0]["rowcounts"],
            "setup": plan.setup_note,
            "target": f"≤ {MAX_RATIO:g}x floor and < {MAX_SECONDS:g} s",
            "met": ratio is not None and ratio <= MAX_RATIO and seconds < MAX_SECONDS,
        })
    return results


def explain(bench: Bench, rule, tenant) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement ``rule`` runs for ``tenant``, each on
    the data the statements before it left: each is explained in a savepoint rolled back
    just before it runs (and the whole run is rolled back after)."""
    from django.db import connection

    from helpdesk import lifecycle

    plans = []

    def explaining(run, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE",
                                                          "DELETE", "WITH")):
            cursor = context["cursor"].cursor  # psycopg's own: no wrappers, no recursion
            cursor.execute("SAVEPOINT bench_explain")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("ROLLBACK TO SAVEPOINT bench_explain")
            plans.append(f"{sql}\n-- parameters: {params!r}\n{lines}")
        return run(sql, params, many, context)

    setup = RULE_BENCHES[rule.name].setup
    with rolled_back():
        if setup:
            execute(setup, sql_params(bench, rule, None))
        with only_rule(rule, [tenant]), connection.execute_wrapper(explaining):
            lifecycle.run_all(tenants=[tenant], now=bench.now)
    return "\n\n".join(plans)


# The outbox -----------------------------------------------------------------------------

class _Counter:
    """aiosmtpd handler of the sink: counts what it accepts, keeps nothing."""

    def __init__(self):
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def _sink(port: int, pipe) -> None:
    """The SMTP sink's process: answers "count" and "reset" on ``pipe`` until "stop"."""
    from aiosmtpd.controller import Controller

    counter = _Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    try:
        while (request := pipe.recv()) != "stop":
            pipe.send((counter.messages, counter.bytes))
            if request == "reset":
                counter.messages = counter.bytes = 0
    finally:
        controller.stop()


@dataclasses.dataclass
class Sink:
    port: int
    pipe: object

    def count(self, *, reset: bool = False) -> tuple[int, int]:
        """Messages and bytes the sink accepted since the last reset; ``reset`` starts
        counting again from zero."""
        self.pipe.send("reset" if reset else "count")
        return self.pipe.recv()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_sink() -> Iterator[Sink]:
    """An aiosmtpd server that only counts, in a process of its own (so that it does not
    share the sender's interpreter lock), on a free loopback port."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    port = free_port()
    process = context.Process(target=_sink, args=(port, theirs), daemon=True)
    process.start()
    try:
        if not ours.poll(SINK_START_SECONDS) or ours.recv() != "ready":
            raise BenchFailure(f"The SMTP sink did not start in {SINK_START_SECONDS} s.")
        yield Sink(port, ours)
    finally:
        if process.is_alive():
            with contextlib.suppress(OSError):
                ours.send("stop")
            process.join(10)
        if process.is_alive():
            process.terminate()
            process.join()


def _sender(pipe) -> None:
    """One sender process of the outbox benchmark, as a Celery worker process runs the task:
    Django set up with the benchmark's settings (the environment it inherits), it answers
    "ready", waits for "go", runs ``outbox.deliver_all`` until nothing is due and answers its
    totals."""
    import django

    django.setup()
    from helpdesk import outbox

    pipe.send("ready")
    pipe.recv()
    total = dict.fromkeys(("claimed", "sent", "retry", "failed", "returned"), 0)
    while True:
        counts = outbox.deliver_all()
        for key in total:
            total[key] += counts[key]
        if counts["claimed"] == 0 or counts["returned"] or counts["failed"]:
            break
    pipe.send(total)


def run_senders(count: int) -> tuple[float, dict[str, int]]:
    """``count`` sender processes started together; the seconds from "go" until the last one
    is done (their start-up untimed), and their totals added up."""
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    try:
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_sender, args=(theirs,), daemon=True)
            process.start()
            pipes.append(ours)
            processes.append(process)
        for pipe in pipes:
            if not pipe.poll(SINK_START_SECONDS) or pipe.recv() != "ready":
                raise BenchFailure(f"An outbox sender did not start in {SINK_START_SECONDS} s.")
        started = time.perf_counter()
        for pipe in pipes:
            pipe.send("go")
        total = dict.fromkeys(("claimed", "sent", "retry", "failed", "returned"), 0)
        for pipe in pipes:
            for key, value in pipe.recv().items():
                total[key] += value
        return time.perf_counter() - started, total
    finally:
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
                process.join()


def queue_emails(bench: Bench, count: int) -> list[int]:
    """Commit ``count`` outbox rows for real events of the seeded data, written by
    ``tickets.notifications.enqueue``: the latest status moves customers hear of (pre-closed,
    closed, re-opened). Returns their ids; the caller deletes them."""
    from django.db import transaction

    from helpdesk.models import OutboundEmail
    from tickets.lifecycle import Status
    from tickets.models import EventKind, TicketEvent
    from tickets.notifications import enqueue

    events = (TicketEvent.all_tenants
              .filter(tenant__in=[t.pk for t in bench.tenants], kind=EventKind.STATUS,
                      to_status__in=[Status.PRE_CLOSED, Status.CLOSED, Status.REOPENED])
              .order_by("-pk").values_list("pk", flat=True))
    with transaction.atomic():
        offset = queued = 0
        while queued < count:
            chunk = list(events[offset:offset + count - queued])
            if not chunk:
                raise BenchFailure(f"The bench data has too few status events for {count} "
                                   "emails.")
            queued += enqueue(TicketEvent.all_tenants.filter(pk__in=chunk))
            offset += len(chunk)
        ids = list(OutboundEmail.all_tenants.order_by("pk").values_list("pk", flat=True))
        OutboundEmail.all_tenants.filter(pk__in=ids[count:]).delete()
    return ids[:count]


def floor_messages(ids: list[int]) -> list[tuple[str, list[str], bytes]]:
    """The first batch of the queued emails, rendered as the outbox renders them and turned
    into bytes as Django's SMTP backend does: what the floor sends, round and round."""
    from helpdesk import outbox
    from helpdesk.models import OutboundEmail

    rows = list(OutboundEmail.all_tenants.filter(pk__in=ids[:outbox.BATCH]).order_by("pk"))
    built = []
    for message in outbox.render(rows).values():
        if isinstance(message, str):
            raise BenchFailure(f"An email of the floor could not be rendered: {message}")
        built.append((message.from_email, message.recipients(),
                      message.message().as_bytes(linesep="\r\n")))
    return built


def send_floor(sink: Sink, messages: list, count: int) -> float:
    """Seconds to send ``count`` pre-built messages over one smtplib connection."""
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=30) as server:
        started = time.perf_counter()
        for i in range(count):
            sender, recipients, data = messages[i % len(messages)]
            server.sendmail(sender, recipients, data)
        return time.perf_counter() - started


def measure_outbox(bench: Bench) -> list[dict]:
    """``outbox.deliver_all`` until the queue is empty, sending ``--emails`` emails to the
    sink; then the floor. The queued rows are committed (the sender commits each row), so
    they are deleted at the end, and nothing may be in the outbox before."""
    from django.db.models import Count

    from helpdesk.models import EmailStatus, OutboundEmail

    count = bench.args.emails
    if OutboundEmail.all_tenants.exists():
        raise BenchFailure("The outbox is not empty: deliver_all would send those emails too. "
                           "An interrupted run of this benchmark leaves its rows behind; "
                           "delete them (helpdesk_outboundemail) if nothing else queued them.")
    sink = bench.sink
    say(f"outbox: queueing {count} emails")
    ids = queue_emails(bench, count)
    try:
        messages = floor_messages(ids)
        sink.count(reset=True)
        senders = bench.args.senders
        say(f"outbox: deliver_all in {senders} sender processes to the SMTP sink on port "
            f"{sink.port}")
        seconds, total = run_senders(senders)
        received, received_bytes = sink.count(reset=True)
        sent = OutboundEmail.all_tenants.filter(pk__in=ids, status=EmailStatus.SENT).count()
        kinds = dict(OutboundEmail.all_tenants.filter(pk__in=ids).values_list("kind")
                     .annotate(n=Count("pk")).order_by("kind"))
    finally:
        OutboundEmail.all_tenants.filter(pk__in=ids).delete()
        vacuum()
    if total["sent"] != count or sent != count or received != count:
        raise BenchFailure(f"The outbox sent {total} ({sent} rows marked sent), the sink "
                           f"received {received}, of {count} emails.")
    say(f"outbox: floor, {count} pre-built messages over one smtplib connection")
    floor = send_floor(sink, messages, count)
    floor_received, floor_bytes = sink.count(reset=True)
    rate, floor_rate = count / seconds, count / floor
    return [{
        "job": "outbox", "name": "outbox", "senders": senders,
        "title": f"Outbox: deliver_all in {senders} sender{'s' if senders > 1 else ''} "
                 "to an SMTP sink",
        "rows": count, "emails": count, "kinds": kinds, "counts": total,
        "seconds": round(seconds, 3), "floor_seconds": round(floor, 3),
        "emails_per_s": round(rate, 1), "floor_emails_per_s": round(floor_rate, 1),
        "ratio": round(seconds / floor, 2),
        "sink_received": received, "floor_sink_received": floor_received,
        "mean_bytes": round(received_bytes / received), "floor_mean_bytes": round(
            floor_bytes / floor_received) if floor_received else 0,
        "target": f"≥ {MIN_EMAILS_PER_S:g} emails/s",
        "met": rate >= MIN_EMAILS_PER_S,
    }]


# The registry ---------------------------------------------------------------------------

# Inbound mail parsing adds its job here when it lands.
JOBS = [Job("lifecycle", measure_lifecycle), Job("outbox", measure_outbox)]


# Running --------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="postgres:// URL of the bench database (default: $DATABASE_URL); "
                        "seeded with manage.py seed_bench, and left as it was")
    parser.add_argument("--jobs", nargs="+", choices=[job.name for job in JOBS],
                        help="the job benchmarks to run (default: all)")
    parser.add_argument("--rules", nargs="+", metavar="RULE",
                        help="lifecycle rules to measure, by code (AUTO-5) or name "
                        "('AUTO-5 closed'); default: every rule")
    parser.add_argument("--emails", type=int, default=10_000,
                        help="emails the outbox sends (default 10000)")
    parser.add_argument("--senders", type=int, default=os.cpu_count() or 1,
                        help="outbox sender processes at once, as a Celery worker's processes "
                        "(its default concurrency: the CPU count, here %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each rule and of its floor, alternating; the median "
                        "counts (default 3)")
    parser.add_argument("--smoke", action="store_true",
                        help=f"tiny run for the test suite: {SMOKE['emails']} emails, "
                        f"{SMOKE['repeat']} run a rule, results under data/bench-smoke/ "
                        "unless --json/--markdown say otherwise")
    parser.add_argument("--explain", metavar="RULE",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of each statement the rule "
                        "runs for the first bench tenant, rolled back, and stop")
    parser.add_argument("--json", type=Path, dest="json_path")
    parser.add_argument("--markdown", type=Path, dest="markdown_path")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("give --database-url postgres://... (or set DATABASE_URL)")
    if args.smoke:
        args.emails, args.repeat = SMOKE["emails"], SMOKE["repeat"]
    out = SMOKE_OUT if args.smoke else None
    args.json_path = args.json_path or (out / "performance.json" if out else report.JSON_PATH)
    args.markdown_path = args.markdown_path or (
        out / "performance.md" if out else report.MARKDOWN_PATH)
    if args.emails < 1 or args.repeat < 1 or args.senders < 1:
        parser.error("--emails, --repeat and --senders are at least 1")
    # Production requires a Redis URL; no job measured here uses the cache or the broker
    # (OUTBOX_KICK is off: the benchmark calls the sender itself).
    args.redis_url = "redis://127.0.0.1:6379/14"
    return args


def find_data() -> tuple[list, datetime.datetime, dict]:
    """The bench tenants with their policies, the moment the rules run at, and what the
    data holds."""
    from django.db.models import Max

    from bench.seed import bench_tenants
    from tickets.lifecycle import Status
    from tickets.models import Ticket

    tenants = list(bench_tenants().select_related("policy").order_by("slug"))
    if not tenants:
        raise BenchFailure("No bench tenants: run manage.py seed_bench first.")
    tickets = Ticket.all_tenants.filter(tenant__in=[t.pk for t in tenants])
    end = tickets.aggregate(end=Max("last_message_at"))["end"]
    now = end + AFTER_DATA
    data = {"bench_tenants": len(tenants), "tickets": tickets.count(),
            "open_tickets": tickets.exclude(status=Status.CLOSED).count(),
            "data_ends": end.isoformat(), "now": now.isoformat()}
    return tenants, now, data


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
                          cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def measure(args: argparse.Namespace, sink: Sink) -> dict:
    tenants, now, data = find_data()
    bench = Bench(args=args, sink=sink, tenants=tenants, now=now)
    load_before = os.getloadavg()[0]
    jobs = []
    for job in JOBS:
        if not args.jobs or job.name in args.jobs:
            jobs += job.measure(bench)
    return {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        # Anything else running on the machine or the database slows the job and its floor.
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load_before, 2)},
        "repeat": args.repeat,
        "data": data,
        "jobs": jobs,
        "targets": {"ratio": MAX_RATIO, "seconds": MAX_SECONDS,
                    "emails_per_s": MIN_EMAILS_PER_S},
    }


def misses(results: dict) -> list[str]:
    """The targets this run did not meet, in words."""
    found = []
    for job in results["jobs"]:
        if job["met"]:
            continue
        if job["job"] == "outbox":
            found.append(f"outbox: {job['emails_per_s']:,.0f} emails/s "
                         f"(target ≥ {MIN_EMAILS_PER_S:g})")
        else:
            found.append(f"{job['name']}: {job['seconds']:.2f} s, {job['ratio']}x its floor "
                         f"(target ≤ {MAX_RATIO:g}x and < {MAX_SECONDS:g} s)")
    return found


def _row(job: dict) -> str:
    if job["job"] == "outbox":
        rows = f"{job['rows']:,} emails"
        speed = (f"{job['emails_per_s']:,.0f} emails/s (floor {job['floor_emails_per_s']:,.0f}"
                 "/s)")
    else:
        rows = f"{job['rows']:,} tickets, {job['emails']:,} emails"
        speed = "-" if job["ratio"] is None else f"{job['ratio']:.2f}x"
    return (f"| {job['title']} | {rows} | {job['seconds']:.2f} | {job['floor_seconds']:.2f} | "
            f"{speed} | {job['target']} | {'yes' if job['met'] else '**no**'} |")


def markdown(results: dict) -> str:
    data, machine = results["data"], results["machine"]
    lines = [
        "## Jobs",
        "",
        f"Measured {results['measured_at']} at commit `{results['commit'] or '?'}` on "
        f"{machine['cpus']} CPUs (load average {machine['load_average_before']:.1f} before the "
        "run) by `python -m bench.jobs`, with production settings on PostgreSQL.",
        "",
        f"Data: {data['bench_tenants']} bench tenants, {data['tickets']:,} tickets "
        f"({data['open_tickets']:,} open); the data ends {data['data_ends']} and the rules "
        f"run at {data['now']}.",
        "",
        "Each lifecycle rule runs as `helpdesk.lifecycle.run_all` runs it (every bench tenant, "
        "those alike in the rule's policy numbers in one transaction under their job locks, "
        "the rule switched on), inside one "
        "transaction rolled back afterwards; its floor is hand-written SQL doing the same "
        "writes for the same rows over all tenants at once (the events by INSERT … SELECT, "
        "the UPDATE or DELETE, the outbox rows by INSERT … SELECT), in the same kind of "
        "transaction. Foreign keys are checked at each statement's end, as a commit would "
        "check them; no commit is timed. The written tables are vacuumed after every run, "
        f"untimed. Median of {results['repeat']} runs each. The outbox "
        "sends emails queued for real status events to an SMTP sink (aiosmtpd, counting "
        "only, in its own process) with `helpdesk.outbox.deliver_all`, in as many sender "
        "processes at once as a Celery worker runs by default (one per CPU); its floor sends "
        "as many pre-built messages of the same kind to the same sink with a bare smtplib "
        "loop over one connection.",
        "",
        "| Job | Rows | Seconds | Floor seconds | Ratio / throughput | Target | Met? |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        *(_row(job) for job in results["jobs"]),
    ]
    setups = [job for job in results["jobs"] if job.get("setup")]
    if setups:
        lines += ["", "Made ready first, in the same rolled-back transaction and untimed, for "
                  "the rules the seeded data gives little to do:", ""]
        lines += [f"- {job['name']}: {job['setup']}." for job in setups]
    missed = misses(results)
    lines += [
        "",
        f"Targets: each lifecycle rule within {MAX_RATIO:g}x its floor and under "
        f"{MAX_SECONDS:g} s over the 1M tickets; the outbox at least {MIN_EMAILS_PER_S:g} "
        "emails/s. " + ("Missed in this run: " + "; ".join(missed) + "." if missed
                        else "All met in this run."),
    ]
    return "\n".join(lines)


def explain_rule(args: argparse.Namespace, sink: Sink) -> str:
    from helpdesk import lifecycle

    tenants, now, _data = find_data()
    bench = Bench(args=args, sink=sink, tenants=tenants, now=now)
    chosen = [rule for rule in lifecycle.RULES if args.explain in (rule.name, rule.code)]
    if not chosen:
        raise BenchFailure(f"No lifecycle rule {args.explain!r}.")
    return "\n\n".join(f"== {rule.name}, {tenants[0].slug}\n{explain(bench, rule, tenants[0])}"
                       for rule in chosen)


def _stop(signum: int, _frame) -> None:
    """SIGTERM unwinds like Ctrl-C: the outbox's committed rows are deleted on the way out."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    with smtp_sink() as sink:
        environment = production_environment(args)
        environment.update({"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
                            "OUTBOX_KICK": "false"})
        os.environ.update(environment)
        import django

        django.setup()
        try:
            if args.explain:
                print(explain_rule(args, sink))
                return 0
            results = measure(args, sink)
        except BenchFailure as failure:
            print(f"bench.jobs: {failure}", file=sys.stderr)
            return 1
    report.write_section("jobs", results, markdown(results), json_path=args.json_path,
                         markdown_path=args.markdown_path)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
