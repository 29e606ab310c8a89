"""Registering a customer company and its primary person; verifying their email (ACC-2)."""
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..errors import AccountsError
from ..mail import send_account_email
from ..models import Company, Membership, Role, Tenant, User
from .auth import normalize_email

EMAIL_TAKEN = _("This email is already registered here. Log in, or use “Forgot Your "
                "Password?” to get a new password.")
VERIFICATION_INVALID = _("This verification link is not valid or has expired.")
ALREADY_VERIFIED = _("Your email address is already verified.")

VERIFY_SALT = "accounts.services.registration.verify_email"


def _email_taken(*, tenant: Tenant, email: str) -> bool:
    return User.objects.for_tenant(tenant).filter(email__iexact=email).exists()


def register_customer(*, tenant: Tenant, first_name: str, last_name: str, company_name: str,
                      vat_code: str, phone: str, address: str, city: str, postcode: str,
                      country: str, email: str, password: str, language: str,
                      site_url: str) -> User:
    """Create the company, its primary person and their membership, and email a
    verification link; all or nothing (ACC-2).

    The email is unique per tenant whatever its case (TEN-5); a taken one, also when a
    parallel registration wins the race to the database constraint, raises
    ``AccountsError(EMAIL_TAKEN)``. ``site_url`` is the scheme and host of the tenant's site.
    """
    email = normalize_email(email)
    try:
        with transaction.atomic():
            if _email_taken(tenant=tenant, email=email):
                raise AccountsError(EMAIL_TAKEN)
            company = Company.objects.create(
                tenant=tenant, name=company_name, vat_code=vat_code, phone=phone,
                address=address, city=city, postcode=postcode, country=country)
            user = User.objects.create_user(
                email, password, tenant=tenant, first_name=first_name, last_name=last_name,
                phone=phone, language=language)
            Membership.objects.create(tenant=tenant, user=user, company=company,
                                      role=Role.PRIMARY)
            send_verification_email(user=user, site_url=site_url)
    except IntegrityError:
        if _email_taken(tenant=tenant, email=email):
            raise AccountsError(EMAIL_TAKEN) from None
        raise
    return user


def verification_token(user: User) -> str:
    """A signed token naming the person and the address it verifies."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFY_SALT)


def send_verification_email(*, user: User, site_url: str) -> None:
    """Email ``user`` a link that verifies their current address (sent after commit)."""
    path = reverse("accounts:verify_email", kwargs={"token": verification_token(user)})
    send_account_email(tenant=user.tenant, to=user.email, template="accounts/email/verify",
                       context={"user": user, "link": f"{site_url}{path}",
                                "days": settings.EMAIL_VERIFICATION_MAX_AGE // 86400},
                       language=user.language)


def resend_verification_email(*, user: User, site_url: str) -> None:
    """Send the verification link again; ``AccountsError(ALREADY_VERIFIED)`` if not needed."""
    if user.email_verified:
        raise AccountsError(ALREADY_VERIFIED)
    send_verification_email(user=user, site_url=site_url)


@transaction.atomic
def confirm_email(*, tenant: Tenant, token: str) -> User:
    """Mark the address named by ``token`` verified, once; later uses change nothing.

    Raises ``AccountsError(VERIFICATION_INVALID)`` for an expired or tampered token, a
    token of another tenant's person, or one for an address the person no longer has.
    """
    try:
        claim = signing.loads(token, salt=VERIFY_SALT,
                              max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
        user = (User.objects.for_tenant(tenant).select_for_update()
                .get(pk=claim["user"], email__iexact=claim["email"], is_active=True))
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise AccountsError(VERIFICATION_INVALID) from None
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user

