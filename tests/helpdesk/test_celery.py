"""Celery proof: a real worker with embedded beat runs the heartbeat job against the test
database, on the embedded filesystem broker and on Redis."""
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from helpdesk.models import JobRun
from helpdesk.services import HEARTBEAT

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
WAIT_SECONDS = 60


def redis_url_or_skip() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15 (CI does)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"REDIS_URL={url} does not answer: {exc}")
    return url


def start_worker(tmp_path, *, redis_url: str, queue: str, **extra_env: str) -> subprocess.Popen:
    """`celery -A helpdesk worker -B` as deployed, beating every second, on the test database;
    ``extra_env`` adds settings (e.g. LIFECYCLE_SECONDS)."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.helpdesk.celery_test_settings",
        TEST_DATABASE_NAME=str(connection.settings_dict["NAME"]),
        TEST_CELERY_QUEUE=queue,
        HEARTBEAT_SECONDS="1",
        # Its own broker folders and beat schedule, apart from any `dev.py run` on this machine.
        DATA_DIR=str(tmp_path),
        **extra_env,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = (tmp_path / "worker.log").open("w")
    # A session of its own: the whole group can be killed if the worker hangs on shutdown.
    return subprocess.Popen(
        [str(CELERY), "-A", "helpdesk", "worker", "-B", "--loglevel=info", "--concurrency=1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def wait_for_heartbeat(worker: subprocess.Popen, log: Path) -> JobRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = JobRun.objects.filter(job=HEARTBEAT).first()
        if run is not None:
            return run
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()}")
        time.sleep(0.5)
    pytest.fail(f"no heartbeat within {WAIT_SECONDS} s; worker log:\n{log.read_text()}")


def run_worker_until_heartbeat(tmp_path, *, redis_url: str = "") -> tuple[JobRun, str]:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    assert not JobRun.objects.exists()
    worker = start_worker(tmp_path, redis_url=redis_url, queue=queue)
    try:
        run = wait_for_heartbeat(worker, tmp_path / "worker.log")
    finally:
        stop_worker(worker)
    return run, (tmp_path / "worker.log").read_text()


def test_worker_with_beat_records_heartbeats_on_the_embedded_filesystem_broker(
        transactional_db, tmp_path):
    run, log = run_worker_until_heartbeat(tmp_path)

    assert run.finished_at >= run.started_at
    assert run.host
    assert "filesystem://" in log
    assert "helpdesk.tasks.heartbeat_task" in log
    # The broker's folders did not exist: the app made them under DATA_DIR.
    assert (tmp_path / "celery" / "queue").is_dir()


@pytest.mark.redis
def test_worker_with_beat_records_heartbeats_on_redis(transactional_db, tmp_path):
    url = redis_url_or_skip()
    try:
        run, log = run_worker_until_heartbeat(tmp_path, redis_url=url)
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter("*test-*"):
            client.delete(key)

    assert run.finished_at >= run.started_at
    assert "Connected to redis://" in log
    assert not (tmp_path / "celery").exists()
