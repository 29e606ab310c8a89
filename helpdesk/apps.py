from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = _("Operations")


class HelpdeskAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the site of helpdesk.admin_site as ``admin.site``; named in
    INSTALLED_APPS, never the default of this module."""

    default = False
    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
