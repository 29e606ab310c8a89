"""Template context for every page: the tenant's branding and labels, the person's sections."""
from django.utils.translation import gettext as _

from .sections import sections_for


def portal(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"tenant": None}
    policy = tenant.policy
    membership = getattr(request, "membership", None)
    return {
        "tenant": tenant,
        "policy": policy,
        "labels": {
            "help_desk": policy.label_help_desk or _("Communication Center"),
            "new_ticket": policy.label_new_ticket or _("Create a new ticket"),
            "send_ticket": policy.label_send_ticket or _("Send"),
        },
        "nav_sections": sections_for(membership) if membership else [],
    }
