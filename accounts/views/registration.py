"""Registering a customer company and its primary person, and verifying their email (ACC-2)."""
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ..access import customer_required, tenant_host_required
from ..errors import AccountsError
from ..forms.registration import RegistrationForm
from ..links import landing_url, site_url
from ..services.auth import log_in
from ..services.registration import confirm_email, register_customer, resend_verification_email


@tenant_host_required
@sensitive_post_parameters("password1", "password2")
def register(request):
    if request.user.is_authenticated:
        return redirect(landing_url(request.user))
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = register_customer(tenant=request.tenant, **form.service_arguments(),
                                     language=translation.get_language(),
                                     site_url=site_url(request))
        except AccountsError as error:
            form.add_error("email", error.message)
        else:
            log_in(request=request, user=user, backend=settings.AUTHENTICATION_BACKENDS[0])
            return redirect("accounts:register_done")
    return render(request, "accounts/registration/register.html", {"form": form})


@tenant_host_required
def register_done(request):
    return render(request, "accounts/registration/register_done.html")


@tenant_host_required
def verify_email(request, token):
    try:
        user = confirm_email(tenant=request.tenant, token=token)
    except AccountsError as error:
        return render(request, "accounts/registration/verify_invalid.html",
                      {"message": error.message}, status=400)
    return render(request, "accounts/registration/verify_done.html", {"verified": user})


@require_POST
@customer_required()
def resend_verification(request):
    try:
        resend_verification_email(user=request.user, site_url=site_url(request))
    except AccountsError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("We sent a new verification link to %(email)s.") % {
            "email": request.user.email})
    return redirect("dashboard")
