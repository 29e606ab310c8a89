"""Writes of "Edit self profile" and the language switch (ACC-5)."""
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..errors import AccountsError
from ..models import User
from ..selectors import offered_languages

LANGUAGE_NOT_OFFERED = _("Choose one of the languages offered here.")


def _require_offered(user: User, language: str) -> None:
    if language not in offered_languages(user.tenant):
        raise AccountsError(LANGUAGE_NOT_OFFERED)


@transaction.atomic
def update_profile(*, user: User, first_name: str, last_name: str, phone: str,
                   notification_email: str, language: str, time_zone: str, news_company: bool,
                   news_promotions: bool, news_security: bool, news_products: bool,
                   news_minor_releases: bool) -> User:
    """Save the person's contact data, notification email (empty: the login email), language
    (one the tenant offers, else LANGUAGE_NOT_OFFERED), time zone (empty: the vendor's) and
    newsletter topics (ACC-5)."""
    _require_offered(user, language)
    changes = {
        "first_name": first_name, "last_name": last_name, "phone": phone,
        "notification_email": notification_email, "language": language,
        "time_zone": time_zone, "news_company": news_company, "news_promotions": news_promotions,
        "news_security": news_security, "news_products": news_products,
        "news_minor_releases": news_minor_releases,
    }
    for field, value in changes.items():
        setattr(user, field, value)
    user.save(update_fields=list(changes))
    return user


@transaction.atomic
def set_person_language(*, user: User, language: str) -> User:
    """Remember the language a logged-in person chose (one the tenant offers)."""
    _require_offered(user, language)
    user.language = language
    user.save(update_fields=["language"])
    return user
