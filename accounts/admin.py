"""Django admin for tenants and their policy, staff and customer people, and companies
(TEN-3, TEN-4, ACC-4); every class is scoped by TenantScopedAdmin."""
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .admin_base import ReadOnlyAdminMixin, TenantScopedAdmin, TenantScopedInline, admin_scope
from .errors import AccountsError
from .models import (
    Company,
    Department,
    Domain,
    Holiday,
    LoginThrottle,
    Membership,
    Role,
    Tenant,
    TenantPolicy,
    User,
)
from .services.auth import normalize_email
from .services.people import ASSIGNABLE_ROLES, appoint_primary
from .services.tenants import create_tenant

# Staff permissions are data (admin_base.STAFF_PERMISSIONS), not Django groups; two-factor
# devices get a scoped admin below instead of django-otp's, which shows the secret keys.
admin.site.unregister([Group, TOTPDevice, StaticDevice])

EMAIL_TAKEN = _("Another person of %(tenant)s already uses this email address.")
STAFF_ROLE_REQUIRED = _("Choose whether this person is an agent or a manager.")
PRIMARY_BY_ACTION = _("To change the primary, select the new primary in People and run the "
                      "action \"Appoint as their company's primary\".")
APPOINT_ONE = _("Select exactly one customer person to appoint as their company's primary.")
APPOINTED = _("%(person)s is now the primary of %(company)s.")


class DomainInline(TenantScopedInline):
    model = Domain
    fields = ["host"]


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    list_display = ["name", "slug", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    inlines = [DomainInline]
    readonly_fields = ["created_at"]

    def get_fields(self, request, obj=None):
        return ["slug", "name"] if obj is None else ["slug", "name", "is_active", "created_at"]

    def save_model(self, request, obj, form, change):
        """A new tenant comes with its policy (TEN-3): the service creates both."""
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.pk = create_tenant(slug=obj.slug, name=obj.name).pk
        obj.refresh_from_db()


@admin.register(Domain)
class DomainAdmin(TenantScopedAdmin):
    list_display = ["host"]
    search_fields = ["host"]
    fields = ["host"]


class TenantPolicyForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("languages"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages customers can choose from."))
    business_weekdays = forms.TypedMultipleChoiceField(
        label=_("business weekdays"), coerce=int, choices=list(WEEKDAYS.items()),
        widget=forms.CheckboxSelectMultiple)
    ticket_prices = forms.JSONField(
        label=_("ticket prices in credits"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_('Credits by ticket kind and priority, e.g. {"support": {"major": 3, '
                    '"normal": 1, "minor": 0}, "sales": {...}, "project": {...}, '
                    '"generic": {...}}'))


@admin.register(TenantPolicy)
class TenantPolicyAdmin(TenantScopedAdmin):
    """A manager edits their own tenant's settings (TEN-3); the model's clean() checks them."""

    form = TenantPolicyForm
    list_display = ["tenant", "time_zone", "currency", "support_email"]
    list_select_related = ["tenant"]
    fieldsets = [
        (_("Branding and locale"), {"fields": [
            "logo", "primary_colour", "accent_colour", "languages", "time_zone", "support_email",
            "privacy_policy", "label_help_desk", "label_new_ticket", "label_send_ticket"]}),
        (_("Business hours"), {"fields": [
            "business_day_start", "business_day_end", "business_weekdays"]}),
        (_("Tickets"), {"fields": [
            "show_ticket_type", "simple_statuses", "reply_box_on_top", "max_attachment_mb",
            "max_attachments_per_message", "allowed_attachment_types", "hotrush_response_hours",
            "hotrush_disable_limit", "sla_major_business_hours", "sla_normal_business_hours",
            "sla_minor_business_days", "rating_edit_days", "access_info_wipe_days",
            "out_of_guarantee_after_days"]}),
        (_("Lifecycle automation"), {"fields": [
            "auto_sales_preclose", "sales_preclose_days", "presales_preclose_days",
            "auto_project_preclose", "project_preclose_days", "auto_support_preclose",
            "support_preclose_days", "auto_close_preclosed", "preclosed_close_days",
            "auto_close_waiting", "waiting_reminder_hours", "waiting_close_hours",
            "domain_change_clear_hours", "auto_survey", "survey_delay_hours"]}),
        (_("Billing"), {"fields": [
            "currency", "credit_limit", "ticket_prices", "hotrush_price", "split_fee"]}),
    ]

    def has_add_permission(self, request):
        """Policies are created with their tenant."""
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(TenantScopedAdmin):
    list_display = ["date", "name"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["date", "name"]


@admin.register(Department)
class DepartmentAdmin(TenantScopedAdmin):
    list_display = ["name", "email"]
    search_fields = ["name", "email"]
    fields = ["name", "email"]


class PersonForm(forms.ModelForm):
    """A person's email is unique within their tenant (TEN-5); staff have a role."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tenant" in self.fields:
            self.fields["tenant"].required = True

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        tenant = cleaned.get("tenant") or (self.instance.tenant if self.instance.tenant_id
                                           else None)
        email = cleaned.get("email")
        if tenant is not None and email and (
                User.objects.for_tenant(tenant).filter(email__iexact=email)
                .exclude(pk=self.instance.pk).exists()):
            self.add_error("email", EMAIL_TAKEN % {"tenant": tenant})
        if tenant is not None and "staff_role" in self.fields and not cleaned.get("staff_role"):
            self.add_error("staff_role", STAFF_ROLE_REQUIRED)
        return cleaned


class StaffCreationForm(PersonForm, BaseUserCreationForm):
    """A new staff member of the tenant, with a password set by the manager."""

    class Meta:
        model = User
        fields = ["email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.is_staff = True


class PersonKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("staff", _("Staff")), ("customer", _("Customers"))]

    def queryset(self, request, queryset):
        if self.value() in ("staff", "customer"):
            return queryset.filter(is_staff=self.value() == "staff")
        return queryset


STAFF_FIELDSETS = [
    (None, {"fields": ["email", "first_name", "last_name", "phone", "language", "time_zone",
                       "password_form"]}),
    (_("Staff"), {"fields": ["staff_role", "departments", "is_active"]}),
    (_("Dates"), {"fields": ["last_login", "date_joined"]}),
]
CUSTOMER_FIELDSETS = [
    (None, {"fields": ["email", "first_name", "last_name", "phone", "notification_email",
                       "language", "company", "role"]}),
    (_("Status"), {"fields": ["is_active", "email_verified_at", "last_login", "date_joined"]}),
]


@admin.register(User)
class PersonAdmin(TenantScopedAdmin, UserAdmin):
    """Staff people, whom managers create and edit, and customer people, whom staff view and
    managers disable. Passwords are set with Django's password form, never shown."""

    form = PersonForm
    add_form = StaffCreationForm
    add_form_template = None
    add_fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "phone", "language"]}),
        (_("Staff"), {"fields": ["staff_role", "departments"]}),
        (_("Password"), {"fields": ["password1", "password2"]}),
    ]
    list_display = ["email", "full_name", "kind", "is_active", "last_login"]
    list_select_related = ["membership__company"]
    list_filter = [PersonKindFilter, "is_active", "staff_role", "departments"]
    search_fields = ["email", "first_name", "last_name", "membership__company__name"]
    ordering = ["last_name", "first_name"]
    filter_horizontal = ["departments"]
    actions = ["appoint_as_primary"]

    def permission_keys(self, obj=None):
        if obj is None:
            return ("accounts.user:staff", "accounts.user:customer")
        return ("accounts.user:staff",) if obj.is_staff else ("accounts.user:customer",)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fieldsets = self.add_fieldsets
        else:
            fieldsets = STAFF_FIELDSETS if obj.is_staff else CUSTOMER_FIELDSETS
        return self.scope_fieldsets(request, obj, fieldsets)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is None:
            return readonly
        if obj.is_staff:
            return [*readonly, "password_form", "last_login", "date_joined"]
        return [*readonly, *(field for _name, options in CUSTOMER_FIELDSETS
                             for field in options["fields"] if field != "is_active")]

    def user_change_password(self, request, id, form_url=""):
        """Staff set passwords of staff only; customers reset theirs by email (ACC-3)."""
        person = self.get_object(request, unquote(id))
        if person is not None and not person.is_staff and admin_scope(request) is not None:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.action(description=_("Appoint as their company's primary"),
                  permissions=["change"])
    def appoint_as_primary(self, request, queryset):
        """The former primary becomes advanced secondary (ACC-4)."""
        people = list(queryset.select_related("membership__company")[:2])
        membership = getattr(people[0], "membership", None) if len(people) == 1 else None
        if membership is None:
            self.message_user(request, APPOINT_ONE, messages.ERROR)
            return
        try:
            appoint_primary(by=request.user, to=membership)
        except AccountsError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, APPOINTED % {"person": people[0],
                                                "company": membership.company})

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("kind"))
    def kind(self, obj):
        if obj.is_staff:
            return obj.get_staff_role_display() or _("Platform")
        membership = getattr(obj, "membership", None)
        if membership is None:
            return _("Customer without company")
        return f"{membership.company} · {membership.get_role_display()}"

    @admin.display(description=_("company"))
    def company(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.company if membership else "—"

    @admin.display(description=_("role"))
    def role(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("password"))
    def password_form(self, obj):
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:auth_user_password_change", args=[obj.pk]),
                           _("Set a new password"))


class MembershipForm(forms.ModelForm):
    """Staff move people between advanced and secondary; the primary role moves only by the
    "appoint as primary" action, which demotes the former primary (ACC-4)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        role = self.fields.get("role")
        if role is None:
            return
        role.help_text = PRIMARY_BY_ACTION
        if self.instance.role == Role.PRIMARY:
            role.disabled = True
        else:
            role.choices = [(choice.value, choice.label) for choice in ASSIGNABLE_ROLES]


class MembershipInline(TenantScopedInline):
    model = Membership
    form = MembershipForm
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj):
        """People join a company by registering or by the primary's invitation (ACC-2, ACC-4)."""
        return False


@admin.register(Company)
class CompanyAdmin(TenantScopedAdmin):
    list_display = ["name", "vat_code", "city", "country", "is_presales", "created_at"]
    list_filter = ["is_presales", "country"]
    search_fields = ["name", "vat_code", "city", "memberships__user__email"]
    fields = ["name", "vat_code", "phone", "address", "city", "postcode", "country",
              "is_presales"]
    inlines = [MembershipInline]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    """Failed logins per email; deleting a row lifts its lockout (ACC-3)."""

    deletable = True

    list_display = ["email", "failures", "first_failure_at", "locked_until"]
    search_fields = ["email"]
    readonly_fields = ["email", "failures", "first_failure_at", "locked_until"]
    fields = readonly_fields


@admin.register(TOTPDevice, StaticDevice)
class TwoFactorDeviceAdmin(ReadOnlyAdminMixin, TenantScopedAdmin):
    """Platform superusers may remove a person's second factor (ACC-3); keys stay hidden."""

    deletable = True

    list_display = ["name", "user", "confirmed"]
    list_select_related = ["user"]
    list_filter = ["confirmed"]
    search_fields = ["user__email", "name"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = fields
