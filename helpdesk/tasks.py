"""Platform tasks: each calls one service and returns its counts."""
from celery import shared_task

from . import lifecycle, outbox
from .services import record_heartbeat


@shared_task
def heartbeat_task() -> int:
    """Beat's proof of life: a JobRun row each minute (see admin, Operations > Job runs)."""
    return record_heartbeat().pk


@shared_task
def run_lifecycle_task() -> dict[str, dict[str, int]]:
    """Every tenant's timed rules (§5); safe beside another run or the ops command."""
    return lifecycle.run_all()


@shared_task
def deliver_outbox_task() -> dict[str, int]:
    """Send what the outbox holds (N-1); safe beside other senders (leases)."""
    return outbox.deliver_all()
