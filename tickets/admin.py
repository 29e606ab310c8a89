"""Django admin for the Communication Center (T-15): the staff queue and ticket page, ticket
types, canned replies and counted HotRush disables; every class is scoped by
TenantScopedAdmin. Every change of a ticket goes through tickets.services."""
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, update_wrapper

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, QuerySet, TextChoices
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.admin_base import (
    CHANGE,
    VIEW,
    ReadOnlyAdminMixin,
    TenantScopedAdmin,
    admin_scope,
    tenant_rows,
)
from accounts.models import Department, User
from helpdesk.formats import choice_label, local_datetime

from . import services
from .admin_forms import (
    AssignForm,
    DepartmentForm,
    MergeForm,
    NoteForm,
    PriorityForm,
    QuoteForm,
    ReplyForm,
    SolvedForm,
    SplitForm,
    StatusForm,
    TicketWorkForm,
)
from .errors import TicketError
from .lifecycle import Actor, Status
from .models import (
    Attachment,
    CannedReply,
    EventKind,
    HotRushDisable,
    Priority,
    Ticket,
    TicketEvent,
    TicketType,
)
from .queue import (
    OPEN,
    QUEUE_ORDER,
    access_info_count,
    can_page_in_runs,
    page_in_runs,
    run_lengths,
    state_key,
    ticket_history,
    with_queue_keys,
)
from .selectors import thread

# "#1234" in the search box means ticket 1234.
TICKET_NUMBER = re.compile(r"(?<!\S)#(\d+)")
# Stands for a ticket's id in the change URL that result_rows reverses once a page.
ROW_PK = "~pk~"


class CellWord(TextChoices):
    """The queue cells' fixed words, translated once per language through choice_label
    rather than once per cell."""

    HOTRUSH = "hotrush", gettext_lazy("HotRush")
    SCORE = "score", gettext_lazy("score")
    OVERDUE = "overdue", gettext_lazy("OVERDUE")
    ANSWERED = "answered", gettext_lazy("answered")


def cell_word(word: CellWord) -> str:
    return choice_label(CellWord, word)


# The queue's filters -----------------------------------------------------------------------

class QueueStatusFilter(admin.SimpleListFilter):
    """Open tickets unless a status is chosen; closed ones are a choice away."""

    title = gettext_lazy("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Status.choices, (self.ALL, gettext_lazy("All, closed too"))]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset.filter(OPEN)
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        choices = super().choices(changelist)
        yield {**next(choices), "display": _("Open")}
        yield from choices


class AssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("mine", gettext_lazy("Mine")), ("nobody", gettext_lazy("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("first response")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Overdue"))]

    def queryset(self, request, queryset):
        return queryset.filter(is_overdue=True) if self.value() == "yes" else queryset


# What the queue's columns read of a ticket.
QUEUE_COLUMNS = ["tenant_id", "number", "subject", "status", "priority", "hotrush",
                 "first_response_due_at", "first_response_at", "last_message_at", "company",
                 "department", "assignee", "last_message_by"]


# What the queue's columns show of a ticket's company, department and people: their names,
# joined and selected as columns of the page's tickets instead of loaded as rows of their own
# (200 model instances fewer a page: 50 tickets 6-7 -> 4.4-4.9 ms; issue 5).
PEOPLE = ("assignee", "last_message_by")
QUEUE_NAMES = {"company_name": F("company__name"), "department_name": F("department__name"),
               **{f"{person}_{field}": F(f"{person}__{field}") for person in PEOPLE
                  for field in ("first_name", "last_name", "email")}}


def person_label(ticket: Ticket, person: str) -> str | None:
    """The name of the ticket's ``person`` (one of PEOPLE) from QUEUE_NAMES; None for nobody."""
    if getattr(ticket, f"{person}_id") is None:
        return None
    return User.label(*(getattr(ticket, f"{person}_{field}")
                        for field in ("first_name", "last_name", "email")))


class QueueChangeList(ChangeList):
    """Marks the columns the queue order sorts by (HotRush, score), not the model's
    default ordering, when no column is chosen."""

    def _get_default_ordering(self):
        return QUEUE_ORDER

    def get_queryset(self, request, exclude_parameters=None):
        # ChangeList applies apply_select_related only to a queryset that joins nothing yet,
        # and TicketAdmin.get_queryset joins the ticket page's wider set.
        return self.apply_select_related(super().get_queryset(request, exclude_parameters))

    def apply_select_related(self, qs):
        # The count and the page's ids read the tickets alone; the rows shown come with
        # QUEUE_NAMES (get_results). The ticket page's wider set (TicketAdmin.related) would
        # join nine more tables.
        return qs.select_related(None)

    def get_results(self, request):
        super().get_results(request)
        # Where TicketAdmin.result_rows keeps the page's rows; None where it does not.
        self.rows_key = (self.paginator.rows_key(self.page_num)
                         if self.model_admin.writes_rows(self) else None)
        if self.rows_key is not None and (kept := cache.get(self.rows_key)) is not None:
            self.result_list = RenderedPage(*kept)
        elif isinstance(self.result_list, QuerySet):
            self.result_list = self.result_list.only(*QUEUE_COLUMNS).annotate(**QUEUE_NAMES)


class RenderedPage:
    """A page of the queue whose rows came from the cache: their markup, and how many
    tickets they show (admin's selection note counts them), with no ticket fetched."""

    def __init__(self, rows: str, length: int):
        # Safe: TicketAdmin.result_rows escaped every value before the rows were kept.
        self.rows = mark_safe(rows)  # noqa: S308
        self.length = length

    def __len__(self):
        return self.length


class QueuePaginator(Paginator):
    """Finds the page's tickets by their ids first, then fetches their whole rows.

    In the queue's own order (``in_runs``), the ids come from the runs of tickets.queue, each
    read in order from an index; in an order a column gives, from a sort of the tickets'
    numbers and keys only. Either way the wide rows fetched are the page's 50.

    In the queue's own order for one tenant's staff member (``scope``: the tenant, the person
    and the request's filters), the runs' lengths are kept in the cache under the tenant's
    latest change of a ticket, and the rendered rows of each page under the runs
    (TicketAdmin.result_rows): a view that follows no change reads neither, and every write
    of a ticket of the tenant shows at once. The runs hold until the earliest due time of an
    unanswered ticket not yet overdue, when the order and the marks change with no write;
    CACHE_SECONDS bound what the version cannot see: a renamed company, department or person,
    the nightly scores, a clock set back.
    """

    CACHE_SECONDS = 60

    def __init__(self, *args, in_runs: bool = False, scope: tuple | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_runs = in_runs
        self.scope = scope if in_runs else None

    @cached_property
    def runs(self) -> dict:
        """The runs' ``lengths``; for a ``scope``, also the ``rows`` key their pages' rows go
        under and when they stop holding (``expires``, a time.time())."""
        if self.scope is None:
            return {"lengths": run_lengths(self.object_list)[0], "rows": None}
        state = state_key(Ticket.objects.for_tenant(self.scope[0]), *self.scope)
        key = f"ticket-queue-runs:{state}"
        runs = cache.get(key)
        if runs is None:
            lengths, next_due = run_lengths(self.object_list)
            seconds = self.CACHE_SECONDS
            if next_due is not None:
                seconds = min(seconds, int((next_due - timezone.now()).total_seconds()))
            runs = {"lengths": lengths, "rows": f"ticket-queue-rows:{secrets.token_hex(16)}",
                    "expires": time.time() + seconds}
            if seconds > 0:
                cache.set(key, runs, seconds)
        return runs

    def rows_key(self, number: int) -> str | None:
        """Where the rendered rows of page ``number`` are kept; None where they are not."""
        if self.runs["rows"] is None:
            return None
        return ":".join((self.runs["rows"], str(number), str(self.per_page), get_language(),
                         timezone.get_current_timezone_name()))

    def seconds_left(self) -> int:
        return int(self.runs["expires"] - time.time())

    @cached_property
    def count(self):
        return sum(self.runs["lengths"]) if self.in_runs else super().count

    def _get_page(self, object_list, number, paginator):
        if self.in_runs:
            # Built only for a page whose rows are not in the cache (QueueChangeList).
            object_list = SimpleLazyObject(partial(
                page_in_runs, self.object_list, self.runs["lengths"],
                object_list.query.low_mark, object_list.query.high_mark))
        # A search through messages is distinct, and DISTINCT would add the sort keys to the
        # page's ids; its few results are sorted whole.
        elif isinstance(object_list, QuerySet) and not object_list.query.distinct:
            object_list = self.object_list.filter(pk__in=object_list.values("pk"))
        return super()._get_page(object_list, number, paginator)


# The ticket page's actions: one form, one service each -------------------------------------

@dataclass(frozen=True)
class Work:
    form: type[TicketWorkForm]
    # Calls one service; returns what to tell the staff member. Raises TicketError.
    perform: Callable[..., str]


def _reply(request, ticket, data):
    services.post_message(ticket=ticket, author=request.user, body=data["text"],
                          uploads=request.FILES.getlist("files"))
    return _("Your reply was sent.")


def _note(request, ticket, data):
    services.post_message(ticket=ticket, author=request.user, body=data["body"], internal=True,
                          uploads=request.FILES.getlist("files"))
    return _("Internal note added.")


def _assign(request, ticket, data):
    assignee = data["assignee"]
    services.assign_ticket(ticket=ticket, by=request.user, assignee=assignee)
    if assignee is None:
        return _("The ticket is unassigned.")
    return _("Assigned to %(person)s.") % {"person": assignee}


def _department(request, ticket, data):
    services.move_to_department(ticket=ticket, by=request.user, department=data["department"])
    return _("Moved to %(department)s.") % {"department": data["department"]}


def _status(request, ticket, data):
    moved = services.change_status(ticket=ticket, to=data["to"], by=request.user,
                                   actor=Actor.STAFF, reason=data["reason"])
    return _("Status: %(status)s.") % {"status": moved.get_status_display()}


def _priority(request, ticket, data):
    changed = services.set_priority(ticket=ticket, priority=data["priority"], by=request.user)
    return _("Priority: %(priority)s.") % {"priority": changed.get_priority_display()}


def _quote(request, ticket, data):
    services.send_quote(ticket=ticket, by=request.user, scope=data["scope"],
                        credits=data["credits"], amount=data["amount"])
    return _("The quote was sent; work starts when the customer accepts it.")


def _solved(request, ticket, data):
    services.mark_solved(ticket=ticket, by=request.user, solved=data["solved"])
    return _("Marked solved.") if data["solved"] else _("Marked not solved.")


def _split(request, ticket, data):
    new = services.split_message(message=data["message"], by=request.user,
                                 subject=data["subject"])
    return _("The message is now ticket #%(number)s; the customer was told here.") % {
        "number": new.number}


def _merge(request, ticket, data):
    target = services.merge_tickets(source=ticket, target=data["target"], by=request.user)
    return _("Closed as a duplicate of ticket #%(number)s.") % {"number": target.number}


WORK: dict[str, Work] = {
    "reply": Work(ReplyForm, _reply),
    "note": Work(NoteForm, _note),
    "assign": Work(AssignForm, _assign),
    "department": Work(DepartmentForm, _department),
    "status": Work(StatusForm, _status),
    "priority": Work(PriorityForm, _priority),
    "quote": Work(QuoteForm, _quote),
    "solved": Work(SolvedForm, _solved),
    "split": Work(SplitForm, _split),
    "merge": Work(MergeForm, _merge),
}


def form_errors(form) -> list[str]:
    return [str(error) if name == NON_FIELD_ERRORS else f"{form[name].label}: {error}"
            for name, errors in form.errors.items() for error in errors]


def draft_key(ticket: Ticket) -> str:
    return f"ticket-draft-{ticket.pk}"


# The event history, readable ---------------------------------------------------------------

def _arrow(old, new) -> str:
    return f"{old} → {new}"


def event_details(events: list[TicketEvent], tenant_id: int) -> list[tuple[TicketEvent, str]]:
    """Each event with a line saying what changed, people and departments by name."""
    def ids(kind):
        return {event.data.get(key) for event in events if event.kind == kind
                for key in ("old", "new")} - {None}

    people = User.objects.for_tenant(tenant_id).in_bulk(ids(EventKind.ASSIGNED))
    departments = Department.objects.for_tenant(tenant_id).in_bulk(ids(EventKind.DEPARTMENT))
    priorities = dict(Priority.choices)
    statuses = dict(Status.choices)
    nobody = _("nobody")

    def credits(n) -> str:
        return _("%(n)s credits") % {"n": n}

    def detail(event) -> str:
        data, kind = event.data, event.kind
        if kind in (EventKind.STATUS, EventKind.CREATED):
            text = (_arrow(statuses.get(event.from_status), statuses.get(event.to_status))
                    if event.from_status else statuses.get(event.to_status, ""))
        elif kind in (EventKind.MESSAGE, EventKind.NOTE):
            text = event.message.public_id if event.message else ""
        elif kind == EventKind.PRIORITY:
            text = _arrow(priorities.get(data.get("old")), priorities.get(data.get("new")))
        elif kind == EventKind.ASSIGNED:
            text = _arrow(people.get(data.get("old"), nobody), people.get(data.get("new"), nobody))
        elif kind == EventKind.DEPARTMENT:
            text = _arrow(departments.get(data.get("old"), "—"),
                          departments.get(data.get("new"), "—"))
        elif kind == EventKind.SOLVED:
            text = _("solved") if data.get("solved") else _("not solved")
        elif kind == EventKind.RATED:
            text = f"{data.get('rating')}/5"
        elif kind in (EventKind.SPLIT, EventKind.MERGED):
            text = (_("to #%(number)s") % {"number": data["target"]} if "target" in data
                    else _("from #%(number)s") % {"number": data.get("source")})
        elif kind == EventKind.QUOTE_SENT:
            text = ", ".join(part for part in (
                credits(data["credits"]) if data.get("credits") is not None else "",
                data.get("amount") or "") if part)
        elif kind == EventKind.ACCESS_INFO:
            text = f"{data.get('action', '')} {data.get('kind', '')}".strip()
        else:
            text = ""
        if kind != EventKind.QUOTE_SENT and data.get("credits"):
            # What the change costs (B-5), as the pricing recorded it.
            text = f"{text} · {credits(data['credits'])}"
        if event.reason and kind != EventKind.CREATED:
            text = f"{text} ({event.reason})"
        return text.strip(" ·")

    return [(event, detail(event)) for event in events]


# Admins ------------------------------------------------------------------------------------

@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    """The queue (T-7) and the ticket page (T-15).

    The generic change form is read-only: staff change a ticket only through the page's
    forms, each of which calls one service (WORK). Tickets are created by customers and by
    splitting; nobody deletes them, the event history is kept.
    """

    # Every column is a method: result_rows writes the queue's cells by calling them.
    list_display = ["number_label", "subject_label", "status_label", "priority_label",
                    "due_label", "assignee_label", "department_label", "last_reply"]
    list_display_links = ["number_label", "subject_label"]
    list_per_page = 50
    # "N of M tickets" would count every ticket of the tenant on each page view (issue 5).
    show_full_result_count = False
    list_filter = [QueueStatusFilter, AssigneeFilter, "department", "hotrush", OverdueFilter]
    search_fields = ["number__exact", "subject", "company__name", "messages__public_id__iexact"]
    search_help_text = gettext_lazy("Ticket number (#1234), subject, company name or message ID.")
    change_list_template = "admin/tickets/ticket/change_list.html"
    change_form_template = "admin/tickets/ticket/change_form.html"
    # What the queue and the ticket page show, in the one query that fetches tickets.
    related = ["company", "type", "department", "assignee", "last_message_by", "created_by",
               "product_version__product", "split_from", "merged_into"]

    def get_queryset(self, request):
        tickets = tenant_rows(Ticket, admin_scope(request)).select_related(*self.related)
        return with_queue_keys(tickets)

    def get_ordering(self, request):
        return QUEUE_ORDER

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0,
                      allow_empty_first_page=True):
        # The queue's own order, unless a column was clicked; a search through messages is
        # distinct, and its few results are sorted whole.
        in_runs = (ORDER_VAR not in request.GET and not queryset.query.distinct
                   and can_page_in_runs(queryset))
        tenant = admin_scope(request)
        # Cached runs hold until the next due time of the tickets shown (QueuePaginator); the
        # tickets about to fall overdue are not among those the overdue filter shows.
        kept = tenant is not None and OverdueFilter.parameter_name not in request.GET
        scope = None if not kept else (
            tenant.pk, request.user.pk,
            sorted((name, values) for name, values in request.GET.lists() if name != PAGE_VAR))
        return QueuePaginator(queryset, per_page, orphans, allow_empty_first_page,
                              in_runs=in_runs, scope=scope)

    # The queue's columns and the ticket's thread need the width of the page.
    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {
            "title": _("Ticket queue"), "is_nav_sidebar_enabled": False,
            **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {
            "is_nav_sidebar_enabled": False, **(extra_context or {})})

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset,
                                          TICKET_NUMBER.sub(r"\1", search_term))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # The queue's columns

    def result_rows(self, changelist) -> SafeString | None:
        """The queue's rows, ``<tr>`` after ``<tr>``, as admin's result list writes them (a
        ``<th>`` link, then a cell for each column), each column called once a ticket and the
        rows joined into one string for the template; None where admin's own rows are
        needed (a popup, an editable list, or actions and their checkboxes). Admin looks each
        cell up on the model and the admin first: 15 of the 21 ms of a page of 50 tickets
        (issue 5)."""
        if not self.writes_rows(changelist):
            return None
        if isinstance(changelist.result_list, RenderedPage):
            return changelist.result_list.rows
        # Each column's cell before and after its value: a link column's holds the ticket's
        # link, and the first of them is the row's <th>.
        columns, tag = [], "th"
        for name in self.list_display:
            if name in changelist.list_display_links:
                columns.append((getattr(self, name), True,
                                f'<{tag} class="field-{name}"><a href="', f"</a></{tag}>"))
                tag = "td"
            else:
                columns.append((getattr(self, name), False, f'<td class="field-{name}">',
                                "</td>"))
        change_url = add_preserved_filters(
            {"preserved_filters": changelist.preserved_filters, "opts": self.opts},
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=[ROW_PK]))
        html = []
        for ticket in changelist.result_list:
            url = escape(change_url.replace(ROW_PK, quote(str(ticket.pk)), 1))
            html.append("<tr>")
            for column, link, start, end in columns:
                html.extend((start, f'{url}">' if link else "",
                             conditional_escape(column(ticket)), end))
            html.append("</tr>\n")
        rows = "".join(html)
        if changelist.rows_key is not None and (seconds := changelist.paginator.seconds_left()) > 0:
            cache.set(changelist.rows_key, (rows, len(changelist.result_list)), seconds)
        # Safe: the URLs and every value are escaped above, the rest is our markup.
        return mark_safe(rows)  # noqa: S308

    def writes_rows(self, changelist) -> bool:
        """Whether result_rows writes the changelist's rows: not where admin's own are needed
        (a popup, an editable list, or actions and their checkboxes)."""
        return not (changelist.is_popup or changelist.to_field or self.list_editable
                    or list(changelist.list_display) != self.list_display)

    @admin.display(description=gettext_lazy("number"), ordering="number")
    def number_label(self, ticket):
        if ticket.hotrush:
            return format_html('#{}<br><span class="hotrush">{}</span>', ticket.number,
                               cell_word(CellWord.HOTRUSH))
        return f"#{ticket.number}"

    @admin.display(description=gettext_lazy("Brief description"), ordering="subject")
    def subject_label(self, ticket):
        return format_html('{}<br><small class="quiet">{}</small>', ticket.subject,
                           ticket.company_name)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, ticket):
        return choice_label(Status, ticket.status)

    @admin.display(description=gettext_lazy("priority"), ordering="score")
    def priority_label(self, ticket):
        """The customer's label and the effective score the queue sorts by (T-7)."""
        return format_html('{}<br><small class="quiet">{} {}</small>',
                           choice_label(Priority, ticket.priority), cell_word(CellWord.SCORE),
                           f"{ticket.score:.2f}")

    @admin.display(description=gettext_lazy("first response due"),
                   ordering="first_response_due_at")
    def due_label(self, ticket):
        if ticket.first_response_due_at is None:
            return "—"
        due = local_datetime(ticket.first_response_due_at)
        if ticket.is_overdue:
            return format_html('{} <strong class="overdue">{}</strong>', due,
                               cell_word(CellWord.OVERDUE))
        if ticket.first_response_at is not None:
            return format_html('{} <span class="answered">{}</span>', due,
                               cell_word(CellWord.ANSWERED))
        return due

    @admin.display(description=gettext_lazy("assignee"), ordering="assignee")
    def assignee_label(self, ticket):
        return person_label(ticket, "assignee") or self.get_empty_value_display()

    @admin.display(description=gettext_lazy("department"), ordering="department")
    def department_label(self, ticket):
        return ticket.department_name

    @admin.display(description=gettext_lazy("last reply"), ordering="last_message_at")
    def last_reply(self, ticket):
        if ticket.last_message_at is None:
            return "—"
        when = local_datetime(ticket.last_message_at)
        return format_html("{}<br><small>{}</small>", when,
                           person_label(ticket, "last_message_by") or "")

    # The ticket page

    def get_urls(self):
        def wrap(view, **fixed):
            def wrapper(request, *args, **kwargs):
                return self.admin_site.admin_view(view)(request, *args, **kwargs, **fixed)
            wrapper = update_wrapper(wrapper, view)
            wrapper.model_admin = self
            return wrapper

        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            *(path(f"<path:object_id>/{action}/", wrap(self.work_view, action=action),
                   name=f"{name}_{action}") for action in WORK),
            path("<path:object_id>/access-info/", wrap(self.access_info_view),
                 name=f"{name}_access_info"),
            path("<path:object_id>/attachments/<int:attachment_id>/",
                 wrap(self.attachment_view), name=f"{name}_attachment"),
            *super().get_urls(),
        ]

    def page_url(self, ticket) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                       args=[ticket.pk])

    def ticket_for(self, request, object_id, action: str) -> Ticket:
        """The ticket, if it is of the person's tenant (else 404) and they may ``action``
        it (else 403)."""
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            raise Http404
        if not self.permits(request, action, ticket):
            raise PermissionDenied
        return ticket

    def work_view(self, request, object_id, action):
        """Validate one form of the ticket page, call its service, go back to the page."""
        ticket = self.ticket_for(request, object_id, CHANGE)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        work = WORK[action]
        form = work.form(request.POST, ticket=ticket)
        if form.is_valid():
            try:
                messages.success(request, work.perform(request, ticket, form.cleaned_data))
                return redirect(self.page_url(ticket))
            except TicketError as error:
                messages.error(request, error.message)
        else:
            for error in form_errors(form):
                messages.error(request, error)
        # What was typed comes back in the form, so that a refused reply is not lost.
        request.session[draft_key(ticket)] = {"action": action, "data": {
            key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}}
        return redirect(self.page_url(ticket))

    def access_info_view(self, request, object_id):
        """The ticket's access info, decrypted for this response only; the view is logged
        and the page is never cached (T-10)."""
        ticket = self.ticket_for(request, object_id, VIEW)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            entries = services.read_access_info(ticket=ticket, viewer=request.user)
        except TicketError as error:
            messages.error(request, error.message)
            return redirect(self.page_url(ticket))
        response = TemplateResponse(request, "admin/tickets/ticket/access_info.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": ticket,
            "ticket": ticket, "entries": entries, "page_url": self.page_url(ticket),
            "title": _("Access info of ticket #%(number)s") % {"number": ticket.number},
        })
        patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response

    def attachment_view(self, request, object_id, attachment_id):
        ticket = self.ticket_for(request, object_id, VIEW)
        attachment = (Attachment.objects.for_tenant(ticket.tenant_id)
                      .filter(pk=attachment_id, message__ticket=ticket).first())
        if attachment is None:
            raise Http404
        try:
            stream = attachment.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        return FileResponse(stream, as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None:
            context.update(self.ticket_page(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def ticket_page(self, request, ticket) -> dict:
        """What the ticket page shows besides the ticket: thread, history and work forms."""
        draft = request.session.pop(draft_key(ticket), {})
        may_work = self.permits(request, CHANGE, ticket)
        messages_ = list(thread(ticket, include_internal=True))
        forms = {action: work.form(ticket=ticket, initial=draft["data"]
                                   if draft.get("action") == action else None)
                 for action, work in WORK.items()} if may_work else {}
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        return {
            "title": _("Ticket #%(number)s") % {"number": ticket.number},
            "subtitle": ticket.subject,
            "ticket": ticket,
            "thread": messages_,
            # Staff split a customer's later message, never the ticket's first one (T-2).
            "splittable": {message.pk for message in messages_[1:]
                           if not message.by_staff and not message.internal},
            "history": event_details(list(ticket_history(ticket)), ticket.tenant_id),
            "access_info_count": access_info_count(ticket),
            "may_work": may_work,
            "forms": forms,
            "urls": {action: reverse(f"{name}_{action}", args=[ticket.pk])
                     for action in [*WORK, "access_info"]},
            "policy": ticket.tenant.policy,
            "quote_open": ticket.status == Status.AWAITING_QUOTE,
        }


@admin.register(TicketType)
class TicketTypeAdmin(TenantScopedAdmin):
    """Managers name the tenant's ticket types and route each to a department (T-1, T-14).

    Types are never deleted (tickets keep theirs); one that is retired is no longer offered
    to customers."""

    list_display = ["name", "kind", "department", "customer_selectable", "position"]
    list_select_related = ["department"]
    list_filter = ["kind", "department", "customer_selectable"]
    search_fields = ["name"]
    fields = ["name", "kind", "department", "customer_selectable", "position"]


@admin.register(CannedReply)
class CannedReplyAdmin(TenantScopedAdmin):
    """Prepared answers agents pick on the ticket page; managers keep them (T-15)."""

    list_display = ["title", "excerpt"]
    search_fields = ["title", "body"]
    fields = ["title", "body"]

    @admin.display(description=gettext_lazy("text"))
    def excerpt(self, reply):
        return reply.body if len(reply.body) <= 100 else f"{reply.body[:99]}…"


@admin.register(HotRushDisable)
class HotRushDisableAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    """The counted HotRush disables of each company (T-6), for managers to look up."""

    list_display = ["company", "ticket", "by", "created_at"]
    list_select_related = ["company", "ticket", "by"]
    list_filter = ["company"]
    search_fields = ["company__name", "ticket__number__exact"]
    fields = ["company", "ticket", "by", "created_at"]
    readonly_fields = fields
