"""Login with lockout and the 2FA step, logout, password reset and change, 2FA settings (ACC-3)."""
import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import load_backend, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ..access import person_required, tenant_host_required
from ..errors import AccountsError
from ..forms.auth import (
    CodeForm,
    ConfirmDeviceForm,
    DisableTwoFactorForm,
    LoginForm,
    PasswordResetRequestForm,
)
from ..links import landing_url, safe_next, site_url
from ..models import User
from ..services.auth import (
    change_password,
    check_code_step,
    check_password_step,
    confirm_two_factor,
    disable_two_factor,
    has_two_factor,
    log_in,
    password_reset_tokens,
    pending_totp_device,
    recovery_codes_left,
    request_password_reset,
    reset_password,
    start_two_factor,
)

# Between the password and the code step: who, through which backend, where to, since when.
PENDING_LOGIN = "accounts.pending_login"
PENDING_LOGIN_SECONDS = 5 * 60
RECOVERY_CODES = "accounts.recovery_codes"
# As Django's own reset view: the token moves from the address to the session, so that it
# never leaks through the Referer header of the page where the new password is typed.
RESET_TOKEN = "accounts.password_reset_token"
RESET_URL_TOKEN = "set-password"


def _posted(request):
    return request.POST if request.method == "POST" else None


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    """Log in at a tenant's host; on the platform host only platform superusers can."""
    next_url = safe_next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or landing_url(request.user))
    form = LoginForm(_posted(request))
    if form.is_valid():
        try:
            user = check_password_step(request=request, email=form.cleaned_data["email"],
                                       password=form.cleaned_data["password"])
        except AccountsError as error:
            form.add_error(None, error.message)
        else:
            if has_two_factor(user):
                request.session[PENDING_LOGIN] = {
                    "user": user.pk, "tenant": _host_key(request), "backend": user.backend,
                    "next": next_url, "since": time.time(),
                }
                return redirect("accounts:login_code")
            log_in(request=request, user=user, backend=user.backend)
            return redirect(next_url or landing_url(user))
    return render(request, "accounts/auth/login.html", {"form": form, "next": next_url})


def _host_key(request) -> int | None:
    return request.tenant.pk if request.tenant else None


def _pending_login(request) -> tuple[User, dict] | None:
    """The person who gave the right password here moments ago, if still allowed to log in."""
    pending = request.session.get(PENDING_LOGIN)
    if (not pending or pending["tenant"] != _host_key(request)
            or time.time() - pending["since"] > PENDING_LOGIN_SECONDS):
        request.session.pop(PENDING_LOGIN, None)
        return None
    user = load_backend(pending["backend"]).get_user(pending["user"])
    if user is None:
        del request.session[PENDING_LOGIN]
        return None
    return user, pending


@never_cache
def login_code(request):
    pending = _pending_login(request)
    if pending is None:
        messages.info(request, _("Please log in again."))
        return redirect("accounts:login")
    user, data = pending
    form = CodeForm(_posted(request))
    if form.is_valid():
        try:
            check_code_step(tenant=request.tenant, user=user, code=form.cleaned_data["code"])
        except AccountsError as error:
            form.add_error("code", error.message)
        else:
            del request.session[PENDING_LOGIN]
            log_in(request=request, user=user, backend=data["backend"])
            return redirect(data["next"] or landing_url(user))
    return render(request, "accounts/auth/login_code.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("You are logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@tenant_host_required
def password_reset(request):
    form = PasswordResetRequestForm(_posted(request))
    if form.is_valid():
        request_password_reset(tenant=request.tenant, email=form.cleaned_data["email"],
                               site_url=site_url(request))
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/auth/password_reset.html", {"form": form})


@tenant_host_required
def password_reset_done(request):
    return render(request, "accounts/auth/password_reset_done.html")


def _reset_user(tenant, uidb64: str) -> User | None:
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        return User.objects.for_tenant(tenant).filter(pk=pk, is_active=True).first()
    except (ValueError, TypeError, OverflowError, ValidationError):
        return None


@tenant_host_required
@sensitive_post_parameters()
@never_cache
def password_reset_confirm(request, uidb64, token):
    user = _reset_user(request.tenant, uidb64)
    if token != RESET_URL_TOKEN:
        if user is not None and password_reset_tokens.check_token(user, token):
            request.session[RESET_TOKEN] = token
            return redirect("accounts:password_reset_confirm", uidb64=uidb64,
                            token=RESET_URL_TOKEN)
        token = None
    else:
        token = request.session.get(RESET_TOKEN)
    if user is None or not password_reset_tokens.check_token(user, token):
        return render(request, "accounts/auth/password_reset_invalid.html", status=400)
    form = SetPasswordForm(user, _posted(request))
    if form.is_valid():
        reset_password(user=user, password=form.cleaned_data["new_password1"])
        del request.session[RESET_TOKEN]
        return redirect("accounts:password_reset_complete")
    return render(request, "accounts/auth/password_reset_confirm.html", {"form": form})


@tenant_host_required
def password_reset_complete(request):
    return render(request, "accounts/auth/password_reset_complete.html")


@person_required
@sensitive_post_parameters()
def password_change(request):
    form = PasswordChangeForm(request.user, _posted(request))
    if form.is_valid():
        change_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password was changed. Any other sessions you had "
                                    "open are now logged out."))
        return redirect("accounts:password_change")
    return render(request, "accounts/auth/password_change.html", {"form": form})


def _qr_code_svg(data: str) -> str:
    return qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage).to_string(
        encoding="unicode")


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@person_required
@sensitive_post_parameters("password")
def two_factor(request):
    user = request.user
    confirm_form = ConfirmDeviceForm()
    disable_form = DisableTwoFactorForm(user)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "enable":
        try:
            start_two_factor(user=user)
        except AccountsError as error:
            messages.error(request, error.message)
        return redirect("accounts:two_factor")
    if action == "confirm":
        confirm_form = ConfirmDeviceForm(request.POST)
        if confirm_form.is_valid():
            try:
                codes = confirm_two_factor(user=user, code=confirm_form.cleaned_data["code"])
            except AccountsError as error:
                confirm_form.add_error("code", error.message)
            else:
                request.session[RECOVERY_CODES] = codes
                messages.success(request, _("Two-factor authentication is on."))
                return redirect("accounts:two_factor")
    elif action == "disable":
        disable_form = DisableTwoFactorForm(user, request.POST)
        if disable_form.is_valid():
            disable_two_factor(user=user)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two_factor")
    enabled = has_two_factor(user)
    pending = None if enabled else pending_totp_device(user)
    context = {
        "enabled": enabled,
        "pending": pending,
        "confirm_form": confirm_form,
        "disable_form": disable_form,
        "recovery_codes": request.session.pop(RECOVERY_CODES, None),
        "recovery_codes_left": recovery_codes_left(user) if enabled else None,
    }
    if pending is not None:
        context["qr_code"] = _qr_code_svg(pending.config_url)
        context["secret"] = _grouped(b32encode(pending.bin_key).decode())
    return render(request, "accounts/auth/two_factor.html", context)
