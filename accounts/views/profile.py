"""Edit self profile and the language switch (ACC-5)."""
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import customer_required
from ..errors import AccountsError
from ..forms.profile import LanguageForm, ProfileForm
from ..links import safe_next
from ..permissions import Capability
from ..services.profile import LANGUAGE_NOT_OFFERED, set_person_language, update_profile


@customer_required(Capability.OWN_PROFILE)
def edit_profile(request):
    form = ProfileForm(request.POST or None, instance=request.user, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(user=request.user, **form.cleaned_data)
        except AccountsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile/edit.html", {"form": form})


@require_POST
def set_language(request):
    """Switch the language among those the tenant offers: a cookie for everyone, and the
    person's saved language when logged in (the middleware activates that one for them)."""
    response = redirect(safe_next(request) or reverse("dashboard"))
    form = LanguageForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        messages.error(request, LANGUAGE_NOT_OFFERED)
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        set_person_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
