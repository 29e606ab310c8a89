"""The Communication Center's data: tickets, their messages, attachments, events (SPEC §3)."""
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned

from .lifecycle import Status


class Kind(models.TextChoices):
    """What the rules key on, whatever the tenant calls its ticket types (T-1)."""

    SUPPORT = "support", _("Support")
    SALES = "sales", _("Sales")
    PROJECT = "project", _("Project")
    GENERIC = "generic", _("Generic")
    LOG = "log", _("Log")


class Priority(models.TextChoices):
    MAJOR = "major", _("Major")
    NORMAL = "normal", _("Normal")
    MINOR = "minor", _("Minor")


# T-7: the weight a ticket's effective queue score starts from.
PRIORITY_WEIGHTS = {Priority.MAJOR: 3, Priority.NORMAL: 2, Priority.MINOR: 1}


class TicketType(TenantOwned):
    """A tenant's name for a kind of ticket, routed to a department (T-1, T-14)."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="ticket_types", verbose_name=_("department"))
    customer_selectable = models.BooleanField(
        _("customers may choose it"), default=True,
        help_text=_("System types such as LOG tickets are created by the helpdesk itself."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"],
                                    name="ticket_type_unique_per_tenant"),
        ]

    def __str__(self):
        return self.name


class TicketCounter(TenantOwned):
    """The last ticket number given out at a tenant; numbers are per tenant (T-1)."""

    last_number = models.PositiveIntegerField(default=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="ticket_counter_one_per_tenant"),
        ]


class Ticket(TenantOwned):
    """One issue of one company (T-1, T-2). Only `services.change_status` assigns `status`."""

    number = models.PositiveIntegerField(_("number"))
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE,
                                related_name="tickets", verbose_name=_("company"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="tickets_created", verbose_name=_("created by"))
    type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="tickets",
                             verbose_name=_("type"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, editable=False)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="tickets", verbose_name=_("department"))
    subject = models.CharField(_("Brief description"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.SUBMITTED)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices,
                                default=Priority.NORMAL)
    hotrush = models.BooleanField(_("HotRush"), default=False)
    quote_requested = models.BooleanField(_("price quote requested"), default=False)
    # The estimate staff send (T-8): credits, money in the tenant's currency, or both.
    quote_credits = models.PositiveIntegerField(_("quote in credits"), null=True, blank=True)
    quote_amount = models.DecimalField(_("quote amount"), max_digits=10, decimal_places=2,
                                       null=True, blank=True)
    quote_scope = models.TextField(_("quote scope"), blank=True)
    quote_sent_at = models.DateTimeField(_("quote sent"), null=True, blank=True)
    licenses = models.ManyToManyField("licenses.License", blank=True, related_name="tickets",
                                      verbose_name=_("licenses"))
    product_version = models.ForeignKey("licenses.ProductVersion", on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="tickets",
                                        verbose_name=_("product version"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="tickets_assigned",
                                 verbose_name=_("assignee"))
    solved = models.BooleanField(_("solved"), default=False,
                                 help_text=_("Staff consider the issue solved (AUTO-3)."))
    # Queue (T-7): due time of the first staff response, and when it came.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    # T-7's effective score, weight(priority) + the company's offset, stored so that an index
    # gives the queue its order (issue 5). Kept by services.refresh_queue_scores for every
    # open ticket; a closed ticket keeps the score it had when it closed.
    queue_score = models.DecimalField(_("queue score"), max_digits=6, decimal_places=3,
                                      default=0, editable=False)
    # Denormalised from the last public message, kept by the services (T-12, AUTO rules).
    last_message_at = models.DateTimeField(_("last reply"), null=True, blank=True)
    last_message_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="+",
                                        verbose_name=_("last reply by"))
    last_message_by_staff = models.BooleanField(default=False)
    # AUTO-5: when the customer was last reminded that we wait for them (once per staff reply).
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    # AUTO-6: the satisfaction survey goes out once per ticket, ever.
    survey_sent_at = models.DateTimeField(_("survey sent"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    split_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="split_into", verbose_name=_("split from"))
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="merged", verbose_name=_("merged into"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_number_unique"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_1_to_5"),
            models.CheckConstraint(condition=Q(hotrush=False) | Q(kind="support"),
                                   name="ticket_hotrush_only_support"),
        ]
        indexes = [
            models.Index(fields=["tenant", "company", "-number"], name="ticket_company_idx"),
            models.Index(fields=["tenant", "status"], name="ticket_status_idx"),
            # The timed rules (AUTO-1..5) read open tickets only, a small share of them all.
            models.Index(fields=["tenant", "last_message_at"], name="ticket_open_idx",
                         condition=~Q(status=Status.CLOSED)),
            # The dashboard's most recently active tickets of a company, and its open count.
            models.Index(fields=["tenant", "company", "-updated_at", "-number"],
                         name="ticket_company_active_idx"),
            models.Index(fields=["tenant", "company"], name="ticket_company_open_idx",
                         condition=~Q(status=Status.CLOSED)),
            # The staff queue (T-7): its HotRush tickets, then the others in score order, read
            # from the index with the first-response columns that tell the overdue apart
            # (tickets.queue.queue_runs; issue 5).
            models.Index(fields=["tenant", "hotrush", "-queue_score", "created_at", "-id"],
                         include=["first_response_at", "first_response_due_at"],
                         name="ticket_queue_score_idx", condition=~Q(status=Status.CLOSED)),
            # The staff queue's cached runs and rows are named by the tenant's latest change
            # of a ticket (tickets.queue.state_key; issue 5).
            models.Index(fields=["tenant", "-updated_at"], name="ticket_changed_idx"),
            # AUTO-6: closed tickets still owed a survey.
            models.Index(fields=["tenant", "closed_at"], name="ticket_survey_due_idx",
                         condition=Q(status=Status.CLOSED, survey_sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"#{self.number} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


def new_public_id() -> str:
    """A message id customers can quote and search by (T-4): short, unguessable."""
    return secrets.token_hex(5).upper()


class TicketFollower(TenantOwned):
    """A person of the ticket's company who gets its emails (N-1); the creator follows from
    the start and anyone of the company who can see the ticket may follow or stop."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="followed_tickets")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket", "user"],
                                    name="ticket_follower_unique"),
        ]

    def __str__(self):
        return f"#{self.ticket_id} {self.user_id}"


class Message(TenantOwned):
    """A message in a ticket's thread; internal notes are for staff only (T-4)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    public_id = models.CharField(_("message ID"), max_length=16, default=new_public_id)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="ticket_messages", verbose_name=_("author"))
    by_staff = models.BooleanField(_("by staff"), default=False)
    internal = models.BooleanField(_("internal note"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"],
                                    name="message_public_id_unique"),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_thread_idx")]

    def __str__(self):
        return self.public_id


class Attachment(TenantOwned):
    """A file posted with a message; served only through an access-checked view (F-5)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    MESSAGE = "message", _("Message posted")
    NOTE = "note", _("Internal note")
    PRIORITY = "priority", _("Priority changed")
    HOTRUSH_ON = "hotrush_on", _("HotRush enabled")
    HOTRUSH_OFF = "hotrush_off", _("HotRush disabled")
    ASSIGNED = "assigned", _("Assignee changed")
    DEPARTMENT = "department", _("Department changed")
    QUOTE_SENT = "quote_sent", _("Quote sent")
    QUOTE_ACCEPTED = "quote_accepted", _("Quote accepted")
    QUOTE_DECLINED = "quote_declined", _("Quote declined")
    SOLVED = "solved", _("Marked solved")
    RATED = "rated", _("Rated")
    SPLIT = "split", _("Split")
    MERGED = "merged", _("Merged")
    ACCESS_INFO = "access_info", _("Access info changed")
    REMINDER = "reminder", _("Reminder sent")
    SURVEY = "survey", _("Survey sent")


class TicketEvent(TenantOwned):
    """Append-only history of a ticket: who, when, what, from, to, why (T-3).

    The notification issue subscribes to these rows; nothing updates or deletes them.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("by"),
                              help_text=_("Empty for the helpdesk's own automation."))
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices, blank=True)
    reason = models.CharField(_("why"), max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    # Set by the timed jobs (§5): which rule, in which run; the bulk writes find their rows so.
    rule = models.CharField(_("rule"), max_length=8, blank=True)
    run = models.ForeignKey("helpdesk.JobRun", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+", verbose_name=_("run"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_idx"),
            # A run's events of one tenant: each tenant's step of a job reads only its own.
            models.Index(fields=["run", "tenant", "rule"], name="event_run_tenant_idx",
                         condition=Q(run__isnull=False)),
        ]

    def __str__(self):
        return f"#{self.ticket_id} {self.kind}"


class HotRushDisable(TenantOwned):
    """A counted HotRush disable (T-6): at most the tenant's limit per company, ever."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE,
                                related_name="hotrush_disables")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "company"], name="hotrush_disable_company_idx")]


class CannedReply(TenantOwned):
    """A prepared answer staff insert into a reply (T-15)."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "title"], name="canned_reply_unique_title"),
        ]

    def __str__(self):
        return self.title


class AccessKind(models.TextChoices):
    SSH = "ssh", _("SSH")
    FTP = "ftp", _("FTP")
    ADMIN = "admin", _("Admin panel")
    DATABASE = "database", _("Database")


class AccessInfo(TenantOwned):
    """Server access the customer posts for the engineers (T-10).

    ``secret`` holds the Fernet token of a JSON object {login, password, notes}; the
    plaintext never reaches a column, a log, an email or an export.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="access_infos")
    kind = models.CharField(_("kind"), max_length=10, choices=AccessKind.choices)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    secret = models.BinaryField(editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)

    class Meta:
        verbose_name = _("access info")
        verbose_name_plural = _("access info")
        ordering = ["created_at"]
        # AUTO-6 deletes a tenant's access info by ticket (issue 5: 7.6 s -> under 1 s).
        indexes = [models.Index(fields=["tenant", "ticket"], name="access_info_ticket_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.host}"


class AccessInfoView(TenantOwned):
    """Who looked at a ticket's access info, and when (T-10: every view logged)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("access info view")
        verbose_name_plural = _("access info views")
        ordering = ["-viewed_at"]
