"""Benchmark data at scale: bench-* tenants with years of tickets, loaded into PostgreSQL with
COPY while the big tables' secondary indexes and foreign keys are set aside.

Everything happens in one transaction: a failure anywhere leaves the database as it was,
indexes included. Rows are made in Python from one seeded ``random.Random`` (same seed, same
day: same rows); a writer thread streams them to PostgreSQL while the next batch is made.
"""
import dataclasses
import datetime
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from accounts.models import (
    Company,
    Department,
    Membership,
    Role,
    StaffRole,
    Tenant,
    TenantPolicy,
    User,
)
from licenses.models import License, Product, ProductKind, ProductVersion
from tickets.lifecycle import Status
from tickets.models import (
    PRIORITY_WEIGHTS,
    Attachment,
    EventKind,
    Kind,
    Message,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketFollower,
    TicketType,
)
from tickets.services import refresh_priority_offsets

SLUG_PREFIX = "bench-"
PASSWORD = "bench-helpdesk-2026"
CUSTOMER_EMAIL = "bench-customer@bench-001.example"
AGENT_EMAIL = "bench-agent@bench-001.example"
BIG_COMPANY = "Bench Big Company Ltd"
BIG_THREAD = 40
MAX_THREAD = 60
YEARS = 5

POSTGRES_ONLY = "seed_bench loads with PostgreSQL's COPY: point DATABASE_URL at PostgreSQL."
BENCH_EXISTS = ("%(count)d bench tenants exist already; run with --clear to replace them.")

# The tables that grow with the ticket count: loaded without secondary indexes and foreign keys.
BIG_MODELS = (Ticket, Message, Attachment, TicketEvent, TicketFollower)

DAY = 86400
NULL = "\\N"
TENANT_SKEW = 0.8  # tenant i gets a share of tickets proportional to 1 / i**0.8
COMPANY_SKEW = 1.2  # and its company j 1 / j**1.2: a few big ones, a long tail of small ones
TICKETS_PER_COMPANY = 40
OPEN_RECENT, OPEN_OLD, RECENT_DAYS = 0.6, 0.075, 30  # ~90% of all tickets end up closed
NOTE_SHARE, ATTACHMENT_SHARE, RATED_SHARE = 0.04, 0.05, 0.25
BATCH_TICKETS = 20_000
SURVEY_DELAY = 2 * 3600
DUE = {"major": 2 * 3600, "normal": 4 * 3600, "minor": DAY}
# Twenty slots each: how often each value comes up.
TYPE_SLOTS = (0,) * 11 + (1,) * 3 + (2,) * 2 + (3,) * 4  # support, sales, project, generic
PRIORITY_SLOTS = ("major",) * 3 + ("normal",) * 12 + ("minor",) * 5
OPEN_STATUSES = ((Status.SUBMITTED,) * 25 + (Status.ASSIGNED,) * 18 + (Status.IN_PROGRESS,) * 25
                 + (Status.PRE_CLOSED,) * 12 + (Status.REOPENED,) * 10
                 + (Status.AWAITING_QUOTE,) * 5 + (Status.QUOTE_SENT,) * 5)
RATINGS = (1, 2, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5)
TYPES = (("Technical support", Kind.SUPPORT, "Technical support"),
         ("Sales question", Kind.SALES, "Sales"),
         ("Project", Kind.PROJECT, "Projects"),
         ("Generic", Kind.GENERIC, "Technical support"))
DEPARTMENTS = ("Technical support", "Sales", "Projects")
ATTACHMENTS = (("screenshot.png", "image/png"), ("error.log", "text/plain"),
               ("invoice.pdf", "application/pdf"), ("export.csv", "text/csv"),
               ("backup.zip", "application/zip"), ("config.json", "application/json"))
# public_id = (salt + n * ODD) mod 2**40: a bijection of the tenant's message counter n, so the
# ids look random and never repeat within a tenant.
PUBLIC_ID_BITS = 40
PUBLIC_ID_ODD = 0x9E3779B97F & ((1 << PUBLIC_ID_BITS) - 1) | 1

FIRST_NAMES = ("Anna", "Marco", "Julia", "Peter", "Sofia", "Luca", "Emma", "David", "Chiara",
               "Tom", "Elena", "Paul", "Sara", "Jonas", "Laura", "Matteo", "Nina", "Alex")
LAST_NAMES = ("Rossi", "Miller", "Schmidt", "Bianchi", "Dubois", "Novak", "Smith", "Ferrari",
              "Weber", "Martin", "Costa", "Fischer", "Moreau", "Ricci", "Brown", "Keller")
COMPANY_WORDS = ("Alpine", "Blue", "Corner", "Delta", "Eagle", "Forest", "Golden", "Harbour",
                 "Iron", "Juniper", "Lake", "Metro", "North", "Orchid", "Pixel", "Quartz",
                 "River", "Silver", "Terra", "Urban", "Vista", "West")
COMPANY_KINDS = ("Shop", "Store", "Outlet", "Market", "Trading", "Boutique", "Supplies")
CITIES = (("Milano", "IT", "20100"), ("Roma", "IT", "00100"), ("Berlin", "DE", "10115"),
          ("Lyon", "FR", "69001"), ("Madrid", "ES", "28001"), ("London", "GB", "EC1A 1BB"),
          ("Utrecht", "NL", "3511"), ("Austin", "US", "73301"))
SUBJECTS = ("Checkout page is blank after the upgrade", "Payment gateway rejects cards",
            "Cannot log in to the admin area", "Import of products fails half way",
            "Price of an extra license", "Search returns no results", "Emails are not sent",
            "Shipping rates are wrong for Europe", "Upgrade to the latest version",
            "Slow category pages", "Customising the invoice template", "Tax rules for Italy",
            "Error 500 when saving an order", "Images missing after moving the server",
            "Quote for a custom module", "Migrating from another platform",
            "Coupon codes not applied", "Stock levels out of sync", "Setting up a second store",
            "Question about the renewal")
CUSTOMER_SENTENCES = (
    "Since this morning our customers cannot complete their orders.",
    "We did not change anything on our side before this started.",
    "The error appears only for logged-in customers.",
    "Could you please have a look as soon as possible?",
    "I attach the log file from the server.",
    "It worked fine with the previous version.",
    "We are running the shop on a shared hosting plan.",
    "Thank you for the quick answer, it works now.",
    "Unfortunately the problem is still there.",
    "Our developer tried clearing the cache without success.",
    "What would it cost to add this feature?",
    "Please let us know if you need access to the server.")
STAFF_SENTENCES = (
    "Thank you for contacting us.",
    "We have looked into the issue on your installation.",
    "The cause is a conflict with a third-party module.",
    "Please clear the cache from the admin area and try again.",
    "We have applied a patch; could you check that everything works?",
    "To investigate further we need access to your server.",
    "This is fixed in the next release, due in two weeks.",
    "The estimate for the custom work is attached.",
    "We will keep the ticket open until you confirm.",
    "Best regards, the support team.")


class BenchError(Exception):
    """The sizes or the database do not allow seeding."""


@dataclasses.dataclass
class BenchReport:
    """What a seeding run made: rows by table, seconds by phase, and the benchmark's logins."""

    counts: dict[str, int]
    seconds: dict[str, float]
    big_ticket: int
    host: str
    database_size: int
    customer_email: str = CUSTOMER_EMAIL
    agent_email: str = AGENT_EMAIL
    password: str = PASSWORD


@dataclasses.dataclass
class _Tenant:
    """One seeded tenant, as the ticket generator needs it."""

    row: Tenant
    pk: int
    tickets: int
    company_ids: list[int]  # biggest company first
    company_sizes: list[int]
    members: dict[int, list[int]]  # company id -> people, the primary first
    agents: list[int]
    staff: list[int]
    types: list[tuple[int, str, int]]  # (type id, kind, department id) in TYPES order
    versions: list[int]


def bench_tenants():
    return Tenant.objects.filter(slug__startswith=SLUG_PREFIX)


def seed_bench(*, tenants: int = 100, tickets: int = 1_000_000, messages: int = 5_000_000,
               seed: int = 1, clear: bool = False,
               log: Callable[[str], None] | None = None) -> BenchReport:
    """Create ``tenants`` bench tenants holding ``tickets`` tickets and ``messages`` messages
    in all, with companies, people, licenses, events, followers and attachment rows in
    proportion. ``clear`` first removes the bench tenants of an earlier run (refused without).

    PostgreSQL only. One transaction: it holds ACCESS EXCLUSIVE locks on the big tables while
    it runs, since their indexes are dropped and rebuilt.
    """
    _check_sizes(tenants, tickets, messages)
    if connection.vendor != "postgresql":
        raise BenchError(POSTGRES_ONLY)
    phases = _Phases(log)
    rng = random.Random(seed)  # noqa: S311 - reproducible on purpose, nothing secret
    anchor = int(time.time()) // DAY * DAY  # the data ends at today's midnight (UTC)
    with transaction.atomic():
        with phases("clear"):
            truncated = _clear(clear)
        with phases("tenants, staff, companies, people, licenses"):
            world = _setup(rng, tenants, tickets, anchor)
        with phases("drop secondary indexes and foreign keys"):
            restore = _drop_secondary()
        with phases("tickets, messages, events, followers, attachments (COPY)"):
            maker = _TicketMaker(rng, anchor, world, messages)
            big_ticket = maker.load(freeze=truncated)
        with phases("analyze"), connection.cursor() as cursor:
            for model in (*BIG_MODELS, Company, User, Membership, License):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        with phases("rebuild indexes and foreign keys"), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for statement in restore:
                cursor.execute(statement)
        with phases("sequences, priority offsets"):
            _set_sequences(maker.last_ids)
            for tenant in world:
                refresh_priority_offsets(tenant=tenant.row)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        (size,) = cursor.fetchone()
    counts = {"tenants": len(world), "companies": sum(len(t.company_ids) for t in world),
              "people": sum(len(p) for t in world for p in t.members.values())
              + sum(len(t.staff) for t in world),
              **maker.rows}
    return BenchReport(counts=counts, seconds=phases.seconds, big_ticket=big_ticket,
                       host=world[0].row.host, database_size=size)


def _check_sizes(tenants: int, tickets: int, messages: int) -> None:
    if tenants < 1 or tickets < 1:
        raise BenchError("Give at least one tenant and one ticket.")
    if tenants > 999:
        raise BenchError("At most 999 tenants (bench-001 ... bench-999).")
    if not BIG_THREAD <= messages <= BIG_THREAD + MAX_THREAD * (tickets - 1):
        raise BenchError(f"Messages must be between {BIG_THREAD} (one ticket has exactly "
                         f"{BIG_THREAD}) and {MAX_THREAD} per ticket.")


class _Phases:
    """Seconds spent in each named phase, told to ``log`` as each one ends."""

    def __init__(self, log):
        self.seconds: dict[str, float] = {}
        self._log = log

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        if self._log:
            self._log(f"{name}: {self.seconds[name]:.1f} s")


# Clearing -------------------------------------------------------------------------------

def _table(model) -> str:
    return model._meta.db_table


def _clear(clear: bool) -> bool:
    """Remove the bench tenants of an earlier run; True when the big tables were truncated.

    When nothing but bench rows lives in the big tables and the tables that point at them,
    they are truncated (fast, and lets COPY write frozen rows); otherwise the bench rows are
    deleted and every other tenant's rows stay. The tenants themselves, with their people
    and companies, go through the ORM's cascade.
    """
    ids = list(bench_tenants().values_list("pk", flat=True))
    if ids and not clear:
        raise BenchError(BENCH_EXISTS % {"count": len(ids)})
    with connection.cursor() as cursor:
        closure = _referencing_closure(cursor, [_table(m) for m in BIG_MODELS])
        tenant_column = {t: _has_column(cursor, t, "tenant_id") for t in closure}
        foreign = any(_has_rows(cursor, table, ids if tenant_column[table] else None)
                      for table in closure)
        if not foreign:
            cursor.execute("TRUNCATE " + ", ".join(map(connection.ops.quote_name, closure)))
        elif ids:
            _delete_tenant_rows(cursor, closure, tenant_column, ids)
    if ids:
        # Rows that others point at with PROTECT go after the rows that point at them.
        for model in (TicketType, License):
            model.all_tenants.filter(tenant_id__in=ids).delete()
        bench_tenants().delete()
    return not foreign


def _referencing_closure(cursor, tables: list[str]) -> list[str]:
    """``tables`` and every table whose foreign keys point at one of them, recursively."""
    found = list(tables)
    for table in found:
        cursor.execute("SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
                       "WHERE contype = 'f' AND confrelid = %s::regclass", [table])
        found += [name for (name,) in cursor.fetchall() if name not in found]
    return found


def _has_column(cursor, table: str, column: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s "
                   "AND NOT attisdropped", [table, column])
    return cursor.fetchone() is not None


def _has_rows(cursor, table: str, bench_ids: list[int] | None) -> bool:
    """Whether ``table`` holds rows of tenants other than ``bench_ids`` (None: any rows)."""
    name = connection.ops.quote_name(table)
    if bench_ids is None:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # noqa: S608
    else:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name} "  # noqa: S608
                       "WHERE tenant_id IS NULL OR tenant_id <> ALL(%s))", [bench_ids])
    return cursor.fetchone()[0]


def _delete_tenant_rows(cursor, closure, tenant_column, ids) -> None:
    """Delete the bench tenants' rows of ``closure``; a table without a tenant column loses the
    rows that point at a bench tenant's row, so it goes first, while those rows still show.
    The foreign keys are deferred: they are checked once all is gone."""
    quote = connection.ops.quote_name
    for table in sorted(closure, key=tenant_column.get):
        if tenant_column[table]:
            cursor.execute(f"DELETE FROM {quote(table)} WHERE tenant_id = ANY(%s)", [ids])  # noqa: S608
            continue
        cursor.execute(
            "SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND c.conrelid = %s::regclass", [table])
        for column, target in cursor.fetchall():
            if target in closure and tenant_column[target]:
                cursor.execute(
                    f"DELETE FROM {quote(table)} WHERE {quote(column)} IN "  # noqa: S608
                    f"(SELECT id FROM {quote(target)} WHERE tenant_id = ANY(%s))", [ids])


# Indexes --------------------------------------------------------------------------------

def _drop_secondary() -> list[str]:
    """Drop the big tables' foreign keys, unique constraints and plain indexes (primary keys
    stay); return the statements that recreate them exactly, read from the catalogue."""
    tables = [_table(m) for m in BIG_MODELS]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Pending deferred checks would block ALTER TABLE; run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') "
            "ORDER BY contype, conrelid::regclass::text, conname", [tables])
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes i "
            "WHERE schemaname = current_schema() AND tablename = ANY(%s) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.contype IN ('p', 'u', 'x')"
            "  AND c.conrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.tablename))"
            "::regclass AND c.conname = i.indexname) "
            "ORDER BY tablename, indexname", [tables])
        indexes = cursor.fetchall()
        for table, name, _definition, _kind in constraints:  # 'f' sorts before 'u'
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for _table_name, name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    return ([definition for _t, _n, definition in indexes]
            + [f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
               for table, name, definition, _kind in reversed(constraints)])


def _set_sequences(last_ids: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        for table, last in last_ids.items():
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])


def _reserve_ids(cursor, table: str) -> int:
    """The first id of a block that COPY fills; `_set_sequences` moves the sequence past it."""
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
    return cursor.fetchone()[0]


# Tenants, staff, companies, people ------------------------------------------------------

def _shares(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, by largest remainder."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - exact[i])
    for i in by_remainder[:total - sum(shares)]:
        shares[i] += 1
    return shares


def _setup(rng: random.Random, tenants: int, tickets: int, anchor: int) -> list[_Tenant]:
    """The small tables: tenants with policy, departments, staff, ticket types, products and
    counters through the ORM; companies, people, memberships and licenses through COPY."""
    password = make_password(PASSWORD)
    sizes = _shares(tickets, [1 / (i + 1) ** TENANT_SKEW for i in range(tenants)])
    rows = Tenant.objects.bulk_create(
        Tenant(slug=f"{SLUG_PREFIX}{i + 1:03d}", name=f"Bench Vendor {i + 1:03d}")
        for i in range(tenants))
    TenantPolicy.objects.bulk_create(TenantPolicy(tenant=t) for t in rows)
    TicketCounter.all_tenants.bulk_create(
        TicketCounter(tenant=t, last_number=1000 + n) for t, n in zip(rows, sizes, strict=True))
    departments = Department.all_tenants.bulk_create(
        Department(tenant=t, name=name) for t in rows for name in DEPARTMENTS)
    by_name = {(d.tenant_id, d.name): d for d in departments}
    types = TicketType.all_tenants.bulk_create(
        TicketType(tenant=t, name=name, kind=kind, department=by_name[t.pk, department],
                   position=position)
        for t in rows for position, (name, kind, department) in enumerate(TYPES))
    start = anchor - YEARS * 365 * DAY
    products = Product.all_tenants.bulk_create(
        Product(tenant=t, name=name, kind=kind) for t in rows
        for name, kind in (("Bench Commerce", ProductKind.MAIN),
                           ("Bench Add-on: Search", ProductKind.ADDON)))
    mains = {p.tenant_id: p for p in products if p.kind == ProductKind.MAIN}
    addons = {p.tenant_id: p for p in products if p.kind == ProductKind.ADDON}
    versions = ProductVersion.all_tenants.bulk_create(
        ProductVersion(tenant_id=tenant_id, product=product, branch=f"5.{n}",
                       number=f"5.{n}.{n * 3 % 7}",
                       released_on=_aware(start + n * YEARS * 365 * DAY // 6).date())
        for tenant_id, product in mains.items() for n in range(6))
    world = []
    staff_rows = []
    hired = _aware(start - 400 * DAY)
    for t, size in zip(rows, sizes, strict=True):
        agents = 1 + rng.randrange(4)
        for n in range(agents + 1):
            email = (f"manager@{t.slug}.example" if n == agents
                     else AGENT_EMAIL if (n, t.slug) == (0, f"{SLUG_PREFIX}001")
                     else f"agent{n + 1}@{t.slug}.example")
            staff_rows.append(User(
                tenant=t, email=email, password=password, is_staff=True,
                staff_role=StaffRole.MANAGER if n == agents else StaffRole.AGENT,
                first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                email_verified_at=hired, date_joined=hired))
        world.append(_Tenant(
            row=t, pk=t.pk, tickets=size, company_ids=[], company_sizes=[], members={},
            agents=[], staff=[], versions=[v.pk for v in versions if v.tenant_id == t.pk],
            types=[(tt.pk, tt.kind, tt.department_id) for tt in types if tt.tenant_id == t.pk]))
    staff = User.objects.bulk_create(staff_rows)
    User.departments.through.objects.bulk_create(
        User.departments.through(user_id=u.pk, department_id=d.pk)
        for u in staff for d in departments if d.tenant_id == u.tenant_id)
    for tenant in world:
        tenant.staff = [u.pk for u in staff if u.tenant_id == tenant.pk]
        tenant.agents = [u.pk for u in staff if u.tenant_id == tenant.pk
                         and u.staff_role == StaffRole.AGENT]
    _copy_companies(rng, world, password, start, mains, addons)
    return world


def _copy_companies(rng, world, password, start, mains, addons) -> None:
    """Companies (Zipf-like sizes), their people (a primary, then advanced and secondary
    members, more for bigger companies), memberships and licenses, in four COPYs."""
    companies, people, memberships, licenses = [], [], [], []
    with connection.cursor() as cursor:
        ids = {model: _reserve_ids(cursor, model._meta.db_table)
               for model in (Company, User, Membership, License)}
        company_id, user_id = ids[Company], ids[User]
        membership_id, license_id = ids[Membership], ids[License]
        # Names, emails and keys number companies within their tenant, not by id: the same
        # seed gives the same data whatever the sequences had reached.
        for i, tenant in enumerate(world, start=1):
            count = max(1, math.ceil(tenant.tickets / TICKETS_PER_COMPANY))
            tenant.company_sizes = _shares(
                tenant.tickets, [1 / (j + 1) ** COMPANY_SKEW for j in range(count)])
            for j, size in enumerate(tenant.company_sizes):
                big = j == 0 and tenant is world[0]
                created = start - rng.randrange(365 * DAY)
                city, country, postcode = rng.choice(CITIES)
                name = (BIG_COMPANY if big else f"{rng.choice(COMPANY_WORDS)} "
                        f"{rng.choice(COMPANY_KINDS)} {j + 1}")
                presales = not big and rng.random() < 0.1
                companies.append(
                    f"{company_id}\t{tenant.pk}\t{name}\tVAT{i:03d}{j + 1:06d}\t"
                    f"+39 02 {i:03d} {j + 1:06d}\tVia Roma {j + 1}\t{city}\t{postcode}"
                    f"\t{country}\t{_bool(presales)}\t0\t{_timestamp(created)}")
                tenant.company_ids.append(company_id)
                team = 1 + min(9, int(math.sqrt(size) / 4) + rng.randrange(2))
                tenant.members[company_id] = list(range(user_id, user_id + team))
                for n in range(team):
                    email = (CUSTOMER_EMAIL if big and n == 0
                             else f"person{n + 1}@company{j + 1}.example")
                    joined = _timestamp(created + n * DAY)
                    people.append(
                        f"{user_id}\t{password}\t{tenant.pk}\t{email}\t"
                        f"{rng.choice(FIRST_NAMES)}\t{rng.choice(LAST_NAMES)}\t{joined}\t"
                        f"{joined}")
                    role = Role.PRIMARY if n == 0 else Role.ADVANCED if n == 1 else Role.SECONDARY
                    memberships.append(f"{membership_id}\t{tenant.pk}\t{user_id}\t{company_id}"
                                       f"\t{role}\t{joined}")
                    user_id += 1
                    membership_id += 1
                if not presales:
                    licenses.append(_license(license_id, tenant, company_id, j + 1, mains,
                                             NULL, created))
                    if rng.random() < 0.3:
                        licenses.append(_license(license_id + 1, tenant, company_id, j + 1,
                                                 addons, license_id, created))
                        license_id += 1
                    license_id += 1
                company_id += 1
        copy = cursor.cursor
        _copy(copy, _table(Company), "id tenant_id name vat_code phone address city postcode "
              "country is_presales priority_offset created_at", companies)
        _copy(copy, _table(User), "id password tenant_id email first_name last_name "
              "date_joined email_verified_at", people, fixed={
                  "is_superuser": "f", "phone": "", "notification_email": "", "language": "en",
                  "time_zone": "", "news_company": "f", "news_promotions": "f",
                  "news_security": "t", "news_products": "f", "news_minor_releases": "f",
                  "hide_closed_rated": "f", "is_active": "t", "is_staff": "f",
                  "staff_role": ""})
        _copy(copy, _table(Membership), "id tenant_id user_id company_id role created_at",
              memberships)
        _copy(copy, _table(License), "id tenant_id company_id product_id key url status "
              "parent_id purchased_on", licenses)
        _set_sequences({Company._meta.db_table: company_id - 1, User._meta.db_table: user_id - 1,
                        Membership._meta.db_table: membership_id - 1,
                        License._meta.db_table: license_id - 1})


def _license(pk, tenant, company_id, number, products, parent, created) -> str:
    """A license row; ``number`` is the company's within its tenant."""
    product = products[tenant.pk]
    return (f"{pk}\t{tenant.pk}\t{company_id}\t{product.pk}\t"
            f"BN-{number:06d}-{product.kind.upper()}\thttps://shop{number}.example/\tactive\t"
            f"{parent}\t{_date(created)}")


def _copy(cursor, table: str, columns: str, lines: list[str], *, fixed: dict | None = None,
          freeze: bool = False) -> None:
    """COPY ``lines`` (text format: tab-separated ``columns``) into ``table`` on a psycopg
    cursor; each of the ``fixed`` columns gets the same value in every row."""
    names = columns.split()
    if fixed:
        names += list(fixed)
        suffix = "\t" + "\t".join(fixed.values())
        lines = [line + suffix for line in lines]
    sql = (f"COPY {connection.ops.quote_name(table)} "
           f"({', '.join(map(connection.ops.quote_name, names))}) FROM STDIN"
           + (" WITH (FREEZE)" if freeze else ""))
    with cursor.copy(sql) as copy:
        copy.write("\n".join(lines))
        copy.write("\n")


# Times in COPY's text format ------------------------------------------------------------

def _timestamp(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


def _date(epoch: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def _aware(epoch: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC)


def _bool(value: bool) -> str:
    return "t" if value else "f"


# Tickets and their threads --------------------------------------------------------------

TICKET_COLUMNS = (
    "id tenant_id number company_id created_by_id type_id kind department_id subject status "
    "priority hotrush quote_requested quote_credits quote_scope quote_sent_at "
    "product_version_id assignee_id solved first_response_due_at first_response_at "
    "last_message_at last_message_by_id last_message_by_staff survey_sent_at status_changed_at "
    "closed_at rating rating_comment rated_at created_at updated_at queue_score")
MESSAGE_COLUMNS = "id tenant_id ticket_id public_id author_id by_staff internal body created_at"
EVENT_COLUMNS = ("id tenant_id ticket_id kind actor_id from_status to_status reason data "
                 "message_id rule created_at")
FOLLOWER_COLUMNS = "id tenant_id ticket_id user_id created_at"
ATTACHMENT_COLUMNS = "id tenant_id message_id file name size content_type sha256"

S = Status
QUOTE_STATUSES = frozenset({S.AWAITING_QUOTE, S.QUOTE_SENT})
UNSTAFFED = frozenset({S.SUBMITTED, S.AWAITING_QUOTE})


@dataclasses.dataclass
class _Batch:
    tickets: list[str] = dataclasses.field(default_factory=list)
    messages: list[str] = dataclasses.field(default_factory=list)
    events: list[str] = dataclasses.field(default_factory=list)
    followers: list[str] = dataclasses.field(default_factory=list)
    attachments: list[str] = dataclasses.field(default_factory=list)


class _TicketMaker:
    """Tickets with their threads, events, followers and attachment rows, made in batches and
    streamed to PostgreSQL by a `_CopyWriter`; remembers the last id used in each table."""

    def __init__(self, rng: random.Random, anchor: int, world: list[_Tenant], messages: int):
        self.rng = rng
        self.anchor = anchor
        self.world = world
        self.messages = messages
        self.rows: dict[str, int] = {}
        self.last_ids: dict[str, int] = {}
        self.next_id: dict[str, int] = {}
        self.public_salt = self.public_count = 0  # the current tenant's public_id series
        first_day = anchor // DAY - YEARS * 365 - 1
        self.day_offset = first_day
        self.days = [time.strftime("%Y-%m-%d ", time.gmtime(d * DAY))
                     for d in range(first_day, anchor // DAY + 1)]
        self.clock = [f"{h:02d}:{m:02d}:{s:02d}+00"
                      for h in range(24) for m in range(60) for s in range(60)]
        self.customer_bodies = self._bodies(CUSTOMER_SENTENCES)
        self.staff_bodies = self._bodies(STAFF_SENTENCES)

    def _bodies(self, sentences) -> list[str]:
        """256 message texts of one to three paragraphs, escaped for COPY's text format."""
        rng = self.rng
        return ["\\n\\n".join(" ".join(rng.choices(sentences, k=rng.randint(1, 4)))
                              for _ in range(rng.randint(1, 3))) for _ in range(256)]

    def stamp(self, epoch: int | None) -> str:
        if epoch is None:
            return NULL
        return self.days[epoch // DAY - self.day_offset] + self.clock[epoch % DAY]

    def load(self, *, freeze: bool) -> int:
        """Make and COPY every tenant's tickets; return the number of the 40-message ticket."""
        sequences = [self._ticket_companies(tenant) for tenant in self.world]
        big_company = self.world[0].company_ids[0]
        big_at = max(k for k, company in enumerate(sequences[0]) if company == big_company)
        lengths = self._thread_lengths(sum(t.tickets for t in self.world), big_at)
        tables = {name: _table(model) for name, model in (
            ("tickets", Ticket), ("messages", Message), ("events", TicketEvent),
            ("followers", TicketFollower), ("attachments", Attachment))}
        with connection.cursor() as cursor:
            first = {name: _reserve_ids(cursor, table) for name, table in tables.items()}
        self.next_id = dict(first)
        writer = _CopyWriter(freeze)
        try:
            offset = 0
            for tenant, sequence in zip(self.world, sequences, strict=True):
                for batch in self._tenant(tenant, sequence, lengths[offset:offset + tenant.tickets],
                                          big_at if tenant is self.world[0] else -1):
                    writer.put(tables["tickets"], TICKET_COLUMNS, batch.tickets)
                    writer.put(tables["followers"], FOLLOWER_COLUMNS, batch.followers)
                    writer.put(tables["messages"], MESSAGE_COLUMNS, batch.messages)
                    writer.put(tables["attachments"], ATTACHMENT_COLUMNS, batch.attachments)
                    writer.put(tables["events"], EVENT_COLUMNS, batch.events)
                offset += tenant.tickets
        finally:
            writer.close()
        self.rows = {name: self.next_id[name] - first[name] for name in tables}
        self.last_ids = {tables[name]: self.next_id[name] - 1 for name in tables}
        return 1001 + big_at

    def _ticket_companies(self, tenant: _Tenant) -> list[int]:
        """The company of each of the tenant's tickets, in ticket-number order."""
        sequence = [company for company, size in zip(tenant.company_ids, tenant.company_sizes,
                                                      strict=True) for _ in range(size)]
        self.rng.shuffle(sequence)
        return sequence

    def _thread_lengths(self, tickets: int, big_at: int) -> list[int]:
        """Messages per ticket, 0 to 60, adding up to exactly the asked total; one ticket has
        exactly 40. Geometric, so most threads are short and a few are long."""
        rng = self.rng
        others = self.messages - BIG_THREAD
        mean = others / (tickets - 1) if tickets > 1 else 0
        least = 1 if mean >= 1 else 0
        extra = max(mean - least, 1e-9)
        log_keep = math.log(extra / (1 + extra))
        lengths = [min(MAX_THREAD, least + int(math.log(1 - rng.random()) / log_keep))
                   for _ in range(tickets)]
        lengths[big_at] = BIG_THREAD
        missing = self.messages - sum(lengths)
        while missing:
            i = rng.randrange(tickets)
            if i == big_at:
                continue
            if missing > 0 and lengths[i] < MAX_THREAD:
                lengths[i] += 1
                missing -= 1
            elif missing < 0 and lengths[i] > least:
                lengths[i] -= 1
                missing += 1
        return lengths

    def _tenant(self, tenant: _Tenant, sequence: list[int], lengths: list[int],
                big_at: int) -> Iterator[_Batch]:
        span = YEARS * 365 * DAY
        start = self.anchor - span
        self.public_salt = self.rng.getrandbits(PUBLIC_ID_BITS)
        self.public_count = 0
        batch = _Batch()
        for k in range(tenant.tickets):
            created = start + int((k + self.rng.random()) * span / tenant.tickets)
            self._ticket(batch, tenant, 1001 + k, created, sequence[k], lengths[k], k == big_at)
            if len(batch.tickets) >= BATCH_TICKETS:
                yield batch
                batch = _Batch()
        if batch.tickets:
            yield batch

    def _ticket(self, batch: _Batch, tenant: _Tenant, number: int, created: int,
                company: int, length: int, big: bool) -> None:
        """One ticket, its thread and history, consistent with each other (T-3, T-4, T-12)."""
        rng, rand, anchor = self.rng, self.rng.random, self.anchor
        members, staff, agents = tenant.members[company], tenant.staff, tenant.agents
        creator = (members[0] if big or len(members) == 1 or rand() < 0.5
                   else members[int(rand() * len(members))])
        type_id, kind, department = tenant.types[TYPE_SLOTS[int(rand() * 20)]]
        priority = PRIORITY_SLOTS[int(rand() * 20)]
        if big:
            status = S.IN_PROGRESS
        elif rand() < (OPEN_RECENT if anchor - created < RECENT_DAYS * DAY else OPEN_OLD):
            status = OPEN_STATUSES[int(rand() * 100)]
        else:
            status = S.CLOSED
        staffed = status not in UNSTAFFED and (length > 1 or status != S.CLOSED)
        assignee = (agents[0] if big else agents[int(rand() * len(agents))]) if staffed else None
        ticket_id = self.next_id["tickets"]
        self.next_id["tickets"] += 1
        tenant_id = tenant.pk

        # The thread: customer and staff take turns, with a few internal notes between.
        days, offset, clock = self.days, self.day_offset, self.clock
        lines = batch.messages
        customer_bodies, staff_bodies = self.customer_bodies, self.staff_bodies
        bits, expo = rng.getrandbits, rng.expovariate
        message_id = self.next_id["messages"]
        salt, count, mask = self.public_salt, self.public_count, (1 << PUBLIC_ID_BITS) - 1
        rate = 1 / max(1.0, min(12 * 3600, (anchor - created) / (length + 2)))
        moment = created
        first_message = NULL
        replied_at = public_at = public_by = None
        public_staff = staff_turn = False
        for i in range(length):
            internal = False
            if i == 0:
                author, by_staff, first_message = creator, False, message_id
            else:
                moment = min(anchor, moment + 1 + int(expo(rate)))
                if not big and rand() < NOTE_SHARE:
                    internal = True
                else:
                    staff_turn = not staff_turn
                by_staff = internal or staff_turn
                if by_staff:
                    author = assignee or staff[int(rand() * len(staff))]
                else:
                    author = (creator if big or rand() < 0.85
                              else members[int(rand() * len(members))])
            when = days[moment // DAY - offset] + clock[moment % DAY]
            public_id = f"{(salt + count * PUBLIC_ID_ODD) & mask:010X}"
            count += 1
            if by_staff:
                lines.append(f"{message_id}\t{tenant_id}\t{ticket_id}\t{public_id}\t{author}"
                             f"\tt\t{'t' if internal else 'f'}\t{staff_bodies[bits(8)]}\t{when}")
            else:
                lines.append(f"{message_id}\t{tenant_id}\t{ticket_id}\t{public_id}\t{author}"
                             f"\tf\tf\t{customer_bodies[bits(8)]}\t{when}")
            if not internal:
                public_at, public_by, public_staff = moment, author, by_staff
                if by_staff and replied_at is None:
                    replied_at = moment
            if rand() < ATTACHMENT_SHARE:
                self._attachment(batch, tenant_id, message_id, public_id, when)
            message_id += 1
        self.next_id["messages"] = message_id
        self.public_count = count
        last = moment

        # The history: created, then the status moves that led to today's status.
        moves = []  # (from, to, actor, when, rule)
        assigned = min(anchor, max(created, replied_at - 30 if replied_at else created + 300))
        after = max(last, assigned)
        closed_at = None
        if status == S.CLOSED:
            if assignee is None:
                closed_at = min(anchor, after + 1 + int(expo(1 / DAY)))
                moves.append((S.SUBMITTED, S.CLOSED, creator, closed_at, ""))
            elif rand() < 0.35:
                pre_closed = min(anchor, after + 5 * DAY)
                closed_at = min(anchor, pre_closed + 3 * DAY)
                moves += [(S.SUBMITTED, S.ASSIGNED, assignee, assigned, ""),
                          (S.ASSIGNED, S.PRE_CLOSED, None, pre_closed, "AUTO-3"),
                          (S.PRE_CLOSED, S.CLOSED, None, closed_at, "AUTO-4")]
            else:
                closed_at = min(anchor, after + 1 + int(expo(1 / DAY)))
                moves += [(S.SUBMITTED, S.ASSIGNED, assignee, assigned, ""),
                          (S.ASSIGNED, S.CLOSED, assignee if rand() < 0.6 else creator,
                           closed_at, "")]
        elif status == S.QUOTE_SENT:
            moves.append((S.AWAITING_QUOTE, S.QUOTE_SENT, assignee, assigned, ""))
        elif status != S.SUBMITTED and status != S.AWAITING_QUOTE:
            moves.append((S.SUBMITTED, S.ASSIGNED, assignee, assigned, ""))
            if status == S.IN_PROGRESS:
                moves.append((S.ASSIGNED, S.IN_PROGRESS, assignee, min(anchor, assigned + 600),
                              ""))
            elif status == S.PRE_CLOSED:
                moves.append((S.ASSIGNED, S.PRE_CLOSED, assignee, min(anchor, after + DAY), ""))
            elif status == S.REOPENED:
                closed = min(anchor, after + 3600)
                moves += [(S.ASSIGNED, S.CLOSED, assignee, closed, ""),
                          (S.CLOSED, S.REOPENED, creator, min(anchor, closed + DAY), "")]
        stamp = self.stamp
        event_id = self.next_id["events"]
        quote = status in QUOTE_STATUSES
        events = batch.events
        events.append(f"{event_id}\t{tenant_id}\t{ticket_id}\t{EventKind.CREATED}\t{creator}\t\t"
                      f"{S.AWAITING_QUOTE if quote else S.SUBMITTED}\t\t{{}}\t{first_message}"
                      f"\t\t{stamp(created)}")
        for source, target, actor, moved_at, rule in moves:
            event_id += 1
            events.append(f"{event_id}\t{tenant_id}\t{ticket_id}\t{EventKind.STATUS}\t"
                          f"{NULL if actor is None else actor}\t{source}\t{target}\t\t{{}}\t"
                          f"{NULL}\t{rule}\t{stamp(moved_at)}")
        self.next_id["events"] = event_id + 1
        changed = moves[-1][3] if moves else created

        rated_at = rating = survey = None
        if closed_at is not None:
            if closed_at + SURVEY_DELAY <= anchor:
                survey = closed_at + SURVEY_DELAY
            if rand() < RATED_SHARE:
                rating = RATINGS[int(rand() * 20)]
                rated_at = min(anchor, closed_at + 3600 + int(rand() * 3 * DAY))
        solved = kind == Kind.SUPPORT and (status == S.PRE_CLOSED
                                            or (closed_at is not None and rand() < 0.7))
        hotrush = kind == Kind.SUPPORT and not quote and rand() < 0.01
        version = (tenant.versions[int(rand() * len(tenant.versions))]
                   if kind == Kind.SUPPORT and rand() < 0.5 else NULL)
        quote_sent = moves[0][3] if status == S.QUOTE_SENT else None
        batch.tickets.append("\t".join((
            str(ticket_id), str(tenant_id), str(number), str(company), str(creator), str(type_id),
            kind, str(department), SUBJECTS[int(rand() * len(SUBJECTS))], status, priority,
            _bool(hotrush), _bool(quote),
            str(1 + int(rand() * 20)) if quote_sent else NULL,
            "Estimate for the custom work" if quote_sent else "", stamp(quote_sent),
            str(version), NULL if assignee is None else str(assignee), _bool(solved),
            stamp(created + (DUE["major"] if hotrush else DUE[priority])), stamp(replied_at),
            stamp(public_at), NULL if public_by is None else str(public_by),
            _bool(public_staff), stamp(survey), stamp(changed), stamp(closed_at),
            NULL if rating is None else str(rating), "", stamp(rated_at), stamp(created),
            stamp(max(last, changed, rated_at or 0)),
            # The weight alone: the offsets, computed from these tickets at the end, are
            # then added to the open tickets' scores by refresh_priority_offsets.
            str(PRIORITY_WEIGHTS[priority]))))
        follower_id = self.next_id["followers"]
        batch.followers.append(f"{follower_id}\t{tenant_id}\t{ticket_id}\t{creator}\t"
                               f"{stamp(created)}")
        self.next_id["followers"] = follower_id + 1

    def _attachment(self, batch: _Batch, tenant_id: int, message_id: int, public_id: str,
                    when: str) -> None:
        """Metadata only: ``file`` names a path under MEDIA_ROOT that holds no file."""
        pk = self.next_id["attachments"]
        self.next_id["attachments"] = pk + 1
        name, content_type = ATTACHMENTS[int(self.rng.random() * len(ATTACHMENTS))]
        batch.attachments.append(
            f"{pk}\t{tenant_id}\t{message_id}\tattachments/{when[:4]}/{when[5:7]}/bench-"
            f"{public_id}-{name}\t{name}\t{1024 + self.rng.getrandbits(22)}\t{content_type}"
            f"\t{self.rng.getrandbits(256):064x}")


class _CopyWriter:
    """COPY on the transaction's connection from a thread of its own, so that PostgreSQL
    stores one batch while Python makes the next (the two cores both work)."""

    def __init__(self, freeze: bool):
        self._pg = connection.connection  # psycopg's connection, inside Django's transaction
        self._freeze = freeze
        self._queue: queue.Queue = queue.Queue(maxsize=10)
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="seed-bench-copy", daemon=True)
        self._thread.start()

    def put(self, table: str, columns: str, lines: list[str]) -> None:
        if self._error is not None:
            raise self._error
        if lines:
            self._queue.put((table, columns, lines))

    def close(self) -> None:
        """Wait for the queued batches; raise the writer's error, if it had one."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        with self._pg.cursor() as cursor:
            while (item := self._queue.get()) is not None:
                if self._error is None:  # after an error, only drain the queue
                    try:
                        _copy(cursor, *item, freeze=self._freeze)
                    except Exception as error:  # handed to the main thread
                        self._error = error
