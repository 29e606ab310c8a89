"""Platform-wide operations records: the history of background job runs (AUTO-8) and the
outbox of emails waiting to be sent (N-1)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned


class JobRun(models.Model):
    """One run of a periodic job: what it did (counts) and how long it took.

    Platform rows; ``tenant`` is set when the run concerned one tenant only. A run that is
    still going, or that died, has no ``finished_at``; one that failed keeps its ``error``.
    """

    job = models.CharField(_("job"), max_length=80, db_index=True)
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("tenant"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    host = models.CharField(_("host"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"])]

    def __str__(self):
        return f"{self.job} @ {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_ms(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(TenantOwned):
    """One email to one person, written in the transaction of the change that causes it (N-1).

    ``key`` names the cause and the recipient (event 123 to person 45): a unique constraint
    turns a second write of the same email into nothing. ``kind`` and ``ref`` tell the
    renderer what to send; the text is rendered at sending, in the recipient's language.
    The sender claims rows with a lease (``claimed_by``, ``lease_until``) and marks each row
    sent straight after the SMTP server accepted it.
    """

    key = models.CharField(_("key"), max_length=120)
    kind = models.CharField(_("kind"), max_length=40)
    ref = models.PositiveBigIntegerField(_("reference"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("recipient"))
    to_email = models.EmailField(_("to"))
    status = models.CharField(_("status"), max_length=8, choices=EmailStatus.choices,
                              default=EmailStatus.PENDING, db_default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    available_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=40, blank=True, default="",
                                  db_default="")
    last_error = models.TextField(_("last error"), blank=True, default="", db_default="")
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True, default="",
                                  db_default="")
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="outbound_email_key_unique"),
        ]
        indexes = [
            # The sender's claim: only unsent rows, which stay few.
            models.Index(fields=["available_at"], name="outbound_email_due_idx",
                         condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["tenant", "-created_at"], name="outbound_email_tenant_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to_email}"
