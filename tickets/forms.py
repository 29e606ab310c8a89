"""Forms of the customer's Communication Center: they check the shape of input, the services
check the rules (T-1, T-4, T-5, T-8, T-9, T-10, T-12)."""
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import errors
from .lifecycle import Status, customer_label
from .models import AccessKind, Kind, Priority
from .selectors import (
    DEFAULT_SORT,
    OPEN,
    SORTS,
    company_licenses,
    customer_ticket_types,
    marked_versions,
    ticket_types,
)
from .versions import LABELS as VERSION_MARKS

PRIORITY_HELP = {
    Priority.MAJOR: _("a response is required as fast as possible"),
    Priority.NORMAL: _("not that urgent, but a faster reply is preferred"),
    Priority.MINOR: _("the guaranteed 24-hour response time is fine"),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's "Uploading multiple files" recipe); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, (list, tuple)):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []


def files_help(policy) -> str:
    return _("Up to %(count)s files, each at most %(mb)s MB: %(types)s.") % {
        "count": policy.max_attachments_per_message, "mb": policy.max_attachment_mb,
        "types": ", ".join(sorted(policy.attachment_extensions))}


def files_field(policy) -> MultipleFileField:
    return MultipleFileField(label=_("Add files"), required=False, help_text=files_help(policy))


# Index (T-12) ------------------------------------------------------------------------------

SMALL_SELECT = "form-select form-select-sm"


class TicketFilterForm(forms.Form):
    """The index's filters and sort: only known values; anything else is an error, ignored."""

    status = forms.ChoiceField(label=_("Status"), required=False,
                               widget=forms.Select(attrs={"class": SMALL_SELECT}))
    type = forms.TypedChoiceField(label=_("Type"), required=False, coerce=int, empty_value=None,
                                  widget=forms.Select(attrs={"class": SMALL_SELECT}))
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[(key, key) for key in SORTS])

    def __init__(self, data, *, tenant):
        super().__init__(data)
        policy = tenant.policy
        shown = ([Status.CLOSED] if policy.simple_statuses else list(Status))
        self.fields["status"].choices = [("", _("All")), (OPEN, _("Open (not closed)"))] + [
            (status.value, customer_label(status, simple=policy.simple_statuses))
            for status in shown]
        if policy.show_ticket_type:
            self.fields["type"].choices = [("", _("All"))] + [
                (t.pk, t.name) for t in ticket_types(tenant)]
        else:
            del self.fields["type"]

    def filters(self) -> dict:
        """The valid filters as selector arguments; invalid ones are dropped, their errors shown."""
        self.is_valid()
        data = self.cleaned_data
        return {"status": data.get("status") or "", "type_id": data.get("type"),
                "sort": data.get("sort") or DEFAULT_SORT}


class HideClosedRatedForm(forms.Form):
    hide = forms.BooleanField(label=_("Hide closed and rated tickets"), required=False)


class MessageIdForm(forms.Form):
    message_id = forms.CharField(label=_("Search by Message ID"), max_length=16, strip=True)


# Create a new ticket (T-1, T-2, T-6, T-8, T-11) ---------------------------------------------

class NewTicketForm(forms.Form):
    """Every T-1 field a customer fills in. When the tenant shows no type (seed 004) the
    customer picks a department and the ticket takes that department's first type (T-14).

    Choices are checked against lists loaded once, so no posted id reaches a query.
    """

    type = forms.TypedChoiceField(label=_("Type"), coerce=int,
                                  error_messages={"invalid_choice": errors.TYPE_NOT_OFFERED})
    department = forms.TypedChoiceField(
        label=_("Department"), coerce=int,
        error_messages={"invalid_choice": errors.DEPARTMENT_UNKNOWN},
        help_text=_("Not sure? Choose technical support: they forward your request."))
    licenses = forms.TypedMultipleChoiceField(
        label=_("License"), required=False, coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": errors.NOT_YOUR_LICENSE},
        help_text=_("The licenses of the stores this request is about."))
    product_version = forms.TypedChoiceField(
        label=_("Product version"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": errors.UNKNOWN_VERSION})
    hotrush = forms.BooleanField(label=_("HotRush"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), initial=Priority.NORMAL, widget=forms.RadioSelect,
        choices=[(p.value, format_lazy("{}: {}", p.label, PRIORITY_HELP[p])) for p in Priority])
    quote_requested = forms.BooleanField(
        label=_("Get price quote for my support request"), required=False,
        help_text=_("We estimate your request first and start work only after you accept the "
                    "cost here. This may postpone the ticket-handling: do not use it if you need "
                    "an urgent solution."))
    subject = forms.CharField(label=_("Brief description"), max_length=200,
                              help_text=_("A short title of your request."))
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Your request in detail: what you did, what you expected, "
                                       "what happened instead."))

    def __init__(self, data=None, files=None, *, tenant, company):
        super().__init__(data, files)
        policy = tenant.policy
        self.types = {t.pk: t for t in customer_ticket_types(tenant)}
        # Seed 004: a department stands for its first selectable type.
        self.department_types = {}
        for ticket_type in self.types.values():
            self.department_types.setdefault(ticket_type.department_id, ticket_type)
        if policy.show_ticket_type:
            del self.fields["department"]
            self.fields["type"].choices = [("", "—")] + [
                (t.pk, t.name) for t in self.types.values()]
            supports = [pk for pk, t in self.types.items() if t.kind == Kind.SUPPORT]
        else:
            del self.fields["type"]
            self.fields["department"].choices = [("", "—")] + [
                (pk, t.department.name) for pk, t in self.department_types.items()]
            supports = [pk for pk, t in self.department_types.items() if t.kind == Kind.SUPPORT]
        # tickets.js greys HotRush out for other kinds; the service refuses them regardless.
        self.fields["hotrush"].widget.attrs["data-support-choices"] = " ".join(map(str, supports))
        self.fields["hotrush"].help_text = _(
            "For an urgent tech support request, such as a store that is down: answered out of "
            "queue within %(hours)s hours.") % {"hours": policy.hotrush_response_hours}
        self.licenses = {lic.pk: lic for lic in company_licenses(tenant, company)}
        self.fields["licenses"].choices = [(pk, str(lic)) for pk, lic in self.licenses.items()]
        self.versions = {}
        groups: dict[str, list] = {}
        for version, mark in marked_versions(tenant):
            self.versions[version.pk] = version
            label = f"{version.number} ({VERSION_MARKS[mark]})" if mark else version.number
            groups.setdefault(version.product.name, []).append((version.pk, label))
        self.fields["product_version"].choices = [("", "—"), *groups.items()]
        self.fields["files"] = files_field(policy)

    def service_arguments(self) -> dict:
        """The cleaned form as keyword arguments of ``services.submit_ticket``."""
        data = self.cleaned_data
        ticket_type = (self.types[data["type"]] if "type" in data
                       else self.department_types[data["department"]])
        version = data["product_version"]
        return {
            "ticket_type": ticket_type, "licenses": [self.licenses[pk] for pk in data["licenses"]],
            "product_version": self.versions[version] if version else None,
            "hotrush": data["hotrush"], "priority": data["priority"],
            "quote_requested": data["quote_requested"], "subject": data["subject"],
            "body": data["body"], "uploads": data["files"],
        }


# The ticket page (T-4, T-5, T-8, T-9, T-10) --------------------------------------------------

class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, data=None, files=None, *, policy):
        super().__init__(data, files)
        self.fields["files"] = files_field(policy)


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class FollowForm(forms.Form):
    follow = forms.ChoiceField(choices=[("on", _("Follow this ticket")),
                                        ("off", _("Stop emails"))])


class HotRushForm(forms.Form):
    hotrush = forms.ChoiceField(choices=[("enable", _("Enable HotRush")),
                                         ("disable", _("Disable HotRush"))])


class QuoteAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        choices=[(n, str(n)) for n in range(1, 6)],
        help_text=_("1 is poor, 5 is excellent."))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class AccessInfoForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AccessKind.choices)
    host = forms.CharField(label=_("Host"), max_length=255,
                           help_text=_("Host name or address; for an admin panel, its URL."))
    port = forms.IntegerField(label=_("Port"), required=False,
                              validators=[MinValueValidator(1), MaxValueValidator(65535)])
    login = forms.CharField(label=_("Login"), max_length=255, required=False)
    password = forms.CharField(label=_("Password"), max_length=255, required=False,
                               strip=False, widget=forms.PasswordInput)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))
