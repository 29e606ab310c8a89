"""Forms of the staff ticket page (T-15): each checks the shape of one action's input; the
services check the rules. Choices come from the ticket's own tenant."""
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User

from .lifecycle import Actor, Status, allowed_moves
from .models import CannedReply, Message, Priority, Ticket
from .queue import assignable_staff, tenant_departments

REPLY_OR_CANNED = _("Write a reply or choose a canned reply.")
NO_SUCH_TICKET = _("There is no ticket #%(number)s at this helpdesk.")


class TicketWorkForm(forms.Form):
    """A form about one ticket; its choices are rows of the ticket's tenant."""

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket = ticket


class ReplyForm(TicketWorkForm):
    """A public reply. A chosen canned reply's text follows what was typed, or is the whole
    reply when nothing was typed: the picker works without JavaScript."""

    body = forms.CharField(label=_("Reply"), required=False,
                           widget=forms.Textarea(attrs={"rows": 8, "cols": 80}))
    canned_reply = forms.ModelChoiceField(label=_("Canned reply"), required=False,
                                          queryset=CannedReply.all_tenants.none(),
                                          empty_label=_("(none)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canned_reply"].queryset = CannedReply.objects.for_tenant(
            self.ticket.tenant_id)

    def clean(self):
        cleaned = super().clean()
        body = cleaned.get("body", "").strip()
        canned = cleaned.get("canned_reply")
        if not body and canned is None and not self.has_error("canned_reply"):
            raise forms.ValidationError(REPLY_OR_CANNED)
        cleaned["text"] = "\n\n".join(part for part in (body, canned and canned.body) if part)
        return cleaned


class NoteForm(TicketWorkForm):
    body = forms.CharField(label=_("Internal note"),
                           widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                           help_text=_("Only staff see internal notes."))


class AssignForm(TicketWorkForm):
    assignee = forms.ModelChoiceField(label=_("Assignee"), required=False,
                                      queryset=User.objects.none(),
                                      empty_label=_("Unassigned"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_staff(self.ticket.tenant_id)
        self.fields["assignee"].initial = self.ticket.assignee_id


class DepartmentForm(TicketWorkForm):
    department = forms.ModelChoiceField(label=_("Department"),
                                        queryset=Department.all_tenants.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = tenant_departments(self.ticket.tenant_id)
        self.fields["department"].initial = self.ticket.department_id


class StatusForm(TicketWorkForm):
    """Offers the moves the transition table allows staff; any status is accepted here, so
    that a move made stale by someone else gets the service's clear refusal.

    Quote sent is left out: sending a quote moves there, with the estimate."""

    to = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = forms.CharField(label=_("Why"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.moves = [status for status in allowed_moves(self.ticket.status, Actor.STAFF)
                      if status != Status.QUOTE_SENT]
        self.fields["to"].widget.choices = [("", _("Choose…")), *(
            (status.value, status.label) for status in self.moves)]


class PriorityForm(TicketWorkForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].initial = self.ticket.priority


class QuoteForm(TicketWorkForm):
    credits = forms.IntegerField(label=_("Credits"), required=False, min_value=0,
                                 max_value=2_000_000_000)
    amount = forms.DecimalField(label=_("Amount"), required=False, min_value=0,
                                max_digits=10, decimal_places=2)
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What the estimate covers; the customer reads it."))


class SolvedForm(TicketWorkForm):
    solved = forms.TypedChoiceField(choices=[("1", _("Solved")), ("0", _("Not solved"))],
                                    coerce=lambda value: value == "1")


class SplitForm(TicketWorkForm):
    """A later public message of the customer becomes a ticket of its own (T-2)."""

    message = forms.ModelChoiceField(queryset=Message.all_tenants.none())
    subject = forms.CharField(label=_("Brief description"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["message"].queryset = Message.objects.for_tenant(
            self.ticket.tenant_id).filter(ticket=self.ticket)


class MergeForm(TicketWorkForm):
    """Close this duplicate into the ticket with the given number."""

    number = forms.IntegerField(label=_("Merge into ticket #"), min_value=1,
                                max_value=2_000_000_000)

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("number")
        if number is None:
            return cleaned
        cleaned["target"] = (Ticket.objects.for_tenant(self.ticket.tenant_id)
                             .filter(number=number).first())
        if cleaned["target"] is None:
            raise forms.ValidationError(NO_SUCH_TICKET % {"number": number})
        return cleaned
