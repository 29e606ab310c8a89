"""Forms of "Edit self profile" and of the language switch (ACC-5)."""
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..models import Tenant, User
from ..selectors import offered_languages

# The newsletter topics of ACC-5 in the seed's order, shown under the "Newsletter" heading.
NEWSLETTER_TOPICS = ("news_company", "news_promotions", "news_security", "news_products",
                     "news_minor_releases")


def language_choices(tenant: Tenant | None) -> list[tuple[str, str]]:
    offered = offered_languages(tenant)
    return [(code, name) for code, name in settings.LANGUAGES if code in offered]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "notification_email", "language",
                  "time_zone", *NEWSLETTER_TOPICS]

    def __init__(self, *args, tenant: Tenant | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(tenant)
        vendor_zone = tenant.policy.time_zone if tenant else settings.TIME_ZONE
        self.fields["time_zone"].choices = [
            ("", _("The vendor's time zone (%(zone)s)") % {"zone": vendor_zone}),
            *[choice for choice in self.fields["time_zone"].choices if choice[0]],
        ]

    @property
    def contact_fields(self):
        return [self[name] for name in self.Meta.fields if name not in NEWSLETTER_TOPICS]

    @property
    def newsletter_fields(self):
        return [self[name] for name in NEWSLETTER_TOPICS]


class LanguageForm(forms.Form):
    language = forms.ChoiceField()

    def __init__(self, *args, tenant: Tenant | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(tenant)
