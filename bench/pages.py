"""The page benchmark: the portal's busiest pages under gunicorn and wrk, beside a floor.

``python -m bench.pages --database-url postgres://...`` (``make bench``, ``make bench-smoke``)
starts gunicorn with production settings on 127.0.0.1, logs in through the real login form
as the big company's customer and as a staff agent, loads each page with wrk, counts each
page's SQL queries in this process, reads the workers' peak RSS, and writes the ``pages``
section of docs/performance.json and docs/performance.md (``bench.report``). README.md beside
this file says what each figure means. Nothing here judges timings: the targets are printed
beside the figures.
"""
import argparse
import contextlib
import dataclasses
import datetime
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
BASE_DOMAIN = "bench.test"
TENANT = "bench-001"
# The pages find_pages() loads beside the floor, for --only.
PAGE_NAMES = ("index", "ticket", "search", "dashboard", "queue")
# What `--prepare tiny` seeds: a few seconds, enough for every page to have its data.
TINY = {"tenants": 2, "tickets": 60, "messages": 400}
FLOOR_SHARE, P99_MS, MAX_QUERIES, MAX_RSS_MB = 0.6, 100, 8, 150
START_SECONDS = 60
WRK_TIMEOUT = "10s"


def say(message: str) -> None:
    """Progress, on stderr: the figures go to stdout and the report files."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchFailure(Exception):
    """The benchmark could not run, or a page did not answer as it should."""


@dataclasses.dataclass
class Page:
    name: str
    title: str
    path: str
    login: str  # "customer" or "agent"
    status: int = 200
    location: str = ""  # where a redirect must lead: a search that found its message


@dataclasses.dataclass
class Server:
    process: subprocess.Popen
    port: int
    host: str

    def get(self, path: str, *, method: str = "GET", body: str | None = None,
            headers: dict | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
        """One request as the TLS proxy would pass it on: the tenant's host, X-Forwarded-Proto."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers={
                "Host": self.host, "X-Forwarded-Proto": "https", **(headers or {})})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pages",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="postgres:// URL of the bench database (default: $DATABASE_URL)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                        help="the cache of the app under test (default: local Redis, db 14)")
    parser.add_argument("--prepare", choices=["none", "full", "tiny"], default="none",
                        help="full: create and migrate the database and run seed_bench at "
                        "full size unless bench tenants exist; tiny: the same, but always "
                        f"re-seed with {TINY}; none (default): use the data as it is")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk a page")
    parser.add_argument("--warmup", type=int, default=20,
                        help="requests a page before wrk starts (the status is checked)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers")
    parser.add_argument("--tenant", default=TENANT, help=f"tenant slug (default {TENANT})")
    parser.add_argument("--customer", help="customer login (default: seed_bench's)")
    parser.add_argument("--agent", help="staff agent login (default: seed_bench's)")
    parser.add_argument("--password", help="password of both (default: seed_bench's)")
    parser.add_argument("--ticket", type=int,
                        help="number of the ticket page (default: the customer's company's "
                        "ticket with 40 public messages)")
    parser.add_argument("--only", type=lambda names: set(names.split(",")), default=set(),
                        help="load only these pages (comma-separated names) beside the floor, "
                        "to compare a change; write the results outside docs/")
    parser.add_argument("--json", type=Path, default=report.JSON_PATH, dest="json_path")
    parser.add_argument("--markdown", type=Path, default=report.MARKDOWN_PATH,
                        dest="markdown_path")
    args = parser.parse_args(argv)
    if unknown := args.only - set(PAGE_NAMES):
        parser.error(f"--only: no page named {', '.join(sorted(unknown))}; the pages are "
                     f"{', '.join(PAGE_NAMES)}")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("give --database-url postgres://... (or set DATABASE_URL)")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed: apt-get install wrk")
    if args.duration < 1:
        parser.error("--duration is whole seconds, at least 1")
    return args


def production_environment(args: argparse.Namespace) -> dict[str, str]:
    """Every variable production requires, fresh secrets included, with the floor's URLs."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": f"{BASE_DOMAIN},.{BASE_DOMAIN}",
        "BASE_DOMAIN": BASE_DOMAIN,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        # Required by production; no page of the benchmark sends mail.
        "EMAIL_URL": "smtp://127.0.0.1:1",
        "LOG_LEVEL": "WARNING",
    }


def create_database(url: str) -> None:
    """Create the database ``url`` names unless it exists, connecting to ``postgres``."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = urllib.parse.unquote(parts.path.lstrip("/"))
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    from bench.seed import bench_tenants

    call_command("migrate", verbosity=0, interactive=False)
    if args.prepare == "tiny":
        call_command("seed_bench", **TINY, clear=True, stdout=sys.stderr)
    elif not bench_tenants().exists():
        call_command("seed_bench", stdout=sys.stderr)


def settle() -> None:
    """VACUUM (ANALYZE) the database, as autovacuum would have after the load: the visibility
    map lets counts use index-only scans, and the statistics are fresh. Without it, a run
    measures whatever earlier runs (the job benchmark's rolled-back writes) left behind."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def find_pages(args: argparse.Namespace) -> tuple[list[Page], dict]:
    """The pages to load and what the data holds: the tenant, the logins, the 40-message ticket
    of the customer's company and one of its public message IDs."""
    from django.db.models import Count, Q
    from django.urls import reverse

    from accounts.models import Membership, Tenant, User
    from bench import seed
    from tickets.models import Message, Ticket

    tenant = Tenant.objects.filter(slug=args.tenant).first()
    if tenant is None:
        raise BenchFailure(f"No tenant {args.tenant}: run manage.py seed_bench, or --prepare.")
    args.customer = args.customer or seed.CUSTOMER_EMAIL
    args.agent = args.agent or seed.AGENT_EMAIL
    args.password = args.password or seed.PASSWORD
    customer = User.objects.for_tenant(tenant).filter(email=args.customer).first()
    if customer is None or not User.objects.for_tenant(tenant).filter(
            email=args.agent, is_staff=True).exists():
        raise BenchFailure(f"{args.customer} or staff {args.agent} is missing at {tenant.slug}.")
    company = Membership.objects.for_tenant(tenant).get(user=customer).company
    tickets = Ticket.objects.for_tenant(tenant).filter(company=company)
    if args.ticket:
        ticket = tickets.get(number=args.ticket)
    else:
        ticket = (tickets.alias(public=Count("messages", filter=Q(messages__internal=False)))
                  .filter(public=seed.BIG_THREAD).order_by("number").first())
        if ticket is None:
            raise BenchFailure(f"{company} has no ticket with {seed.BIG_THREAD} public "
                               "messages: give --ticket.")
    public = list(Message.objects.for_tenant(tenant).filter(ticket=ticket, internal=False)
                  .order_by("created_at", "pk").values_list("public_id", flat=True))
    message_id = public[len(public) // 2]
    detail = reverse("tickets:detail", args=[ticket.number])
    search = reverse("tickets:search") + "?" + urllib.parse.urlencode({"message_id": message_id})
    pages = [
        Page("floor", "Floor: base template, in-memory rows", reverse("bench_floor"), "customer"),
        Page("index", "Communication index", reverse("tickets:index"), "customer"),
        Page("ticket", f"Ticket page, {len(public)} public messages", detail, "customer"),
        Page("search", "Search by message ID (redirect)", search, "customer", status=302,
             location=f"{detail}#m-{message_id}"),
        Page("dashboard", "Dashboard", reverse("dashboard"), "customer"),
        Page("queue", "Staff queue (admin changelist, default ordering)",
             reverse("admin:tickets_ticket_changelist"), "agent"),
    ]
    data = {
        "tenant": tenant.slug,
        "bench_tenants": seed.bench_tenants().count(),
        "tickets": Ticket.all_tenants.count(),
        "messages": Message.all_tenants.count(),
        "company": company.name,
        "company_tickets": tickets.count(),
        "ticket": ticket.number,
        "ticket_public_messages": len(public),
        "customer": args.customer,
        "agent": args.agent,
    }
    return pages, data


def collect_static() -> None:
    """Production serves hashed static files through WhiteNoise: its manifest must exist."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(environment: dict[str, str], *, workers: int, host: str, log_path: Path):
    """gunicorn with ``workers`` sync workers on a free loopback port, stopped (its whole
    process group) on the way out."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--timeout", "120",
               # Its default path is one per user: two runs at once would fight over it.
               "--no-control-socket"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own server, from our own venv
            command, cwd=ROOT, env={**os.environ, **environment}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port, host)
    try:
        _wait_until_up(server, log_path)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(server: Server, log_path: Path) -> None:
    from django.urls import reverse

    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchFailure(f"gunicorn stopped:\n{_tail(log_path)}")
        with contextlib.suppress(OSError):
            status, _headers, _body = server.get(reverse("healthz"))
            if status == 200 and len(worker_pids(server.process.pid)) > 0:
                return
        time.sleep(0.2)
    raise BenchFailure(f"gunicorn did not answer in {START_SECONDS} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def worker_peak_rss_mb(master: int) -> dict[int, float]:
    """VmHWM, the peak resident set since the process started, of each gunicorn worker."""
    peaks = {}
    for pid in worker_pids(master):
        with contextlib.suppress(FileNotFoundError):
            status = Path(f"/proc/{pid}/status").read_text()
            kilobytes = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))
            peaks[pid] = round(kilobytes / 1024, 1)
    return peaks


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def log_in(server: Server, email: str, password: str) -> dict[str, str]:
    """Log in through the login form, as a browser would; the session and CSRF cookies."""
    from django.conf import settings
    from django.urls import reverse

    login = reverse("accounts:login")
    status, headers, body = server.get(login)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None:
        raise BenchFailure(f"The login page answered {status} without a form.")
    cookies = _cookies(headers)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode(),
                                   "email": email, "password": password})
    status, headers, _body = server.get(login, method="POST", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(cookies),
        "Origin": f"https://{server.host}", "Referer": f"https://{server.host}{login}"})
    cookies.update(_cookies(headers))
    if status != 302 or settings.SESSION_COOKIE_NAME not in cookies:
        raise BenchFailure(f"Logging in as {email} answered {status}, without a session: "
                           "wrong --password, or a second factor?")
    return cookies


def count_queries(page: Page, host: str, cookies: dict[str, str]) -> dict:
    """One request after a warm-up one, in this process with the same settings and database:
    the page's SQL queries and size. Checks the status, and where a redirect leads."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
    for name, value in cookies.items():
        client.cookies[name] = value
    client.get(page.path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.path)
    _check(page, response.status_code, response.get("Location", ""))
    return {"queries": len(queries), "bytes": len(response.content)}


def _check(page: Page, status: int, location: str) -> None:
    if status != page.status:
        raise BenchFailure(f"{page.path} answered {status}, not {page.status}.")
    if page.location and location != page.location:
        raise BenchFailure(f"{page.path} led to {location!r}, not {page.location!r}.")


def floor_rows(host: str, cookies: dict[str, str], path: str, target_bytes: int) -> int:
    """How many rows make the floor page as large as ``target_bytes``."""
    from bench.floor import MAX_ROWS

    probe = Page("floor", "", path, "customer")
    empty = count_queries(dataclasses.replace(probe, path=f"{path}?rows=0"), host, cookies)
    hundred = count_queries(dataclasses.replace(probe, path=f"{path}?rows=100"), host, cookies)
    per_row = (hundred["bytes"] - empty["bytes"]) / 100
    return min(MAX_ROWS, max(0, round((target_bytes - empty["bytes"]) / per_row)))


def run_wrk(server: Server, page: Page, cookies: dict[str, str],
            args: argparse.Namespace) -> dict:
    command = [shutil.which("wrk"), f"-t{args.threads}", f"-c{args.connections}",
               f"-d{args.duration}s", "--timeout", WRK_TIMEOUT, "--latency",
               "-s", str(WRK_SCRIPT), "-H", f"Host: {server.host}",
               "-H", "X-Forwarded-Proto: https", "-H", f"Cookie: {cookie_header(cookies)}",
               f"http://127.0.0.1:{server.port}{page.path}"]
    done = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                          timeout=args.duration + 60, check=False)
    line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH-JSON ")),
                None)
    if done.returncode != 0 or line is None:
        raise BenchFailure(f"wrk failed on {page.path}:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("BENCH-JSON "))
    seconds = result["duration_us"] / 1e6
    latency = result.pop("latency_us")
    return {
        **result,
        "requests_per_s": round(result["requests"] / seconds, 1),
        "latency_ms": {key: round(value / 1000, 2) for key, value in latency.items()},
        "unexpected": sum(count for status, count in result["statuses"].items()
                          if int(status) != page.status) + sum(
            count for kind, count in result["errors"].items() if kind != "status"),
    }


def load_page(server: Server, page: Page, logins: dict, counted: dict,
         args: argparse.Namespace) -> dict:
    """Warm-up requests (their status checked), then wrk on ``page``: its results."""
    cookies = logins[page.login]
    for _ in range(args.warmup):
        status, headers, _body = server.get(page.path,
                                            headers={"Cookie": cookie_header(cookies)})
        _check(page, status, dict(headers).get("Location", ""))
    say(f"{page.name}: wrk for {args.duration} s on {page.path}")
    return {"name": page.name, "title": page.title, "path": page.path, "as": page.login,
            "expected_status": page.status, **counted[page.name],
            **run_wrk(server, page, cookies, args),
            "worker_peak_rss_mb": max(worker_peak_rss_mb(server.process.pid).values())}


def measure(args: argparse.Namespace, environment: dict[str, str]) -> dict:
    from django.conf import settings

    pages, data = find_pages(args)
    load_before = os.getloadavg()[0]
    host = f"{args.tenant}.{BASE_DOMAIN}"
    log_path = settings.DATA_DIR / "bench-gunicorn.log"
    say(f"Starting gunicorn ({args.workers} workers); its log: {log_path}")
    with gunicorn(environment, workers=args.workers, host=host, log_path=log_path) as server:
        say("Logging in, counting queries")
        logins = {"customer": log_in(server, args.customer, args.password),
                  "agent": log_in(server, args.agent, args.password)}
        counted = {page.name: count_queries(page, host, logins[page.login])
                   for page in pages if page.name != "floor"}
        floor = pages[0]
        target = counted["ticket"]["bytes"]
        floor.path += f"?rows={floor_rows(host, logins['customer'], floor.path, target)}"
        counted["floor"] = count_queries(floor, host, logins["customer"])
        # Each page right after a floor run of its own, so that a page is compared with the
        # floor of the same minute: the machine's speed drifts (other tenants of the host) by
        # more than the differences measured.
        floor_runs, results = [], []
        for page in pages[1:]:
            if args.only and page.name not in args.only:
                continue
            floor_runs.append(load_page(server, floor, logins, counted, args))
            result = load_page(server, page, logins, counted, args)
            result["floor_requests_per_s"] = floor_runs[-1]["requests_per_s"]
            result["share_of_floor"] = round(
                result["requests_per_s"] / result["floor_requests_per_s"], 3)
            results.append(result)
        peaks = worker_peak_rss_mb(server.process.pid)
    # The floor's row: its run of median requests/s.
    floor_row = sorted(floor_runs, key=lambda run: run["requests_per_s"])[len(floor_runs) // 2]
    results.insert(0, {**floor_row, "share_of_floor": 1.0,
                       "runs_requests_per_s": [run["requests_per_s"] for run in floor_runs]})
    return {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        # Anything else running on the machine slows every page, the floor included.
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load_before, 2)},
        "load": {"tool": "wrk", "threads": args.threads, "connections": args.connections,
                 "seconds": args.duration, "warmup_requests": args.warmup,
                 "gunicorn_workers": args.workers},
        "data": data,
        "floor_bytes_target": target,
        "pages": results,
        "worker_peak_rss_mb": max(peaks.values()),
        "workers_peak_rss_mb": sorted(peaks.values()),
        "targets": {"share_of_floor": FLOOR_SHARE, "p99_ms": P99_MS, "queries": MAX_QUERIES,
                    "worker_peak_rss_mb": MAX_RSS_MB},
    }


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
                          cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def misses(results: dict) -> list[str]:
    """The targets this run did not meet, in words."""
    found = []
    for page in results["pages"]:
        if page["name"] == "floor":
            continue
        # Issue 5 lists the staff queue among the pages the floor target is for.
        if page["share_of_floor"] < FLOOR_SHARE:
            found.append(f"{page['name']}: {page['share_of_floor']:.0%} of the floor's "
                         f"requests/s (target ≥ {FLOOR_SHARE:.0%})")
        if page["latency_ms"]["p99"] >= P99_MS:
            found.append(f"{page['name']}: p99 {page['latency_ms']['p99']:.0f} ms "
                         f"(target < {P99_MS} ms)")
        if page["queries"] > MAX_QUERIES:
            found.append(f"{page['name']}: {page['queries']} SQL queries "
                         f"(target ≤ {MAX_QUERIES})")
    if results["worker_peak_rss_mb"] >= MAX_RSS_MB:
        found.append(f"worker peak RSS {results['worker_peak_rss_mb']:.0f} MB "
                     f"(target < {MAX_RSS_MB} MB)")
    return found


def markdown(results: dict) -> str:
    data, load, machine = results["data"], results["load"], results["machine"]
    lines = [
        "## Pages",
        "",
        f"Measured {results['measured_at']} at commit `{results['commit'] or '?'}` on "
        f"{machine['cpus']} CPUs (load average {machine['load_average_before']:.1f} before the "
        "run) by `python -m bench.pages`: gunicorn with "
        f"{load['gunicorn_workers']} sync workers and production settings, wrk with "
        f"{load['threads']} threads and {load['connections']} connections for "
        f"{load['seconds']} s a page, after {load['warmup_requests']} warm-up requests.",
        "",
        f"Data: {data['bench_tenants']} bench tenants; {data['tickets']:,} tickets and "
        f"{data['messages']:,} messages in the database; the customer's company "
        f"({data['company']}) has {data['company_tickets']:,} tickets; the ticket page shows "
        f"#{data['ticket']}.",
        "",
        "Each page is loaded right after a run of the floor, and its share is of that run's "
        "requests/s (beside it): the machine's speed drifts over a run. The floor's row is its "
        "run of median requests/s; all its runs: "
        + ", ".join(f"{rate:,.0f}" for rate in results["pages"][0]["runs_requests_per_s"])
        + " requests/s.",
        "",
        "| Page | As | Requests/s | Floor's requests/s beside it | % of floor | p50 ms | p99 ms "
        "| SQL queries | KiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in results["pages"]:
        beside = page.get("floor_requests_per_s", page["requests_per_s"])
        lines.append(
            f"| {page['title']} | {page['as']} | {page['requests_per_s']:,.0f} | "
            f"{beside:,.0f} | {page['share_of_floor']:.0%} | "
            f"{page['latency_ms']['p50']:.1f} | {page['latency_ms']['p99']:.1f} | "
            f"{page['queries']} | {page['bytes'] / 1024:.0f} |")
    workers = ", ".join(f"{peak:.0f}" for peak in results["workers_peak_rss_mb"])
    missed = misses(results)
    lines += [
        "",
        f"Peak RSS of a worker: {results['worker_peak_rss_mb']:.0f} MB (each worker: "
        f"{workers} MB).",
        "",
        "Targets at 1M tickets: every page ≥ 60% of the floor's requests/s, p99 "
        "< 100 ms, ≤ 8 SQL queries a page, worker peak RSS < 150 MB. "
        + ("Missed in this run: " + "; ".join(missed) + "." if missed
           else "All met in this run."),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    environment = production_environment(args)
    os.environ.update(environment)
    import django

    if args.prepare != "none":
        create_database(args.database_url)
    django.setup()
    try:
        if args.prepare != "none":
            say(f"Preparing the database ({args.prepare})")
            prepare(args)
        say("VACUUM (ANALYZE)")
        settle()
        say("collectstatic")
        collect_static()
        results = measure(args, environment)
    except BenchFailure as failure:
        print(f"bench.pages: {failure}", file=sys.stderr)
        return 1
    report.write_section("pages", results, markdown(results), json_path=args.json_path,
                         markdown_path=args.markdown_path)
    print(markdown(results))
    unexpected = {page["name"]: page["unexpected"] for page in results["pages"]
                  if page["unexpected"]}
    if unexpected:
        print(f"bench.pages: unexpected responses or socket errors: {unexpected}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
