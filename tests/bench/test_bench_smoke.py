"""The page benchmark's smoke run, end to end: `make bench-smoke` seeds tiny data into the test
database, serves it with gunicorn, loads every page with wrk and writes its report. Timings
are never asserted: only that every page was measured and answered as it should."""
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import redis
from django.db import connection

from bench.report import write_section

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"floor", "index", "ticket", "search", "dashboard", "queue"}
INTRO = "# Performance\n\nWritten by hand: stays as it is.\n"


def _database_url() -> str:
    db = connection.settings_dict
    credentials = urllib.parse.quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(db["PASSWORD"])
    return (f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{urllib.parse.quote(db['NAME'])}")


def _redis_url_or_skip() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"the benchmark's app needs Redis; {url} does not answer: {exc}")
    return url


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_smoke_measures_every_page_with_only_expected_responses(tmp_path):
    for tool in ("make", "wrk"):
        if not shutil.which(tool):
            pytest.skip(f"needs {tool}: apt-get install {tool} (CI installs it)")
    out = tmp_path / "out"
    out.mkdir()
    (out / "performance.md").write_text(INTRO)
    done = subprocess.run(
        ["make", "--no-print-directory", "bench-smoke", f"PYTHON={sys.executable}",
         f"SMOKE_DATABASE_URL={_database_url()}", f"BENCH_REDIS_URL={_redis_url_or_skip()}",
         f"SMOKE_OUT={out}"],
        cwd=ROOT, env={**os.environ, "DATA_DIR": str(tmp_path / "data")},
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    results = json.loads((out / "performance.json").read_text())["pages"]
    pages = {page["name"]: page for page in results["pages"]}
    assert set(pages) == PAGES
    for page in pages.values():
        assert page["requests"] > 0, page
        # Every response had the page's status (a 302 to the ticket for the search), no
        # socket errors, and the page's queries were counted: at least the session's.
        assert page["statuses"] == {str(page["expected_status"]): page["requests"]}, page
        assert page["errors"] == {"connect": 0, "read": 0, "write": 0, "status": 0,
                                  "timeout": 0}, page
        assert page["queries"] >= 1, page
    assert pages["search"]["expected_status"] == 302
    # Each page beside a floor run of its own; the floor's row is one of those runs.
    assert len(pages["floor"]["runs_requests_per_s"]) == len(PAGES) - 1
    assert pages["floor"]["requests_per_s"] in pages["floor"]["runs_requests_per_s"]
    for name in PAGES - {"floor"}:
        assert pages[name]["floor_requests_per_s"] in pages["floor"]["runs_requests_per_s"]
    assert results["data"]["ticket_public_messages"] == 40
    # The floor is made as large as the ticket page it is compared with.
    assert abs(pages["floor"]["bytes"] - pages["ticket"]["bytes"]) < 0.1 * pages["ticket"]["bytes"]
    assert results["worker_peak_rss_mb"] > 0

    page = (out / "performance.md").read_text()
    assert page.startswith(INTRO)
    for title in (p["title"] for p in pages.values()):
        assert f"| {title} |" in page


def test_write_section_replaces_its_own_block_and_keeps_the_rest(tmp_path):
    json_path, markdown_path = tmp_path / "performance.json", tmp_path / "performance.md"
    markdown_path.write_text(INTRO)
    write_section("pages", {"run": 1}, "## Pages\n\nfirst", json_path=json_path,
                  markdown_path=markdown_path)
    write_section("jobs", {"run": 1}, "## Jobs\n\nonly", json_path=json_path,
                  markdown_path=markdown_path)
    write_section("pages", {"run": 2}, "## Pages\n\nsecond", json_path=json_path,
                  markdown_path=markdown_path)

    assert json.loads(json_path.read_text()) == {"pages": {"run": 2}, "jobs": {"run": 1}}
    page = markdown_path.read_text()
    assert page.startswith(INTRO)
    assert "second" in page and "first" not in page
    assert page.index("## Pages") < page.index("## Jobs")
    assert page.count("## Pages") == 1


def test_only_names_a_page_it_does_not_know_and_the_run_does_not_start(capsys):
    from bench.pages import parse_args

    with pytest.raises(SystemExit) as exited:
        parse_args(["--only", "queue,floor", "--database-url", "postgres://x@127.0.0.1/x"])

    assert exited.value.code == 2
    message = capsys.readouterr().err
    assert "--only: no page named floor; the pages are index, ticket, search, dashboard, queue" \
        in message
