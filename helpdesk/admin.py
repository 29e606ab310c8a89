"""Admin for operations records: job runs for platform superusers only (not in
STAFF_PERMISSIONS); the outbox also for each tenant's managers, who may send failed emails
again."""
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_base import ReadOnlyAdminMixin, TenantScopedAdmin

from . import outbox
from .models import JobRun, OutboundEmail


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    list_display = ["job", "tenant", "started_at", "duration_ms", "counts", "failed", "host"]
    list_select_related = ["tenant"]
    list_filter = ["job"]
    search_fields = ["job", "host"]
    date_hierarchy = "started_at"
    fields = ["job", "tenant", "started_at", "finished_at", "duration_ms", "counts", "error",
              "host"]
    readonly_fields = fields

    @admin.display(description=_("duration (ms)"))
    def duration_ms(self, run):
        return run.duration_ms

    @admin.display(description=_("failed"), boolean=True)
    def failed(self, run):
        return bool(run.error)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    """What the outbox holds: waiting, sent and failed emails with their last error (N-1)."""

    list_display = ["created_at", "kind", "to_email", "status", "attempts", "available_at",
                    "sent_at", "error"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "key", "message_id"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = ["key", "kind", "ref", "recipient", "to_email", "status", "attempts",
              "available_at", "lease_until", "claimed_by", "created_at", "sent_at",
              "message_id", "last_error"]
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def error(self, email):
        return email.last_error if len(email.last_error) <= 80 else f"{email.last_error[:79]}…"

    def has_resend_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description=_("Send the selected failed emails again"),
                  permissions=["resend"])
    def send_again(self, request, queryset):
        count = outbox.send_again(queryset)
        self.message_user(request, ngettext("%(count)d email will be sent again.",
                                            "%(count)d emails will be sent again.", count)
                          % {"count": count}, messages.SUCCESS)
