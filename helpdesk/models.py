"""Platform-wide operations records: the history of background job runs (AUTO-8)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of a periodic job: what it did (counts) and how long it took.

    Platform rows; ``tenant`` is set when the run concerned one tenant only.
    """

    job = models.CharField(_("job"), max_length=80, db_index=True)
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("tenant"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    host = models.CharField(_("host"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"])]

    def __str__(self):
        return f"{self.job} @ {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_ms(self) -> int:
        return int((self.finished_at - self.started_at).total_seconds() * 1000)
