"""Tenants and their policy, customer companies, people and their roles (SPEC §1, §2)."""
import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .tenancy import TenantOwned, UnscopedQuery

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    _("Use lower-case letters, digits and hyphens; this becomes the host name."),
)
phone_validator = RegexValidator(
    r"^\+?[0-9 ().\-/]{6,25}$",
    _("Enter a phone number: digits, spaces and + ( ) - . / only, 6 to 25 characters."),
)


def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Tenant(models.Model):
    """A vendor: one support organisation on the shared deployment (TEN-1)."""

    slug = models.SlugField(_("host name"), max_length=63, unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.BASE_DOMAIN}"


class Domain(TenantOwned):
    """A custom host name that also resolves to the tenant (TEN-1)."""

    host = models.CharField(_("host"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("custom domain")
        verbose_name_plural = _("custom domains")

    def __str__(self):
        return self.host

    def clean(self):
        self.host = self.host.strip().lower().rstrip(".")
        if self.host == settings.BASE_DOMAIN or self.host.endswith(f".{settings.BASE_DOMAIN}"):
            raise ValidationError({"host": _("Hosts under the base domain are given by the slug.")})


def default_languages():
    return ["en", "it"]


def default_weekdays():
    return [0, 1, 2, 3, 4]


def default_price_table():
    """Credits by ticket kind and priority (B-5); zero means free."""
    return {
        "support": {"major": 0, "normal": 0, "minor": 0},
        "sales": {"major": 0, "normal": 0, "minor": 0},
        "project": {"major": 0, "normal": 0, "minor": 0},
        "generic": {"major": 0, "normal": 0, "minor": 0},
    }


def days(verbose_name, default):
    return models.PositiveSmallIntegerField(
        verbose_name, default=default, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )


def hours(verbose_name, default):
    return models.PositiveSmallIntegerField(
        verbose_name, default=default,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 365)],
    )


class TenantPolicy(models.Model):
    """Everything SPEC §3-§7 calls a tenant setting, with the spec's defaults (TEN-3).

    Managers edit it in admin; services read it from ``tenant.policy``.
    """

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, primary_key=True, related_name="policy"
    )

    # Branding and locale
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1f4e79",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f4e79."))],
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#f0a500",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #f0a500."))],
    )
    languages = models.JSONField(_("languages"), default=default_languages,
                                 help_text=_("Language codes offered to customers, e.g. en, it."))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC",
                                 choices=time_zone_choices)
    support_email = models.EmailField(_("support email address"), blank=True,
                                      help_text=_("Sender of notifications; replies go here."))
    privacy_policy = models.TextField(
        _("Privacy Policy"), blank=True,
        help_text=_("Shown at registration, where customers must accept it (ACC-2); empty "
                    "shows a short standard text."),
    )
    # Labels that the two seeds word differently (SPEC §11); blank means the default wording.
    label_help_desk = models.CharField(_("label: communication center"), max_length=40, blank=True,
                                       help_text=_('e.g. "Communication Center" or "HELP DESK"'))
    label_new_ticket = models.CharField(_("label: create ticket"), max_length=40, blank=True,
                                        help_text=_('e.g. "Create a new ticket"'))
    label_send_ticket = models.CharField(_("label: send ticket"), max_length=40, blank=True,
                                         help_text=_('e.g. "Send" or "Send ticket"'))

    # Business hours (T-7): Mon-Fri 9:00-18:00 by default, holidays in Holiday rows.
    business_day_start = models.TimeField(_("business day starts"), default=datetime.time(9))
    business_day_end = models.TimeField(_("business day ends"), default=datetime.time(18))
    business_weekdays = models.JSONField(_("business weekdays"), default=default_weekdays,
                                         help_text=_("0 is Monday, 6 is Sunday."))

    # Tickets (§3)
    show_ticket_type = models.BooleanField(_("customers choose a ticket type"), default=True)
    simple_statuses = models.BooleanField(
        _("show customers only Open and Closed"), default=False
    )
    reply_box_on_top = models.BooleanField(_("reply box above the thread"), default=False)
    max_attachment_mb = models.PositiveSmallIntegerField(
        _("largest attachment (MB)"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    max_attachments_per_message = models.PositiveSmallIntegerField(
        _("attachments per message"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    allowed_attachment_types = models.CharField(
        _("allowed attachment types"), max_length=500,
        default="pdf,png,jpg,jpeg,gif,txt,log,csv,zip,gz,tar,xml,json,sql",
        help_text=_("Comma-separated file extensions; content is checked too."),
    )
    hotrush_response_hours = hours(_("HotRush answered within (hours)"), 2)
    hotrush_disable_limit = models.PositiveSmallIntegerField(
        _("HotRush disables per account"), default=3, validators=[MaxValueValidator(1000)]
    )
    sla_major_business_hours = hours(_("Major: first response (business hours)"), 2)
    sla_normal_business_hours = hours(_("Normal: first response (business hours)"), 4)
    sla_minor_business_days = days(_("Minor: first response (business days)"), 1)
    rating_edit_days = days(_("rating editable for (days)"), 7)
    access_info_wipe_days = days(_("access info wiped after closing (days)"), 30)
    out_of_guarantee_after_days = days(_("versions out of guarantee after (days)"), 365)

    # Lifecycle automation (§5): each rule switched per tenant.
    auto_sales_preclose = models.BooleanField(_("AUTO-1 pre-close sales tickets"), default=True)
    sales_preclose_days = days(_("sales: pre-close after silence (days)"), 30)
    presales_preclose_days = days(_("pre-sales accounts: pre-close after (days)"), 14)
    auto_project_preclose = models.BooleanField(_("AUTO-2 pre-close project tickets"),
                                                default=True)
    project_preclose_days = days(_("projects: pre-close after silence (days)"), 30)
    auto_support_preclose = models.BooleanField(_("AUTO-3 pre-close solved support tickets"),
                                                default=True)
    support_preclose_days = days(_("solved support: pre-close after (days)"), 5)
    auto_close_preclosed = models.BooleanField(_("AUTO-4 close pre-closed tickets"), default=True)
    preclosed_close_days = days(_("pre-closed: close after (days)"), 3)
    auto_close_waiting = models.BooleanField(
        _("AUTO-5 remind and close tickets waiting on the customer"), default=False
    )
    waiting_reminder_hours = hours(_("waiting on customer: reminder after (hours)"), 48)
    waiting_close_hours = hours(_("waiting on customer: close after (hours)"), 96)
    domain_change_clear_hours = hours(_("old license URL cleared within (hours)"), 48)
    # AUTO-6: a closed ticket's access info is wiped (access_info_wipe_days), and its
    # followers are asked to rate it once.
    auto_survey = models.BooleanField(_("AUTO-6 send the satisfaction survey"), default=True)
    survey_delay_hours = hours(_("survey sent after closing (hours)"), 2)

    # Billing (§7)
    currency = models.CharField(_("currency"), max_length=3, default="EUR",
                                validators=[RegexValidator(r"^[A-Z]{3}$",
                                                           _("Use a code like EUR."))])
    credit_limit = models.PositiveIntegerField(
        _("credit allowed below zero"), default=0,
        help_text=_("How far a company's credit balance may go below zero."),
    )
    ticket_prices = models.JSONField(_("ticket prices in credits"), default=default_price_table,
                                     help_text=_("Credits by ticket kind and priority."))
    hotrush_price = models.PositiveIntegerField(_("HotRush price in credits"), default=0)
    split_fee = models.PositiveIntegerField(_("fee for splitting out a new issue"), default=0)

    class Meta:
        verbose_name = _("tenant policy")
        verbose_name_plural = _("tenant policies")

    def __str__(self):
        return str(self.tenant)

    def clean(self):
        errors = {}
        codes = {code for code, _name in settings.LANGUAGES}
        if (not isinstance(self.languages, list) or not self.languages
                or not set(self.languages) <= codes):
            errors["languages"] = _("Choose one or more of: %(codes)s.") % {
                "codes": ", ".join(sorted(codes))}
        if (not isinstance(self.business_weekdays, list)
                or not all(isinstance(d, int) and 0 <= d <= 6 for d in self.business_weekdays)):
            errors["business_weekdays"] = _("List weekday numbers from 0 (Monday) to 6.")
        if self.business_day_start >= self.business_day_end:
            errors["business_day_end"] = _("The business day must end after it starts.")
        kinds = set(default_price_table())
        table = self.ticket_prices
        if (not isinstance(table, dict) or set(table) != kinds or not all(
                isinstance(row, dict) and set(row) == {"major", "normal", "minor"}
                and all(isinstance(v, int) and v >= 0 for v in row.values())
                for row in table.values())):
            errors["ticket_prices"] = _(
                "Give whole, non-negative credits for major, normal and minor under each of: "
                "%(kinds)s.") % {"kinds": ", ".join(sorted(kinds))}
        if errors:
            raise ValidationError(errors)

    @property
    def attachment_extensions(self) -> set[str]:
        return {e.strip().lower().lstrip(".") for e in self.allowed_attachment_types.split(",")
                if e.strip()}


class Holiday(TenantOwned):
    """A day without business hours for the tenant's SLA clock (T-7)."""

    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "date"], name="holiday_unique_per_tenant"),
        ]

    def __str__(self):
        return f"{self.date} {self.name}".strip()


class Department(TenantOwned):
    """A team of the tenant's staff that tickets are routed to (T-14)."""

    name = models.CharField(_("name"), max_length=80)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"],
                                    name="department_name_unique_per_tenant"),
        ]

    def __str__(self):
        return self.name


class Company(TenantOwned):
    """A customer account of one tenant (ACC-1); what its people buy belongs to it."""

    name = models.CharField(_("company name"), max_length=160)
    vat_code = models.CharField(_("VAT code"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=32, validators=[phone_validator])
    address = models.CharField(_("company address"), max_length=255)
    city = models.CharField(_("city"), max_length=120)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = CountryField(_("country"))
    is_presales = models.BooleanField(
        _("pre-sales account"), default=False,
        help_text=_("No license yet: sales tickets pre-close sooner (ACC-6)."),
    )
    # T-7: share of Minor minus share of Major over the last 90 days' tickets, in [-1, 1];
    # refreshed when a ticket is submitted and nightly.
    priority_offset = models.DecimalField(_("priority offset"), max_digits=4, decimal_places=3,
                                          default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        indexes = [models.Index(fields=["tenant", "name"])]

    def __str__(self):
        return self.name


class StaffRole(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")


class UserManager(BaseUserManager):
    """Every person belongs to one tenant, but platform superusers (TEN-5)."""

    use_in_migrations = True

    def for_tenant(self, tenant):
        if tenant is None:
            raise UnscopedQuery("User.objects.for_tenant() needs a tenant")
        return self.get_queryset().filter(tenant=tenant)

    def create_user(self, email, password=None, *, tenant, **fields):
        user = self.model(email=self.normalize_email(email).lower(), tenant=tenant, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, tenant=None, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a customer of one tenant, a staff member of one tenant, or a platform superuser.

    The email is the login and is unique within the tenant (TEN-5).
    """

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text=_("Empty only for platform superusers."),
    )
    email = models.EmailField(_("email"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])
    notification_email = models.EmailField(
        _("notification email"), blank=True,
        help_text=_("All ticket notifications go here; empty means the login email."),
    )
    language = models.CharField(_("language"), max_length=8, default="en",
                                choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True,
                                 choices=time_zone_choices,
                                 help_text=_("Empty means the vendor's time zone."))
    # Newsletter topics (ACC-5), in the seed's words.
    news_company = models.BooleanField(_("Company news"), default=False)
    news_promotions = models.BooleanField(_("Promotions and special offers"), default=False)
    news_security = models.BooleanField(_("Security alerts and advisory"), default=True)
    news_products = models.BooleanField(_("About new products and releases"), default=False)
    news_minor_releases = models.BooleanField(_("Minor releases and updates (high volume)"),
                                              default=False)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    hide_closed_rated = models.BooleanField(_("Hide closed and rated tickets"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False,
                                   help_text=_("Works in the tenant's admin."))
    staff_role = models.CharField(_("staff role"), max_length=16, choices=StaffRole.choices,
                                  blank=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="staff",
                                         verbose_name=_("departments"))
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "tenant", name="user_email_unique_per_tenant"),
            models.UniqueConstraint(Lower("email"), condition=models.Q(tenant__isnull=True),
                                    name="user_email_unique_for_platform"),
            models.CheckConstraint(
                condition=models.Q(tenant__isnull=False) | models.Q(is_superuser=True),
                name="user_tenant_or_superuser",
            ),
            models.CheckConstraint(
                condition=models.Q(is_staff=False, staff_role="") | models.Q(is_staff=True),
                name="user_staff_role_only_for_staff",
            ),
        ]

    def __str__(self):
        return self.label(self.first_name, self.last_name, self.email)

    def get_full_name(self):
        return self.label(self.first_name, self.last_name, "")

    @staticmethod
    def label(first_name: str, last_name: str, email: str) -> str:
        """A person as lists name them: the full name, else the email address. For lists that
        select the names with their own rows rather than load the person (the staff queue)."""
        return f"{first_name} {last_name}".strip() or email

    def get_short_name(self):
        return self.first_name

    @property
    def is_tenant_staff(self) -> bool:
        return self.is_staff and self.tenant_id is not None and bool(self.staff_role)

    @property
    def is_manager(self) -> bool:
        return self.is_tenant_staff and self.staff_role == StaffRole.MANAGER

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def notify_address(self) -> str:
        return self.notification_email or self.email


class Role(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    ADVANCED = "advanced", _("Advanced secondary")
    SECONDARY = "secondary", _("Secondary")


class Membership(TenantOwned):
    """A person's place in a company, with the role of ACC-1; one company per person."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices,
                            default=Role.SECONDARY)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "company"],
                                    condition=models.Q(role="primary"),
                                    name="membership_one_primary_per_company"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.company})"


class LoginThrottleManager(models.Manager):
    def for_tenant(self, tenant):
        if tenant is None:
            raise UnscopedQuery("LoginThrottle.objects.for_tenant() needs a tenant")
        return self.get_queryset().filter(tenant=tenant)

    def for_host(self, tenant: Tenant | None):
        """A tenant's rows, or the platform host's (tenant None) where superusers log in."""
        if tenant is None:
            return self.get_queryset().filter(tenant__isnull=True)
        return self.for_tenant(tenant)


class LoginThrottle(models.Model):
    """Failed logins for one email at one host, whether or not such a person exists (ACC-3).

    The host is a tenant's, or the platform host's (``tenant`` empty), where only platform
    superusers log in.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", verbose_name=_("tenant"))
    email = models.CharField(_("email"), max_length=254)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    first_failure_at = models.DateTimeField(_("first failure"), default=timezone.now)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    all_tenants = models.Manager()
    objects = LoginThrottleManager()

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="login_throttle_unique"),
            models.UniqueConstraint(fields=["email"], condition=models.Q(tenant__isnull=True),
                                    name="login_throttle_unique_platform"),
        ]

    def __str__(self):
        return self.email
