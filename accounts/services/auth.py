"""Login with lockout and two-factor, password reset and change, TOTP enrolment (ACC-3, TEN-5)."""
import datetime

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..errors import AccountsError
from ..mail import send_account_email
from ..models import LoginThrottle, Tenant, User

# The same words whether the email is unknown, the password wrong or the person disabled:
# nothing here may tell whether an email has an account (TEN-5).
LOGIN_FAILED = _("That email and password do not match an account here. Check both and try "
                 "again.")
LOGIN_LOCKED = _("Too many failed attempts for this email. Wait %(minutes)d minutes and try "
                 "again, or reset your password.")
CODE_INVALID = _("That code is not valid. Enter the current code from your authenticator app, "
                 "or one of your unused recovery codes.")
SETUP_CODE_INVALID = _("That code does not match. Check that your phone's clock is right and "
                       "enter the code your authenticator app shows now.")
ALREADY_ENABLED = _("Two-factor authentication is already on. To use another app, disable it "
                    "first.")
NO_PENDING_DEVICE = _("Start again: choose “Enable” to get a new QR code.")

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class PasswordResetTokens(PasswordResetTokenGenerator):
    """Reset links of their own salt, so that no other link (e.g. an invitation) opens them.

    The token hashes the password and the last login, so it works once (ACC-3).
    """

    key_salt = "accounts.services.auth.PasswordResetTokens"


password_reset_tokens = PasswordResetTokens()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _lock_message() -> str:
    return LOGIN_LOCKED % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def is_login_locked(*, tenant: Tenant | None, email: str) -> bool:
    """True while ``email`` at ``tenant`` is locked out, whether or not such a person exists."""
    return (LoginThrottle.objects.for_host(tenant)
            .filter(email=normalize_email(email), locked_until__gt=timezone.now()).exists())


@transaction.atomic
def record_login_failure(*, tenant: Tenant | None, email: str) -> bool:
    """Count one failed attempt; lock after ``LOGIN_FAILURE_LIMIT`` within the window.

    Holds the throttle row with ``select_for_update`` so that parallel attempts all count.
    Returns True when the email is now locked.
    """
    now = timezone.now()
    window = datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    throttle, created = (LoginThrottle.objects.for_host(tenant).select_for_update()
                         .get_or_create(tenant=tenant, email=normalize_email(email),
                                        defaults={"first_failure_at": now}))
    window_over = throttle.first_failure_at <= now - window or (
        throttle.locked_until is not None and throttle.locked_until <= now)
    if created or window_over:
        throttle.failures, throttle.first_failure_at, throttle.locked_until = 1, now, None
    else:
        throttle.failures += 1
    if throttle.failures >= settings.LOGIN_FAILURE_LIMIT:
        throttle.locked_until = now + window
    throttle.save(update_fields=["failures", "first_failure_at", "locked_until"])
    return throttle.locked_until is not None


def clear_login_failures(*, tenant: Tenant | None, email: str) -> None:
    LoginThrottle.objects.for_host(tenant).filter(email=normalize_email(email)).delete()


def _refuse(*, tenant: Tenant | None, email: str, message) -> None:
    locked = record_login_failure(tenant=tenant, email=email)
    raise AccountsError(_lock_message() if locked else message)


def check_password_step(*, request, email: str, password: str) -> User:
    """The person of ``request.tenant`` with this email and password, not yet logged in.

    Raises ``AccountsError(LOGIN_LOCKED)`` while locked (the password is not even checked)
    and ``AccountsError(LOGIN_FAILED)`` for a wrong password, an unknown email or a
    disabled person alike; each failure counts toward the lockout (ACC-3).
    """
    tenant = request.tenant
    if is_login_locked(tenant=tenant, email=email):
        raise AccountsError(_lock_message())
    user = authenticate(request, email=email, password=password)
    if user is None:
        _refuse(tenant=tenant, email=email, message=LOGIN_FAILED)
    return user


def check_code_step(*, tenant: Tenant | None, user: User, code: str) -> None:
    """Accept a current TOTP code or an unused recovery code (which is then used up).

    Wrong codes count toward the same lockout as wrong passwords (ACC-3).
    """
    if is_login_locked(tenant=tenant, email=user.email):
        raise AccountsError(_lock_message())
    if match_token(user, normalize_code(code)) is None:
        _refuse(tenant=tenant, email=user.email, message=CODE_INVALID)


def log_in(*, request, user: User, backend: str) -> None:
    """Start the session and forget earlier failures of this email."""
    login(request, user, backend=backend)
    clear_login_failures(tenant=request.tenant, email=user.email)


def normalize_code(code: str) -> str:
    """Codes as people type them: spaces and dashes dropped, recovery codes in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice | None:
    """The device being enrolled: created by ``start_two_factor``, not yet confirmed."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def start_two_factor(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed TOTP device with a new secret; earlier unfinished ones go.

    Raises ``AccountsError(ALREADY_ENABLED)`` while an app is confirmed: replacing it takes
    turning it off first, which asks for the password.
    """
    if has_two_factor(user):
        raise AccountsError(ALREADY_ENABLED)
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_two_factor(*, user: User, code: str) -> list[str]:
    """Confirm the pending device with a current code; returns new recovery codes to show once.

    Raises ``AccountsError(SETUP_CODE_INVALID)`` and leaves the device unconfirmed on a
    wrong code. Locks the pending device row.
    """
    device = (TOTPDevice.objects.devices_for_user(user, confirmed=False)
              .select_for_update().first())
    if device is None:
        raise AccountsError(NO_PENDING_DEVICE)
    if not device.verify_token(normalize_code(code)):
        raise AccountsError(SETUP_CODE_INVALID)
    TOTPDevice.objects.devices_for_user(user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.devices_for_user(user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


@transaction.atomic
def disable_two_factor(*, user: User) -> None:
    """Remove the authenticator and the recovery codes; the caller has checked the password."""
    TOTPDevice.objects.devices_for_user(user).delete()
    StaticDevice.objects.devices_for_user(user).delete()


def request_password_reset(*, tenant: Tenant, email: str, site_url: str) -> None:
    """Email a one-time reset link to the active person with this email at ``tenant`` only.

    Does nothing, silently, when there is none: the page says the same either way (TEN-5).
    ``site_url`` is the scheme and host of the tenant's site, e.g. ``https://alpha.example``.
    """
    user = (User.objects.for_tenant(tenant)
            .filter(email__iexact=normalize_email(email), is_active=True).first())
    if user is None:
        return
    path = reverse("accounts:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": password_reset_tokens.make_token(user),
    })
    send_account_email(tenant=tenant, to=user.email, template="accounts/email/password_reset",
                       context={"user": user, "link": f"{site_url}{path}",
                                "hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
                       language=user.language)


@transaction.atomic
def reset_password(*, user: User, password: str) -> None:
    """Set the new password from a reset link: every session of the person ends (their
    session hash changes), the link stops working, and the lockout of the email is lifted.
    The link arrived by email, so it also proves the address."""
    user.set_password(password)
    fields = ["password"]
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        fields.append("email_verified_at")
    user.save(update_fields=fields)
    clear_login_failures(tenant=user.tenant, email=user.email)


def change_password(*, user: User, password: str) -> None:
    """Set a new password; every session of the person ends. The view keeps its own alive."""
    user.set_password(password)
    user.save(update_fields=["password"])
