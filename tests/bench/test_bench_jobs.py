"""The job benchmark's smoke run: on tiny bench data, `python -m bench.jobs --smoke` measures
every lifecycle rule and the outbox beside their floors, the emails reach its SMTP sink, and
the database is left as it was. Timings are never asserted."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.pages import TINY
from helpdesk import lifecycle
from helpdesk.models import JobRun, OutboundEmail
from tests.bench.test_bench_smoke import _database_url
from tickets.models import AccessInfo, Ticket, TicketEvent

ROOT = Path(__file__).resolve().parents[2]
INTRO = "# Performance\n\nWritten by hand: stays as it is.\n"


def _state() -> dict:
    """What a benchmark run must not change: every ticket's status and the fields the rules
    and their setups write, and the size of every table they write to."""
    return {
        "tickets": list(Ticket.all_tenants.order_by("pk").values_list(
            "pk", "status", "solved", "last_message_at", "reminded_at", "survey_sent_at",
            "status_changed_at", "closed_at")),
        "events": TicketEvent.all_tenants.count(),
        "emails": OutboundEmail.all_tenants.count(),
        "access_info": AccessInfo.all_tenants.count(),
        "runs": JobRun.objects.count(),
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_jobs_smoke_measures_every_job_and_leaves_the_database_as_it_was(tmp_path):
    call_command("seed_bench", **TINY, clear=True, stdout=io.StringIO())
    before = _state()
    out = tmp_path / "out"
    out.mkdir()
    (out / "performance.md").write_text(INTRO)

    done = subprocess.run(
        [sys.executable, "-m", "bench.jobs", "--smoke", "--database-url", _database_url(),
         "--json", str(out / "performance.json"), "--markdown", str(out / "performance.md")],
        cwd=ROOT, env={**os.environ, "DATA_DIR": str(tmp_path / "data")},
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    assert _state() == before
    results = json.loads((out / "performance.json").read_text())["jobs"]
    jobs = {job["name"]: job for job in results["jobs"]}
    assert set(jobs) == {rule.name for rule in lifecycle.RULES} | {"outbox"}
    for job in jobs.values():
        assert job["seconds"] > 0 and job["floor_seconds"] > 0, job
    for rule in lifecycle.RULES:
        # The floor wrote as many events as the rule changed tickets.
        assert jobs[rule.name]["floor_rowcounts"][0] == jobs[rule.name]["rows"]
    outbox = jobs["outbox"]
    assert outbox["emails"] == outbox["sink_received"] == outbox["floor_sink_received"] > 0
    assert outbox["counts"]["sent"] == outbox["emails"]

    page = (out / "performance.md").read_text()
    assert page.startswith(INTRO)
    for job in jobs.values():
        assert f"| {job['title']} |" in page
