"""Periodic jobs of the Communication Center; each calls one service per tenant."""
from celery import shared_task
from django.utils import timezone

from accounts.models import Tenant
from helpdesk.services import record_run

from .services import refresh_priority_offsets

PRIORITY_OFFSETS = "priority_offsets"


@shared_task
def refresh_priority_offsets_task() -> dict[str, int]:
    """Nightly (T-7): every company's priority offset over its last 90 days, tenant by tenant
    in one UPDATE each; idempotent, so a second run at once changes nothing more."""
    updated = {}
    for tenant in Tenant.objects.filter(is_active=True):
        started = timezone.now()
        count = refresh_priority_offsets(tenant=tenant)
        record_run(job=PRIORITY_OFFSETS, tenant=tenant, started_at=started,
                   counts={"companies": count})
        updated[tenant.slug] = count
    return updated
