"""Forms for logging in, the two-factor code, password reset requests and 2FA settings."""
from django import forms
from django.utils.translation import gettext_lazy as _

WRONG_PASSWORD = _("That is not your current password.")


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(
        attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery "
                    "codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "off", "spellcheck": "false"}))


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254,
        help_text=_("The email address you gave when you registered."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))


class DisableTwoFactorForm(forms.Form):
    password = forms.CharField(label=_("Current password"), strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(WRONG_PASSWORD, code="password_incorrect")
        return password


class ConfirmDeviceForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"), max_length=16,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
