"""The lifecycle runner (§5, AUTO-8): every timed rule of every app, for every tenant, from
Celery beat and from `manage.py run_lifecycle`, by the same code.

A rule runs once for all the tenants that have it on and give it the same numbers (their
policies' `Rule.reads`; up to TENANTS_PER_STEP at a time), in one transaction holding each of
their job locks, so that two runs at once (two workers, or beat and the command, for all
tenants or one) take turns and the second finds nothing left to do. A run is recorded as one
JobRun: counts per rule, duration, and the error of a rule that failed (the other rules still
run). Runs that changed nothing are pruned after RUN_HISTORY.
"""
import datetime
import logging
import socket

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Tenant
from tickets import automation
from tickets.models import TicketEvent

from .models import JobRun
from .sql import lock_jobs

log = logging.getLogger(__name__)

LIFECYCLE = "lifecycle"
# Tenants alike in a rule's numbers run together, this many to a transaction: each holds a
# job lock per tenant, and PostgreSQL's lock table is sized for tens a transaction, not
# thousands.
TENANTS_PER_STEP = 50
RUN_HISTORY = datetime.timedelta(days=90)
# Projects (AUTO-2) and licenses (AUTO-7) add their rules here when those issues land.
RULES = [*automation.RULES]


def _start(tenant: Tenant | None) -> JobRun:
    return JobRun.objects.create(job=LIFECYCLE, tenant=tenant, started_at=timezone.now(),
                                 host=socket.gethostname())


def _finish(run: JobRun, counts: dict[str, int], errors: list[str]) -> None:
    run.finished_at = timezone.now()
    run.counts = counts
    run.error = "\n".join(errors)
    run.save(update_fields=["finished_at", "counts", "error"])


def _run_rule(rule, tenants: list[Tenant], run: JobRun | None, now: datetime.datetime,
              errors: list[str]) -> dict[int, int]:
    """``rule`` for every tenant of ``tenants`` that has it on, a group of alike policies (up
    to TENANTS_PER_STEP tenants) at a time; returns the tickets changed by tenant id (a tenant
    that has it on is there, with 0 when nothing changed; one whose group failed is not)."""
    alike: dict[tuple, list[Tenant]] = {}
    for tenant in tenants:
        if rule.enabled(tenant.policy):
            alike.setdefault(rule.numbers(tenant.policy), []).append(tenant)
    groups = [same[start:start + TENANTS_PER_STEP] for same in alike.values()
              for start in range(0, len(same), TENANTS_PER_STEP)]
    counts: dict[int, int] = {}
    for group in groups:
        ctx = automation.Run(tenants=tuple(group), policy=group[0].policy, now=now, run=run)
        try:
            with transaction.atomic():
                if run is not None:
                    lock_jobs(f"{LIFECYCLE}:{rule.name}", [tenant.pk for tenant in group])
                changed = rule.run(ctx)
        except DatabaseError as exc:
            slugs = ", ".join(tenant.slug for tenant in group)
            log.exception("lifecycle %s: %s failed", slugs, rule.name)
            errors.append(f"{slugs}: {rule.name}: {exc}")
            continue
        counts.update({tenant.pk: changed.get(tenant.pk, 0) for tenant in group})
    return counts


def prune_idle_runs() -> int:
    """Delete runs older than RUN_HISTORY that changed nothing; a run that wrote events stays,
    since the ticket history names it."""
    named = TicketEvent.all_tenants.filter(run=OuterRef("pk"))
    deleted, _ = JobRun.objects.filter(~Exists(named), job=LIFECYCLE, finished_at__isnull=False,
                                       started_at__lt=timezone.now() - RUN_HISTORY).delete()
    return deleted


def run_tenant(tenant: Tenant, *, now: datetime.datetime | None = None,
               dry_run: bool = False) -> dict[str, int]:
    """Run every rule the tenant has switched on, as a run of its own; returns the count of
    each (for a dry run: what each rule would change, with nothing written or recorded)."""
    return run_all(tenants=[tenant], now=now, dry_run=dry_run)[tenant.slug]


def run_all(*, tenants=None, now: datetime.datetime | None = None,
            dry_run: bool = False) -> dict[str, dict[str, int]]:
    """The rules of ``tenants`` (default: every active tenant) in one recorded run; returns
    the counts by tenant slug. The run's row holds the totals per rule."""
    now = now or timezone.now()
    if tenants is None:
        tenants = list(Tenant.objects.filter(is_active=True).select_related("policy"))
    run = None
    if not dry_run:
        run = _start(tenants[0] if len(tenants) == 1 else None)
    errors: list[str] = []
    results: dict[str, dict[str, int]] = {tenant.slug: {} for tenant in tenants}
    for rule in RULES:
        changed = _run_rule(rule, tenants, run, now, errors)
        for tenant in tenants:
            if tenant.pk in changed:
                results[tenant.slug][rule.name] = changed[tenant.pk]
    for tenant in tenants:
        log.info("lifecycle %s%s: %s", tenant.slug, " (dry run)" if run is None else "",
                 ", ".join(f"{name}={n}" for name, n in results[tenant.slug].items())
                 or "no rules on")
    if run is not None:
        totals: dict[str, int] = {}
        for counts in results.values():
            for name, count in counts.items():
                totals[name] = totals.get(name, 0) + count
        _finish(run, totals, errors)
        prune_idle_runs()
    return results
