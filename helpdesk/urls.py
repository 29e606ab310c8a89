"""Root URLs: the portal on tenant hosts, Django admin for staff."""
from django.contrib import admin
from django.urls import include, path

from accounts.views import portal

urlpatterns = [
    path("", portal.dashboard, name="dashboard"),
    path("healthz", portal.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("licenses/", include("licenses.urls")),
    path("admin/", admin.site.urls),
]
