"""Operations services: recording job runs."""
import datetime
import socket

from django.utils import timezone

from .models import JobRun

HEARTBEAT = "heartbeat"
HEARTBEAT_KEEP = datetime.timedelta(days=7)


def record_heartbeat() -> JobRun:
    """Record that the worker ran a beat-scheduled job, and prune old heartbeats (set-based)."""
    now = timezone.now()
    pruned, _ = JobRun.objects.filter(job=HEARTBEAT, started_at__lt=now - HEARTBEAT_KEEP).delete()
    return JobRun.objects.create(job=HEARTBEAT, started_at=now, finished_at=timezone.now(),
                                 counts={"pruned": pruned}, host=socket.gethostname())
