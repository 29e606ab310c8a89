"""Platform tasks."""
from celery import shared_task

from .services import record_heartbeat


@shared_task
def heartbeat_task() -> int:
    """Beat's proof of life: a JobRun row each minute (see admin, Operations > Job runs)."""
    return record_heartbeat().pk
