"""Forms of "Manage accounts": a new account, a person's role and status, the hand-over (ACC-4)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Role, User
from ..services.people import ASSIGNABLE_ROLES

ROLE_CHOICES = [(role.value, role.label) for role in ASSIGNABLE_ROLES]


class NewPersonForm(forms.ModelForm):
    role = forms.ChoiceField(
        label=_("Account type"), choices=ROLE_CHOICES, initial=Role.SECONDARY,
        help_text=_("Secondary accounts correspond with support and read the FAQ. Advanced "
                    "secondary accounts may also buy, pay invoices, download software and see "
                    "licenses."))

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone"]
        help_texts = {"email": _("This email address becomes the person's login.")}


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Account type"), choices=ROLE_CHOICES)
    is_active = forms.BooleanField(
        label=_("Active"), required=False,
        help_text=_("A disabled person cannot log in; their open sessions end at once."))


class HandOverForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that I become an advanced secondary account and this person "
                "becomes the primary account holder."))
