"""The lifecycle runner (§5, AUTO-8): every timed rule of every app, per tenant, from Celery
beat and from `manage.py run_lifecycle`, by the same code.

Each rule of each tenant runs in its own transaction under a job lock, so that two runs at
once (two workers, or beat and the command) take turns and the second finds nothing left to
do. A run is recorded as a JobRun: counts per rule, duration, and the error of a rule that
failed (the other rules still run).
"""
import datetime
import logging
import socket

from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.models import Tenant
from tickets import automation

from .models import JobRun
from .sql import lock_job

log = logging.getLogger(__name__)

LIFECYCLE = "lifecycle"
# Projects (AUTO-2) and licenses (AUTO-7) add their rules here when those issues land.
RULES = [*automation.RULES]


def run_tenant(tenant: Tenant, *, now: datetime.datetime | None = None,
               dry_run: bool = False) -> dict[str, int]:
    """Run every rule the tenant has switched on; returns the count of each (for a dry run:
    what each rule would change, with nothing written)."""
    now = now or timezone.now()
    policy = tenant.policy
    run = None
    if not dry_run:
        run = JobRun.objects.create(job=LIFECYCLE, tenant=tenant, started_at=timezone.now(),
                                    host=socket.gethostname())
    ctx = automation.Run(tenant=tenant, policy=policy, now=now, run=run)
    counts: dict[str, int] = {}
    errors = []
    for rule in RULES:
        if not rule.enabled(policy):
            continue
        try:
            with transaction.atomic():
                if run is not None:
                    lock_job(f"{LIFECYCLE}:{rule.name}", tenant.pk)
                counts[rule.name] = rule.run(ctx)
        except DatabaseError as exc:
            log.exception("lifecycle %s: %s failed", tenant.slug, rule.name)
            errors.append(f"{rule.name}: {exc}")
    if run is not None:
        run.finished_at = timezone.now()
        run.counts = counts
        run.error = "\n".join(errors)
        run.save(update_fields=["finished_at", "counts", "error"])
        log.info("lifecycle %s: %s in %s ms", tenant.slug,
                 ", ".join(f"{name}={n}" for name, n in counts.items()) or "no rules on",
                 run.duration_ms)
    return counts


def run_all(*, tenants=None, now: datetime.datetime | None = None,
            dry_run: bool = False) -> dict[str, dict[str, int]]:
    """`run_tenant` for ``tenants`` (default: every active tenant), by slug."""
    if tenants is None:
        tenants = Tenant.objects.filter(is_active=True).select_related("policy")
    return {tenant.slug: run_tenant(tenant, now=now, dry_run=dry_run) for tenant in tenants}
