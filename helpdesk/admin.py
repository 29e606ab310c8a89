"""Admin for operations records: platform superusers only (not in STAFF_PERMISSIONS)."""
from django.contrib import admin

from accounts.admin_base import ReadOnlyAdminMixin, TenantScopedAdmin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ["job", "tenant", "started_at", "duration_ms", "counts", "host"]
    list_select_related = ["tenant"]
    list_filter = ["job"]
    search_fields = ["job", "host"]
    date_hierarchy = "started_at"

