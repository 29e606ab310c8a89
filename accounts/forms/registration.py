"""The registration form of ACC-2: the person, their company, the login and the privacy policy."""
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from ..models import Company, User, phone_validator

PASSWORD_MISMATCH = _("The two passwords do not match.")
PRIVACY_REQUIRED = _("Please accept the Privacy Policy: we cannot give support without it.")


def _model_field(model, name, **kwargs):
    """The model field's own form field, so that labels and lengths are written once."""
    return model._meta.get_field(name).formfield(**kwargs)


class RegistrationForm(forms.Form):
    first_name = _model_field(User, "first_name",
                              widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = _model_field(User, "last_name",
                             widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    company_name = _model_field(Company, "name",
                                widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    vat_code = _model_field(Company, "vat_code", help_text=_("If applicable."))
    phone = _model_field(Company, "phone", validators=[phone_validator],
                         widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    address = _model_field(Company, "address",
                           widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    city = _model_field(Company, "city",
                        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    postcode = _model_field(Company, "postcode",
                            widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    country = _model_field(Company, "country")
    email = _model_field(
        User, "email",
        help_text=_("This becomes your login. All notifications about your requests are sent "
                    "here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label=_("Password"), strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password confirmation"), strip=False,
        help_text=_("Enter the same password again."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    accept_privacy = forms.BooleanField(
        label=_("I have read and accept the Privacy Policy."),
        error_messages={"required": PRIVACY_REQUIRED})

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", PASSWORD_MISMATCH)
        elif password1:
            # The similarity check compares the password with the person's own details.
            someone = User(email=cleaned.get("email", ""),
                           first_name=cleaned.get("first_name", ""),
                           last_name=cleaned.get("last_name", ""))
            try:
                password_validation.validate_password(password1, someone)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def service_arguments(self) -> dict:
        """The cleaned data under the names ``register_customer`` takes."""
        data = dict(self.cleaned_data)
        data["password"] = data.pop("password1")
        for unused in ("password2", "accept_privacy"):
            data.pop(unused)
        return data
