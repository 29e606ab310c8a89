"""Writes of "Manage accounts": invite a person, change their role or disable them, hand over
the primary role, and accept an invitation (ACC-4)."""
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from ..errors import AccountsError
from ..mail import send_account_email
from ..models import Membership, Role, Tenant, User
from ..permissions import Capability, can
from ..selectors import offered_languages
from .auth import normalize_email

NOT_ALLOWED = _("Only the company's primary account holder can manage accounts.")
EMAIL_TAKEN = _("This email address already has an account here. Each person needs their own "
                "email address.")
ROLE_NOT_OFFERED = _("Choose advanced secondary or secondary. The primary role can only be "
                     "handed over.")
CANNOT_CHANGE_SELF = _("You cannot change your own role or disable yourself. To give up the "
                       "primary role, hand it over to another person.")
NO_LONGER_PRIMARY = _("You are no longer the primary account holder of this company, so you "
                      "cannot hand the role over.")
HAND_OVER_TARGET = _("Hand the primary role over to another active person of your company who "
                     "has accepted their invitation.")
STAFF_ONLY = _("Only the vendor's staff can appoint a company's primary account holder.")
PERSON_GONE = _("This person is no longer part of your company.")
ALREADY_ACCEPTED = _("This person has already set a password; there is no invitation to send.")
INVALID_INVITATION = _("This invitation link is invalid or has already been used. Ask your "
                       "company's primary account holder to send a new invitation.")

ASSIGNABLE_ROLES = (Role.ADVANCED, Role.SECONDARY)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """One-time invitation tokens: the hash covers the password, so setting it spends the link.

    The salt keeps them apart from password-reset tokens of the same person.
    """

    key_salt = "accounts.services.people.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


def _locked_memberships(*, tenant_id: int, company_id: int) -> dict[int, Membership]:
    """All memberships of a company with their people, row-locked (``select_for_update``) in
    pk order, so that concurrent writers queue up instead of deadlocking."""
    return {m.pk: m for m in (Membership.objects.for_tenant(tenant_id)
                              .select_for_update(of=("self",)).select_related("user")
                              .filter(company_id=company_id).order_by("pk"))}


def _lock_company(by: Membership) -> dict[int, Membership]:
    """The locked memberships of ``by``'s company, after re-checking under the lock that ``by``
    may still manage accounts: a concurrent hand-over may have taken the primary role away
    since the request loaded ``by``."""
    if not can(by, Capability.MANAGE_ACCOUNTS):
        raise AccountsError(NOT_ALLOWED)
    locked = _locked_memberships(tenant_id=by.tenant_id, company_id=by.company_id)
    current = locked.get(by.pk)
    if current is None or not can(current, Capability.MANAGE_ACCOUNTS):
        raise AccountsError(NO_LONGER_PRIMARY)
    return locked


def _member(locked: dict[int, Membership], person: Membership) -> Membership:
    """``person``'s locked row; PERSON_GONE when they left the company meanwhile."""
    if person.pk not in locked:
        raise AccountsError(PERSON_GONE)
    return locked[person.pk]


def _require_assignable(role: str) -> None:
    if role not in ASSIGNABLE_ROLES:
        raise AccountsError(ROLE_NOT_OFFERED)


def _invitation_link(*, user: User, site_url: str) -> str:
    """The absolute one-time link at which ``user`` sets their password."""
    path = reverse("accounts:accept_invitation", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": invitation_tokens.make_token(user),
    })
    return f"{site_url.rstrip('/')}{path}"


def _send_invitation(*, by: Membership, person: Membership, site_url: str) -> None:
    user = person.user
    send_account_email(
        tenant=person.company.tenant, to=user.email, template="accounts/email/invitation",
        language=user.language,
        context={
            "person": user, "membership": person, "inviter": by.user,
            "company": person.company,
            "link": _invitation_link(user=user, site_url=site_url),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


@transaction.atomic
def invite_person(*, by: Membership, first_name: str, last_name: str, email: str, phone: str,
                  role: str, site_url: str) -> Membership:
    """Create a person of ``by``'s company with ``role`` and email them an invitation (ACC-4).

    The email becomes their login; they have no usable password until they follow the one-time
    link, which lives at ``site_url``. An email already registered at this tenant is refused
    with EMAIL_TAKEN (case-insensitive, also when two invitations race).
    """
    _lock_company(by)
    _require_assignable(role)
    tenant = by.company.tenant
    email = normalize_email(email)
    if User.objects.for_tenant(tenant).filter(email__iexact=email).exists():
        raise AccountsError(EMAIL_TAKEN)
    languages = offered_languages(tenant)
    language = by.user.language if by.user.language in languages else languages[0]
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, None, tenant=tenant, first_name=first_name, last_name=last_name,
                phone=phone, language=language,
            )
    except IntegrityError as error:
        raise AccountsError(EMAIL_TAKEN) from error
    person = Membership.objects.create(tenant=tenant, user=user, company=by.company, role=role)
    _send_invitation(by=by, person=person, site_url=site_url)
    return person


@transaction.atomic
def resend_invitation(*, by: Membership, person: Membership, site_url: str) -> None:
    """Email a fresh invitation link to a person who has not set a password yet (ACC-4)."""
    _lock_company(by)
    if person.user.has_usable_password():
        raise AccountsError(ALREADY_ACCEPTED)
    _send_invitation(by=by, person=person, site_url=site_url)


def invited_person(*, tenant: Tenant, uidb64: str, token: str, lock: bool = False) -> User:
    """The active person of ``tenant`` whose invitation link this is; else INVALID_INVITATION.

    ``lock`` holds the person's row (inside a transaction) until it ends.
    """
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        raise AccountsError(INVALID_INVITATION) from None
    users = User.objects.for_tenant(tenant).filter(pk=pk, is_active=True)
    user = (users.select_for_update() if lock else users).first()
    if user is None or not invitation_tokens.check_token(user, token):
        raise AccountsError(INVALID_INVITATION)
    return user


@transaction.atomic
def accept_invitation(*, tenant: Tenant, uidb64: str, token: str, password: str) -> User:
    """Set the invited person's password and mark their email verified (ACC-4).

    The link was sent to that address, so following it proves the address. Holds the person's
    row lock, so that two concurrent requests cannot both spend one link.
    """
    user = invited_person(tenant=tenant, uidb64=uidb64, token=token, lock=True)
    user.set_password(password)
    user.email_verified_at = user.email_verified_at or timezone.now()
    user.save(update_fields=["password", "email_verified_at"])
    return user


@transaction.atomic
def update_person(*, by: Membership, person: Membership, role: str, is_active: bool) -> Membership:
    """Change a person's role between advanced secondary and secondary, disable or enable them.

    A disabled person cannot log in, and their open sessions stop working on their next request
    (Django's backend refuses inactive users). Nobody changes the primary here: not themself
    (CANNOT_CHANGE_SELF), and the primary role moves only by hand-over.
    """
    locked = _lock_company(by)
    _require_assignable(role)
    target = _member(locked, person)
    if target.pk == by.pk:
        raise AccountsError(CANNOT_CHANGE_SELF)
    target.role = role
    target.save(update_fields=["role"])
    target.user.is_active = is_active
    target.user.save(update_fields=["is_active"])
    return target


def _move_primary(locked: dict[int, Membership], *, to: Membership) -> Membership:
    """Make ``to`` the primary of the locked company; the primary before becomes advanced
    secondary. Demotes before promoting: the database allows one primary per company
    (membership_one_primary_per_company)."""
    target = _member(locked, to)
    if not target.user.is_active or not target.user.email_verified:
        raise AccountsError(HAND_OVER_TARGET)
    for member in locked.values():
        if member.role == Role.PRIMARY and member.pk != target.pk:
            member.role = Role.ADVANCED
            member.save(update_fields=["role"])
    target.role = Role.PRIMARY
    target.save(update_fields=["role"])
    return target


@transaction.atomic
def hand_over_primary(*, by: Membership, to: Membership) -> Membership:
    """Make ``to`` the company's primary; ``by``, the primary, becomes advanced secondary (ACC-4).

    Locks all the company's memberships and re-checks under the lock that ``by`` is still the
    primary, so of two concurrent hand-overs the later one gets NO_LONGER_PRIMARY. ``to`` must
    be another active person who has accepted their invitation (verified email).
    """
    locked = _lock_company(by)
    if locked[by.pk].role != Role.PRIMARY:
        raise AccountsError(NO_LONGER_PRIMARY)
    if to.pk == by.pk:
        raise AccountsError(HAND_OVER_TARGET)
    return _move_primary(locked, to=to)


@transaction.atomic
def appoint_primary(*, by: User, to: Membership) -> Membership:
    """Staff of the company's tenant (or a platform superuser) make ``to`` the primary, e.g.
    when the primary has left; the primary before, if any, becomes advanced secondary (ACC-4).

    The same lock and the same rule for ``to`` as the customer's own hand-over.
    """
    if not (by.is_superuser or (by.is_tenant_staff and by.tenant_id == to.tenant_id)):
        raise AccountsError(STAFF_ONLY)
    locked = _locked_memberships(tenant_id=to.tenant_id, company_id=to.company_id)
    return _move_primary(locked, to=to)
