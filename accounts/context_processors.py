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
        "help_desk": policy.label_help_desk or _("Communication Center"),
        "new_ticket": policy.label_new_ticket or _("Create a new ticket"),
        "send_ticket": policy.label_send_ticket or _("Send"),
    }
    return {
        "tenant": tenant,
        "policy": policy,
        "labels": labels,
        "nav_sections": navigation(membership, labels) if membership else [],
    }
