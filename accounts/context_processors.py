"""Template context for every page: the tenant's branding and labels, the person's sections."""
from django.utils.translation import gettext as _

from .sections import navigation


def portal(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"tenant": None}
    policy = tenant.policy
    membership = getattr(request, "membership", None)
    labels = {
        # A tenant's own wording is looked up in the catalog too, so that the seeds' words
        # (marked in helpdesk.demo) reach Italian customers in Italian.
        "help_desk": _(policy.label_help_desk or "Communication Center"),
        "new_ticket": _(policy.label_new_ticket or "Create a new ticket"),
        "send_ticket": _(policy.label_send_ticket or "Send"),
    }
    return {
        "tenant": tenant,
        "policy": policy,
        "labels": labels,
        "nav_sections": navigation(membership, labels) if membership else [],
    }
