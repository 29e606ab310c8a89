"""Customer pages of the Communication Center: the index, a new ticket, the ticket page with
its properties, attachments and access info (T-1..T-13).

Every page finds its ticket through ``access_ticket`` (another company's or tenant's number
is a 404) and every write is one service call whose refusal is shown on the page.
"""
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from accounts.permissions import Capability, can

from . import errors, services
from .access import access_access_info, access_ticket
from .errors import TicketError
from .forms import (
    AccessInfoForm,
    FollowForm,
    HideClosedRatedForm,
    HotRushForm,
    MessageIdForm,
    NewTicketForm,
    PriorityForm,
    QuoteAnswerForm,
    RatingForm,
    ReplyForm,
    StatusForm,
    TicketFilterForm,
)
from .lifecycle import Actor, Status, allowed_moves, customer_label
from .models import Kind, Priority, Ticket
from .pricing import ticket_price
from .selectors import (
    CompanyTicketPaginator,
    access_infos,
    account_priority_level,
    find_message,
    public_attachment,
    rating_deadline,
    split_out_tickets,
    thread,
    ticket_licenses,
    tickets_for_company,
)

PAGE_SIZE = 25
# The customer's names for the moves of "Ticket properties" (T-5, seeds' words).
MOVE_LABELS = {
    Status.CLOSED: gettext_lazy("Close"),
    Status.REOPENED: gettext_lazy("Re-open"),
    Status.IN_PROGRESS: gettext_lazy("In progress"),
}


def _ticket_url(ticket: Ticket, anchor: str = "") -> str:
    url = reverse("tickets:detail", args=[ticket.number])
    return f"{url}#{anchor}" if anchor else url


# The index (T-9, T-12) ---------------------------------------------------------------------

@customer_required(Capability.TICKETS)
def ticket_index(request):
    tenant, user = request.tenant, request.user
    filter_form = TicketFilterForm(request.GET, tenant=tenant)
    filters = {**filter_form.filters(), "hide_closed_rated": user.hide_closed_rated}
    company = request.membership.company
    tickets = tickets_for_company(tenant, company, **filters)
    page = CompanyTicketPaginator(tickets, PAGE_SIZE, tenant=tenant, company=company,
                                  filters=filters).get_page(request.GET.get("page"))
    offset = request.membership.company.priority_offset
    return render(request, "tickets/index.html", {
        "filter_form": filter_form,
        "sort": filters["sort"],
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_ends=1),
        "priority_level": account_priority_level(offset),
        "priority_offset": ("+" if offset > 0 else "") + number_format(offset, 2),
    })


@customer_required(Capability.TICKETS)
@require_POST
def hide_closed_rated(request):
    form = HideClosedRatedForm(request.POST)
    form.is_valid()  # an unticked or odd checkbox is simply False
    services.set_hide_closed_rated(user=request.user, hide=form.cleaned_data.get("hide", False))
    return redirect("tickets:index")


@customer_required(Capability.TICKETS)
def message_search(request):
    """"Search by Message ID": the ticket, at that message; never another company's (T-4)."""
    form = MessageIdForm(request.GET)
    found = (find_message(request.tenant, request.membership.company,
                          form.cleaned_data["message_id"]) if form.is_valid() else None)
    if found is None:
        messages.error(request, _("There is no message with the ID “%(id)s” in your company's "
                                  "tickets. Message IDs are shown in every notification email.")
                       % {"id": request.GET.get("message_id", "").strip()[:16]})
        return redirect("tickets:index")
    return redirect(_ticket_url(found.ticket, f"m-{found.public_id}"))


# Create a new ticket (T-1, T-2, T-13) ------------------------------------------------------

def _price_table(form: NewTicketForm, policy) -> list[tuple[str, list[int]]]:
    """Credits per choice and priority when the tenant prices tickets (B-5), else []."""
    if policy.show_ticket_type:
        choices = [(t.name, t) for t in form.types.values()]
    else:
        choices = [(t.department.name, t) for t in form.department_types.values()]
    rows = [(name, [ticket_price(policy, kind=t.kind, priority=p) for p in Priority])
            for name, t in choices]
    priced = any(any(prices) for _name, prices in rows) or policy.hotrush_price
    return rows if priced else []


@customer_required(Capability.TICKETS)
def ticket_new(request):
    tenant, membership = request.tenant, request.membership
    posted = request.method == "POST"
    form = NewTicketForm(request.POST if posted else None, request.FILES if posted else None,
                         tenant=tenant, company=membership.company)
    if form.is_bound and form.is_valid():
        try:
            ticket = services.submit_ticket(tenant=tenant, membership=membership,
                                            **form.service_arguments())
        except TicketError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Ticket #%(number)s is sent. We will answer here.")
                             % {"number": ticket.number})
            return redirect(_ticket_url(ticket))
    return render(request, "tickets/new.html", {
        "form": form,
        "price_table": _price_table(form, tenant.policy),
        "priorities": list(Priority),
    })


# The ticket page (T-4, T-5, T-8, T-9) ------------------------------------------------------

# Bounds how long a renamed author or a changed label shows in an already rendered thread.
THREAD_CACHE_SECONDS = 600


def _detail_page(request, ticket: Ticket, *, reply_form=None, rating_form=None):
    tenant, policy = request.tenant, request.tenant.policy
    deadline = rating_deadline(ticket, policy)
    counted = ticket.hotrush and ticket.status in services.COUNTED_HOTRUSH_STATUSES
    return render(request, "tickets/detail.html", {
        "ticket": ticket,
        "tab": "messages",
        # Rendered once per new message, language and time zone (issue 5); the queryset is
        # lazy, so a cached thread costs no query.
        "thread": thread(ticket, include_internal=False),
        "THREAD_CACHE_SECONDS": THREAD_CACHE_SECONDS,
        "licenses": ticket_licenses(ticket),
        "split_out": split_out_tickets(ticket),
        "moves": [(status, MOVE_LABELS[status])
                  for status in allowed_moves(ticket.status, Actor.CUSTOMER)
                  if status != Status.SUBMITTED],
        "reply_form": reply_form or ReplyForm(policy=policy),
        "closed_message": errors.CANNOT_POST_ON_CLOSED,
        "priority_form": PriorityForm(initial={"priority": ticket.priority}),
        "rating_form": rating_form or RatingForm(initial={"rating": ticket.rating,
                                                          "comment": ticket.rating_comment}),
        "rating_deadline": deadline,
        "rating_editable": ticket.is_closed and (deadline is None or timezone.now() <= deadline),
        "hotrush_offered": ticket.kind == Kind.SUPPORT,
        "hotrush_disables_left": (services.hotrush_disables_left(
            tenant=tenant, company=request.membership.company) if counted else None),
    })


@customer_required(Capability.TICKETS)
def ticket_detail(request, number):
    return _detail_page(request, access_ticket(request.membership, number))


@customer_required(Capability.TICKETS)
@require_POST
def ticket_reply(request, number):
    ticket = access_ticket(request.membership, number)
    form = ReplyForm(request.POST, request.FILES, policy=request.tenant.policy)
    if form.is_valid():
        try:
            message = services.post_message(ticket=ticket, author=request.user,
                                            body=form.cleaned_data["body"],
                                            uploads=form.cleaned_data["files"])
        except TicketError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your message is sent."))
            return redirect(_ticket_url(ticket, f"m-{message.public_id}"))
    return _detail_page(request, ticket, reply_form=form)


def _apply(request, number: int, form_class, change) -> HttpResponse:
    """Bind ``form_class`` to the POST, call ``change(ticket, cleaned_data)`` (one service,
    returning the success text) and go back to the ticket's properties with the outcome."""
    ticket = access_ticket(request.membership, number)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the offered options."))
    else:
        try:
            messages.success(request, change(ticket, form.cleaned_data))
        except TicketError as error:
            messages.error(request, error.message)
    return redirect(_ticket_url(ticket, "properties"))


@customer_required(Capability.TICKETS)
@require_POST
def ticket_status(request, number):
    def change(ticket, data):
        ticket = services.customer_change_status(membership=request.membership, ticket=ticket,
                                                 to=data["to"])
        return _("The ticket is now “%(status)s”.") % {"status": customer_label(
            ticket.status, simple=request.tenant.policy.simple_statuses)}

    return _apply(request, number, StatusForm, change)


@customer_required(Capability.TICKETS)
@require_POST
def ticket_priority(request, number):
    def change(ticket, data):
        ticket = services.set_priority(ticket=ticket, priority=data["priority"], by=request.user,
                                       membership=request.membership)
        return _("The priority is now %(priority)s.") % {
            "priority": ticket.get_priority_display()}

    return _apply(request, number, PriorityForm, change)


@customer_required(Capability.TICKETS)
@require_POST
def ticket_follow(request, number):
    def change(ticket, data):
        follow = data["follow"] == "on"
        services.follow_ticket(ticket=ticket, membership=request.membership, follow=follow)
        if follow:
            return _("You will get this ticket's emails.")
        return _("You will no longer get this ticket's emails.")

    return _apply(request, number, FollowForm, change)


@customer_required(Capability.TICKETS)
@require_POST
def ticket_hotrush(request, number):
    def change(ticket, data):
        enable = data["hotrush"] == "enable"
        services.set_hotrush(ticket=ticket, enable=enable, by=request.user,
                             membership=request.membership)
        return _("HotRush is enabled.") if enable else _("HotRush is disabled.")

    return _apply(request, number, HotRushForm, change)


@customer_required(Capability.TICKETS)
@require_POST
def ticket_quote(request, number):
    def change(ticket, data):
        accept = data["answer"] == "accept"
        services.answer_quote(membership=request.membership, ticket=ticket, accept=accept)
        if accept:
            return _("You accepted the quote: your ticket is in the queue.")
        return _("You declined the quote and the ticket is closed. You can re-open it.")

    return _apply(request, number, QuoteAnswerForm, change)


@customer_required(Capability.TICKETS)
@require_POST
def ticket_rate(request, number):
    ticket = access_ticket(request.membership, number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_ticket(membership=request.membership, ticket=ticket,
                                 rating=form.cleaned_data["rating"],
                                 comment=form.cleaned_data["comment"])
        except TicketError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for rating this ticket."))
            return redirect(_ticket_url(ticket, "rate"))
    return _detail_page(request, ticket, rating_form=form)


# Attachments (F-5) --------------------------------------------------------------------------

@customer_required(Capability.TICKETS)
def attachment_download(request, number, pk):
    """A file of a public message of the ticket, always as a download, never sniffed."""
    attachment = public_attachment(access_ticket(request.membership, number), pk)
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# Access info (T-10): never cached, never in a URL, every view logged -----------------------

@sensitive_variables("revealed")
def _access_info_page(request, ticket: Ticket, *, form=None, revealed=None):
    allowed = can(request.membership, Capability.ACCESS_INFO)
    return render(request, "tickets/access_info.html", {
        "ticket": ticket,
        "tab": "access_info",
        "split_out": split_out_tickets(ticket),
        "allowed": allowed,
        "refusal": errors.ACCESS_INFO_ROLE,
        "form": form or AccessInfoForm(),
        "infos": access_infos(ticket) if allowed and revealed is None else [],
        "revealed": revealed,
    })


@customer_required(Capability.TICKETS)
@never_cache
@sensitive_post_parameters("login", "password", "notes")
def access_info(request, number):
    ticket = access_ticket(request.membership, number)
    form = AccessInfoForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.post_access_info(membership=request.membership, ticket=ticket,
                                      **form.cleaned_data)
        except TicketError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Access info saved. Only the support engineers and your "
                                        "primary and advanced accounts can see it; every view "
                                        "is logged."))
            return redirect("tickets:access_info", number=ticket.number)
    return _access_info_page(request, ticket, form=form)


@customer_required(Capability.TICKETS)
@never_cache
@require_POST
@sensitive_variables("revealed")
def access_info_show(request, number):
    """The decrypted access info, on this response only (T-10)."""
    ticket = access_ticket(request.membership, number)
    try:
        revealed = services.read_access_info(ticket=ticket, viewer=request.user,
                                             membership=request.membership)
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("tickets:access_info", number=ticket.number)
    return _access_info_page(request, ticket, revealed=revealed)


@customer_required(Capability.TICKETS)
@require_POST
def access_info_delete(request, number, pk):
    ticket = access_ticket(request.membership, number)
    info = access_access_info(request.membership, ticket, pk)
    try:
        services.delete_access_info(membership=request.membership, info=info)
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Access info deleted."))
    return redirect("tickets:access_info", number=ticket.number)
