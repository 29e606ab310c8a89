"""The admin's door: staff log in through the portal login, which locks out and asks for the
second factor (ACC-3); customers are turned away."""
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.access import forbidden


def admin_login(request):
    """Replaces the admin's own login form at ``admin/login/``."""
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(target)
    if admin.site.has_permission(request):
        return redirect(target)
    return forbidden(request, _("The admin is for the support staff. Your pages are in the "
                                "portal."))
