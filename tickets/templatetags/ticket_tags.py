"""Template helpers of the Communication Center: status names as the tenant shows them,
authors as customers see them, and the index's sort links."""
from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..lifecycle import customer_label

register = template.Library()


@register.filter
def status_label(status: str, policy) -> str:
    """``{{ ticket.status|status_label:policy }}``: Open/Closed for a simple tenant (T-3)."""
    return customer_label(status, simple=policy.simple_statuses)


@register.simple_tag(takes_context=True)
def author_label(context, user, by_staff: bool) -> str:
    """Staff speak for the vendor: "<tenant> support: First name"; customers by full name."""
    if user is None:
        return ""
    if by_staff:
        return _("%(tenant)s support: %(name)s") % {"tenant": context["tenant"].name,
                                                    "name": user.first_name}
    return user.get_full_name() or user.email


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str) -> str:
    """A column header that sorts by ``key``, and by ``-key`` when it already does."""
    current = context["sort"]
    target = f"-{key}" if current == key else key
    query = context["request"].GET.copy()
    query["sort"] = target
    query.pop("page", None)
    arrow = {key: " ▲", f"-{key}": " ▼"}.get(current, "")
    return format_html('<a class="sort-link" href="?{}">{}{}</a>', query.urlencode(), label, arrow)
