"""Operations services: recording job runs (AUTO-8)."""
import datetime
import socket

from django.utils import timezone

from .models import JobRun

HEARTBEAT = "heartbeat"
HEARTBEAT_KEEP = datetime.timedelta(days=7)


def record_run(*, job: str, started_at: datetime.datetime, counts: dict,
               tenant=None) -> JobRun:
    """One row of the admin-visible run history: what a job did and how long it took."""
    return JobRun.objects.create(job=job, tenant=tenant, started_at=started_at,
                                 finished_at=timezone.now(), counts=counts,
                                 host=socket.gethostname())


def record_heartbeat() -> JobRun:
    """Record that the worker ran a beat-scheduled job, and prune old heartbeats (set-based)."""
    now = timezone.now()
    pruned, _ = JobRun.objects.filter(job=HEARTBEAT, started_at__lt=now - HEARTBEAT_KEEP).delete()
    return record_run(job=HEARTBEAT, started_at=now, counts={"pruned": pruned})
