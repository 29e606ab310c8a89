"""TenantScopedAdmin: admin pages that show staff only their own tenant's rows (TEN-2, TEN-4),
and the table of what each staff role may do there."""
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, get_fields_from_path
from django.core.exceptions import BadRequest, FieldDoesNotExist, PermissionDenied
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import StaffRole, Tenant

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)
READ = frozenset({VIEW})
EDIT = frozenset({VIEW, CHANGE})
CREATE = frozenset({VIEW, ADD, CHANGE})
FULL = frozenset(ACTIONS)

AGENT, MANAGER = StaffRole.AGENT, StaffRole.MANAGER
# What tenant staff may do in admin, by admin resource (``app_label.model``, or a finer key an
# admin names in ``permission_keys``) and staff role. A resource missing here is for platform
# superusers only (tenants, custom domains, job runs); superusers may do everything.
STAFF_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    "accounts.tenantpolicy": {AGENT: READ, MANAGER: EDIT},
    "accounts.department": {AGENT: READ, MANAGER: FULL},
    "accounts.holiday": {AGENT: READ, MANAGER: FULL},
    "accounts.user:staff": {AGENT: READ, MANAGER: CREATE},
    "accounts.user:customer": {AGENT: READ, MANAGER: EDIT},
    "accounts.company": {AGENT: READ, MANAGER: CREATE},
    "accounts.membership": {AGENT: READ, MANAGER: EDIT},
    "accounts.loginthrottle": {AGENT: READ, MANAGER: frozenset({VIEW, DELETE})},
    "licenses.product": {AGENT: READ, MANAGER: FULL},
    "licenses.productversion": {AGENT: READ, MANAGER: FULL},
    "licenses.license": {AGENT: EDIT, MANAGER: CREATE},
    # Staff change tickets only through the ticket page's forms, one service each (T-15).
    "tickets.ticket": {AGENT: EDIT, MANAGER: EDIT},
    "tickets.tickettype": {AGENT: READ, MANAGER: CREATE},
    # Canned replies speak for the vendor to every customer: managers keep them.
    "tickets.cannedreply": {AGENT: READ, MANAGER: FULL},
    "tickets.hotrushdisable": {MANAGER: READ},
    # The outbox (N-1): managers see what was sent to whom, and send failed emails again.
    "helpdesk.outboundemail": {MANAGER: READ},
}

OTHER_TENANT_ROW = _("Choose a record of the same vendor.")
NUL = "\x00"


def is_platform_superuser(user) -> bool:
    return user.is_superuser and user.tenant_id is None


def admin_scope(request) -> Tenant | None:
    """The tenant whose rows the admin shows this person; None for a platform superuser."""
    user = request.user
    if user.tenant_id is not None:
        return user.tenant
    if user.is_superuser:
        return None
    raise PermissionDenied


def staff_may(user, resource: str, action: str) -> bool:
    """True when ``user`` may ``action`` (view/add/change/delete) ``resource`` in admin."""
    if not (user.is_active and user.is_staff):
        return False
    if is_platform_superuser(user):
        return True
    return user.is_tenant_staff and action in STAFF_PERMISSIONS.get(resource, {}).get(
        user.staff_role, frozenset())


def tenant_field(model) -> models.Field | None:
    """The model's ``tenant`` foreign key, if it has one."""
    try:
        field = model._meta.get_field("tenant")
    except FieldDoesNotExist:
        return None
    return field if field.related_model is Tenant else None


def tenant_rows(model, tenant: Tenant | None) -> models.QuerySet:
    """``model``'s rows of ``tenant``; None (a platform superuser) means every tenant's rows.

    A model that has no tenant gives staff nothing.
    """
    if tenant is None:
        return getattr(model, "all_tenants", model._default_manager).all()
    manager = getattr(model, "objects", None)
    if hasattr(manager, "for_tenant"):
        return manager.for_tenant(tenant)
    if model is Tenant:
        return Tenant.objects.filter(pk=tenant.pk)
    if tenant_field(model) is not None:
        return model._default_manager.filter(tenant=tenant)
    return model._default_manager.none()


def row_tenant_id(obj) -> int | None:
    return obj.pk if isinstance(obj, Tenant) else getattr(obj, "tenant_id", None)


class TenantBoundForm:
    """Mixed into every admin model form: new rows get the staff member's tenant, per-tenant
    unique constraints are checked with it, and related rows must be of the same tenant."""

    scope_tenant: Tenant | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.scope_tenant is not None and tenant_field(self._meta.model) is not None:
            self.instance.tenant = self.scope_tenant

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        if getattr(self.instance, "tenant_id", None) is not None:
            exclusions.discard("tenant")
        return exclusions

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("tenant")
        tenant_id = chosen.pk if isinstance(chosen, Tenant) else getattr(
            self.instance, "tenant_id", None)
        if tenant_id is None:
            return cleaned
        for name, value in list(cleaned.items()):
            rows = value if isinstance(value, (models.QuerySet, list, tuple)) else [value]
            if name != "tenant" and any(
                    isinstance(row, models.Model) and hasattr(row, "tenant_id")
                    and row.tenant_id != tenant_id for row in rows):
                self.add_error(name, OTHER_TENANT_ROW)
        return cleaned


def bind_form(form_class, tenant: Tenant | None):
    """``form_class`` bound to ``tenant`` (None: a platform superuser's form)."""
    return type(form_class)(form_class.__name__, (TenantBoundForm, form_class),
                            {"scope_tenant": tenant})


class TenantRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """Offers only the related rows of the person's tenant."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        rows = tenant_rows(field.related_model, admin_scope(request))
        return field.get_choices(include_blank=False, ordering=ordering,
                                 limit_choices_to={"pk__in": rows.values("pk")})


class TenantAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """Offers only values found in the person's own rows, also along relations."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (model_admin.get_queryset(request).distinct()
                               .order_by(field_path).values_list(field_path, flat=True))


def scoped_list_filter(model, entry):
    """A ``list_filter`` entry whose choices come from the person's tenant only."""
    if not isinstance(entry, str):
        return entry
    field = get_fields_from_path(model, entry)[-1]
    if field.is_relation:
        return (entry, TenantRelatedFieldListFilter)
    if field.flatchoices or isinstance(field, (models.BooleanField, models.DateField)):
        return entry
    return (entry, TenantAllValuesFieldListFilter)


class TenantScoping:
    """What admins and inlines share: rows, choices and forms of the person's tenant, and
    permissions from STAFF_PERMISSIONS."""

    def permission_keys(self, obj=None) -> tuple[str, ...]:
        """The STAFF_PERMISSIONS resources this admin answers for (for ``obj``, if given)."""
        return (self.opts.label_lower,)

    def permits(self, request, action: str, obj=None) -> bool:
        if obj is not None and not self.in_scope(request, obj):
            return False
        return any(staff_may(request.user, key, action) for key in self.permission_keys(obj))

    def shows_tenant(self, request) -> bool:
        """Whether the tenant is a column, filter and field: for platform superusers only."""
        return tenant_field(self.model) is not None and admin_scope(request) is None

    @staticmethod
    def in_scope(request, obj) -> bool:
        tenant = admin_scope(request)
        return tenant is None or row_tenant_id(obj) == tenant.pk

    def scoped_queryset(self, request) -> models.QuerySet:
        rows = tenant_rows(self.model, admin_scope(request))
        ordering = self.get_ordering(request)
        return rows.order_by(*ordering) if ordering else rows

    def get_field_queryset(self, db, db_field, request):
        """Choices of every foreign key and many-to-many field: the person's tenant's rows."""
        model = db_field.remote_field.model
        rows = tenant_rows(model, admin_scope(request)).using(db)
        related_admin = self.admin_site._registry.get(model)
        ordering = related_admin.get_ordering(request) if related_admin else ()
        return rows.order_by(*ordering) if ordering else rows

    def scope_fieldsets(self, request, obj, fieldsets):
        """Staff never see or choose the tenant; a platform superuser chooses it on add."""
        if tenant_field(self.model) is None:
            return fieldsets
        if admin_scope(request) is not None:
            return [(name, {**options, "fields": [f for f in options["fields"] if f != "tenant"]})
                    for name, options in fieldsets]
        if "tenant" in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": ["tenant", *options["fields"]]}), *rest]

    def get_fieldsets(self, request, obj=None):
        return self.scope_fieldsets(request, obj, super().get_fieldsets(request, obj))

    def get_readonly_fields(self, request, obj=None):
        """Rows never move between tenants: a superuser sees the tenant of a saved row."""
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.shows_tenant(request) and "tenant" not in readonly:
            readonly.append("tenant")
        return readonly


class TenantScopedAdmin(TenantScoping, admin.ModelAdmin):
    """The base of every ModelAdmin: querysets, object lookups, choices, filters, search,
    autocomplete and actions see only the staff member's tenant; a platform superuser sees all.

    Admins list their foreign keys in ``list_select_related``; the tenant column and filter
    are added for superusers.
    """

    list_select_related = ()

    def get_queryset(self, request):
        return self.scoped_queryset(request)

    def changelist_view(self, request, extra_context=None):
        """A NUL character cannot be stored or searched for (PostgreSQL refuses it): 400."""
        if any(NUL in key or NUL in value
               for key, values in request.GET.lists() for value in values):
            raise BadRequest("NUL in a changelist parameter")
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        """Also answers autocomplete; a NUL character cannot match anything stored."""
        return super().get_search_results(request, queryset, search_term.replace(NUL, ""))

    def get_form(self, request, obj=None, **kwargs):
        return bind_form(super().get_form(request, obj, **kwargs), admin_scope(request))

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if self.shows_tenant(request) and "tenant" not in columns:
            columns.insert(1, "tenant")
        return columns

    def get_list_select_related(self, request):
        related = list(super().get_list_select_related(request))
        if self.shows_tenant(request) and "tenant" not in related:
            related.append("tenant")
        return related

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if self.shows_tenant(request) and "tenant" not in filters:
            filters.append("tenant")
        return [scoped_list_filter(self.model, entry) for entry in filters]

    def has_module_permission(self, request):
        return any(self.permits(request, action) for action in ACTIONS)

    def has_view_permission(self, request, obj=None):
        return self.permits(request, VIEW, obj)

    def has_add_permission(self, request):
        return self.permits(request, ADD)

    def has_change_permission(self, request, obj=None):
        return self.permits(request, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self.permits(request, DELETE, obj)


class ReadOnlyAdminMixin:
    """For rows that only their own services write: shown, never added or edited here;
    deleted only where ``deletable`` (e.g. removing a lockout unlocks the email)."""

    deletable = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)


class TenantScopedInlineFormSet(BaseInlineFormSet):
    """The hidden row id of each inline form accepts only the rows the formset shows."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row_id = form.fields.get(self._pk_field.name)
        if isinstance(row_id, forms.ModelChoiceField):
            row_id.queryset = self.get_queryset()


class TenantScopedInline(TenantScoping, admin.TabularInline):
    """The base of every inline; ``obj`` in the permission checks is the parent row."""

    formset = TenantScopedInlineFormSet
    extra = 0

    def get_queryset(self, request):
        rows = self.scoped_queryset(request)
        return rows if self.has_view_or_change_permission(request) else rows.none()

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("form", bind_form(self.form, admin_scope(request)))
        return super().get_formset(request, obj, **kwargs)

    def has_view_permission(self, request, obj=None):
        return self.permits(request, VIEW, obj)

    def has_add_permission(self, request, obj):
        return self.permits(request, ADD, obj)

    def has_change_permission(self, request, obj=None):
        return self.permits(request, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self.permits(request, DELETE, obj)

