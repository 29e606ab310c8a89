"""The staff admin's site: its door, where staff log in through the portal login, which locks out
and asks for the second factor (ACC-3) and customers are turned away; and its page context."""
from functools import partial

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
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


class HelpdeskAdminSite(admin.AdminSite):
    """Django's admin site, with the app list built only on the pages that show it."""

    def get_app_list(self, request, app_label=None):
        """The list, built when a template first reads it. Every admin page's context carries
        it (``available_apps``), but only the index pages and the navigation sidebar show it,
        and building it checks the permissions and reverses the URLs of all 18 admins: 2-4 ms
        of each staff queue page, which hides the sidebar (issue 5)."""
        return SimpleLazyObject(partial(super().get_app_list, request, app_label))
