"""Root URLs: the portal on tenant hosts, Django admin for staff."""
from django.contrib import admin
from django.urls import include, path

from accounts.views import portal
from helpdesk.admin_site import admin_login

urlpatterns = [
    path("", portal.dashboard, name="dashboard"),
    path("healthz", portal.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("licenses/", include("licenses.urls")),
    path("tickets/", include("tickets.urls")),
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]
