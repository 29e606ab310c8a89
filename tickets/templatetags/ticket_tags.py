"""Template helpers of the Communication Center: status names as the tenant shows them,
authors as customers see them, the index's sort links, and the staff queue's rows."""
from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_list
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext as _

from helpdesk import formats
from helpdesk.formats import choice_label

from ..lifecycle import Status, customer_label
from ..models import Priority

register = template.Library()


@register.filter
def status_label(status: str, policy) -> str:
    """``{{ ticket.status|status_label:policy }}``: Open/Closed for a simple tenant (T-3)."""
    return customer_label(status, simple=policy.simple_statuses)


@register.filter
def local_datetime(value, format_name: str = "SHORT_DATETIME_FORMAT") -> str:
    """``{{ ticket.last_message_at|local_datetime }}``: what the ``date`` filter gives for a
    named format, the format parsed once (helpdesk.formats); lists show dozens of dates."""
    return formats.local_datetime(value, format_name) if value else ""


@register.simple_tag
def status_badge(ticket, policy) -> str:
    """The ticket's status as a badge, in the tenant's names (T-3); a simple tenant's open
    statuses share the "open" colour."""
    css = "open" if policy.simple_statuses and ticket.status != Status.CLOSED else ticket.status
    return format_html('<span class="badge status-badge status-{}">{}</span>', css,
                       status_label(ticket.status, policy))


@register.simple_tag
def priority_badge(ticket) -> str:
    """The ticket's priority as a badge, and HotRush beside it when it is on (T-6, T-7)."""
    badge = format_html('<span class="badge priority-badge priority-{}">{}</span>',
                        ticket.priority, choice_label(Priority, ticket.priority))
    if not ticket.hotrush:
        return badge
    return format_html('{} <span class="badge text-bg-danger" title="{}">{}</span>', badge,
                       _("HotRush"), _("HotRush"))


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


@register.simple_tag
def queue_result_list(changelist) -> str:
    """Admin's ``result_list`` for the staff queue, with the rows TicketAdmin.result_rows
    writes (admin's own rows where it returns None)."""
    rows = changelist.model_admin.result_rows(changelist)
    if rows is None:
        return render_to_string("admin/change_list_results.html", result_list(changelist))
    headers = list(result_headers(changelist))
    return render_to_string("admin/tickets/ticket/queue_results.html", {
        "result_headers": headers, "rows": rows,
        "num_sorted_fields": sum(1 for header in headers if header["sorted"])})
