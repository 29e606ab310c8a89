"""Django admin for staff: what agents and managers may do, the tenant policy form, staff
people, the portal login as the admin's door, and bounded changelist queries (TEN-4)."""
import datetime
import json

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.admin import APPOINT_ONE, EMAIL_TAKEN, PRIMARY_BY_ACTION, STAFF_ROLE_REQUIRED
from accounts.admin_base import OTHER_TENANT_ROW, TenantScopedAdmin
from accounts.models import (
    Company,
    Department,
    Domain,
    Holiday,
    Membership,
    Role,
    StaffRole,
    Tenant,
    TenantPolicy,
    User,
)
from helpdesk.models import JobRun
from licenses.models import License, LicenseStatus, ProductVersion
from tests.accounts.factories import (
    CompanyFactory,
    DepartmentFactory,
    HolidayFactory,
    StaffFactory,
    UserFactory,
    customer_of,
)
from tests.conftest import PASSWORD, host_client
from tests.licenses.factories import LicenseFactory, ProductFactory, ProductVersionFactory
from tickets.models import CannedReply


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def rendered_form_data(response) -> dict:
    """The POST data of the admin form on ``response``, as it was rendered."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False or getattr(
                    field.field.widget, "input_type", None) == "file":
                continue
            if value is True:
                data[field.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = field.field.widget.format_value(value) or ""
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# What the admin index offers each staff role, and what each page allows (SPEC §0, TEN-4).
# "view" means the changelist opens read-only; "add" that the add form opens.
EXPECTED_ACCESS = {
    "accounts.tenant": {"agent": set(), "manager": set()},
    "accounts.domain": {"agent": set(), "manager": set()},
    "helpdesk.jobrun": {"agent": set(), "manager": set()},
    "otp_totp.totpdevice": {"agent": set(), "manager": set()},
    "otp_static.staticdevice": {"agent": set(), "manager": set()},
    "accounts.tenantpolicy": {"agent": {"view"}, "manager": {"view", "change"}},
    "accounts.department": {"agent": {"view"}, "manager": {"view", "add", "change", "delete"}},
    "accounts.holiday": {"agent": {"view"}, "manager": {"view", "add", "change", "delete"}},
    "accounts.user": {"agent": {"view"}, "manager": {"view", "add", "change"}},
    "accounts.company": {"agent": {"view"}, "manager": {"view", "add", "change"}},
    "accounts.loginthrottle": {"agent": {"view"}, "manager": {"view", "delete"}},
    "licenses.product": {"agent": {"view"}, "manager": {"view", "add", "change", "delete"}},
    "licenses.productversion": {"agent": {"view"},
                                "manager": {"view", "add", "change", "delete"}},
    "licenses.license": {"agent": {"view", "change"}, "manager": {"view", "add", "change"}},
    # "change": through the ticket page's forms; the generic form is read-only.
    "tickets.ticket": {"agent": {"view", "change"}, "manager": {"view", "change"}},
    "tickets.tickettype": {"agent": {"view"}, "manager": {"view", "add", "change"}},
    "tickets.cannedreply": {"agent": {"view"}, "manager": {"view", "add", "change", "delete"}},
    "tickets.hotrushdisable": {"agent": set(), "manager": {"view"}},
    "helpdesk.outboundemail": {"agent": set(), "manager": {"view"}},
}


def test_every_admin_is_tenant_scoped_and_has_an_expected_access_row():
    registered = {model._meta.label_lower: model_admin
                  for model, model_admin in admin.site._registry.items()}
    assert set(registered) == set(EXPECTED_ACCESS)
    assert all(isinstance(model_admin, TenantScopedAdmin) for model_admin in registered.values())


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_staff_roles_open_exactly_the_admin_pages_of_the_permission_table(role, tenant, request):
    staff = request.getfixturevalue(role)
    client = host_client(tenant, staff)
    index = client.get(reverse("admin:index"))
    for model, _model_admin in admin.site._registry.items():
        allowed = EXPECTED_ACCESS[model._meta.label_lower][role]
        listing = client.get(changelist(model))
        assert listing.status_code == (200 if "view" in allowed else 403), model
        assert (changelist(model) in index.content.decode()) == bool(allowed), model
        assert client.get(add_url(model)).status_code == (200 if "add" in allowed else 403), model
        if "view" in allowed:
            page = listing.content.decode()
            assert (add_url(model) in page) == ("add" in allowed), model


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_the_sidebar_lists_the_admin_pages_the_role_opens_and_the_queue_has_none(role, tenant,
                                                                               request):
    client = host_client(tenant, request.getfixturevalue(role))
    page = client.get(changelist(CannedReply)).content.decode()
    sidebar = page[page.index('id="nav-sidebar"'):]
    for model in admin.site._registry:
        allowed = bool(EXPECTED_ACCESS[model._meta.label_lower][role])
        assert (f'href="{changelist(model)}"' in sidebar) == allowed, model
    assert 'id="nav-sidebar"' not in client.get(reverse("admin:tickets_ticket_changelist")
                                                ).content.decode()


def test_agent_sees_policy_read_only_and_cannot_change_it(tenant, agent):
    client = host_client(tenant, agent)
    page = client.get(change_url(tenant.policy))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(change_url(tenant.policy), {"currency": "USD"})
    assert response.status_code == 403
    tenant.policy.refresh_from_db()
    assert tenant.policy.currency == "EUR"


def test_agent_cannot_edit_staff_or_customers(tenant, agent, manager, customer):
    client = host_client(tenant, agent)
    for person in (manager, customer):
        response = client.post(change_url(person), {"is_active": ""})
        assert response.status_code == 403
        person.refresh_from_db()
        assert person.is_active


def test_agent_changes_a_license(tenant, agent, company):
    license_ = LicenseFactory(company=company, status=LicenseStatus.PENDING)
    client = host_client(tenant, agent)
    data = rendered_form_data(client.get(change_url(license_)))
    data["status"] = LicenseStatus.ACTIVE
    response = client.post(change_url(license_), data)
    assert response.status_code == 302
    license_.refresh_from_db()
    assert license_.status == LicenseStatus.ACTIVE


def policy_form(client, policy) -> dict:
    return rendered_form_data(client.get(change_url(policy)))


def test_manager_edits_own_policy_in_fieldsets(tenant, manager):
    client = host_client(tenant, manager)
    page = client.get(change_url(tenant.policy))
    for heading in ("Branding and locale", "Business hours", "Tickets", "Lifecycle automation",
                    "Billing"):
        assert heading in page.content.decode()
    data = rendered_form_data(page)
    prices = {kind: {"major": 3, "normal": 1, "minor": 0}
              for kind in ("support", "sales", "project", "generic")}
    data.update(currency="USD", languages=["it"], business_weekdays=["0", "1", "2"],
                ticket_prices=json.dumps(prices), auto_close_waiting="on")
    response = client.post(change_url(tenant.policy), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = TenantPolicy.objects.get(tenant=tenant)
    assert policy.currency == "USD"
    assert policy.languages == ["it"]
    assert policy.business_weekdays == [0, 1, 2]
    assert policy.ticket_prices == prices
    assert policy.auto_close_waiting is True


def test_policy_fieldsets_hold_every_policy_setting(tenant, manager):
    client = host_client(tenant, manager)
    form = client.get(change_url(tenant.policy)).context["adminform"].form
    settings_fields = {field.name for field in TenantPolicy._meta.get_fields()
                       if getattr(field, "editable", False) and field.name != "tenant"}
    assert settings_fields == set(form.fields)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ticket_prices", '{"support": {"major": 1,', "Enter a valid JSON."),
    ("ticket_prices", '{"support": {"major": -1, "normal": 0, "minor": 0}}',
     "Give whole, non-negative credits"),
    ("languages", ["fr"], "Select a valid choice. fr is not one of the available choices."),
    ("business_day_end", "08:00", "The business day must end after it starts."),
    ("primary_colour", "blue", "Use a colour like #1f4e79."),
])
def test_invalid_policy_shows_clear_error_and_saves_nothing(field, value, message, tenant,
                                                            manager):
    client = host_client(tenant, manager)
    data = policy_form(client, tenant.policy)
    data.update(currency="USD", **{field: value})
    response = client.post(change_url(tenant.policy), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    tenant.policy.refresh_from_db()
    assert tenant.policy.currency == "EUR"


def test_manager_cannot_open_another_tenants_policy(tenant, other_tenant, manager):
    client = host_client(tenant, manager)
    response = client.get(change_url(other_tenant.policy))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    followed = client.get(response["Location"])
    assert any("doesn\N{RIGHT SINGLE QUOTATION MARK}t exist" in message
               for message in messages_of(followed))
    assert other_tenant.name not in followed.content.decode()


def staff_form(**fields) -> dict:
    return {"email": "new.agent@alpha.example", "first_name": "Nora", "last_name": "Agent",
            "language": "en", "staff_role": StaffRole.AGENT, "password1": PASSWORD,
            "password2": PASSWORD, **fields}


def test_manager_creates_an_agent_of_their_tenant(tenant, manager):
    department = DepartmentFactory(tenant=tenant)
    client = host_client(tenant, manager)
    page = client.get(add_url(User)).content.decode()
    assert 'name="tenant"' not in page
    response = client.post(add_url(User), staff_form(email="New.Agent@Alpha.example",
                                                     departments=[department.pk]))
    assert response.status_code == 302
    person = User.objects.for_tenant(tenant).get(email="new.agent@alpha.example")
    assert (person.is_staff, person.staff_role, person.is_superuser) == (True, "agent", False)
    assert list(person.departments.all()) == [department]
    assert person.check_password(PASSWORD)


def test_manager_may_reuse_an_email_known_at_another_tenant(tenant, other_tenant, manager):
    UserFactory(tenant=other_tenant, email="new.agent@alpha.example")
    client = host_client(tenant, manager)
    response = client.post(add_url(User), staff_form())
    assert response.status_code == 302
    assert User.objects.filter(email="new.agent@alpha.example").count() == 2


def test_email_taken_in_the_same_tenant_is_refused_clearly(tenant, manager):
    UserFactory(tenant=tenant, email="new.agent@alpha.example")
    client = host_client(tenant, manager)
    response = client.post(add_url(User), staff_form(email="NEW.agent@alpha.example"))
    assert response.status_code == 200
    assert str(EMAIL_TAKEN % {"tenant": tenant}) in response.content.decode()
    assert User.objects.for_tenant(tenant).filter(email__iexact="new.agent@alpha.example"
                                                  ).count() == 1


def test_new_staff_needs_a_role(tenant, manager):
    client = host_client(tenant, manager)
    response = client.post(add_url(User), staff_form(staff_role=""))
    assert str(STAFF_ROLE_REQUIRED) in response.content.decode()
    assert not User.objects.for_tenant(tenant).filter(email="new.agent@alpha.example").exists()


def test_manager_cannot_give_staff_another_tenants_department(tenant, other_tenant, manager):
    theirs = DepartmentFactory(tenant=other_tenant)
    client = host_client(tenant, manager)
    response = client.post(add_url(User), staff_form(departments=[theirs.pk]))
    assert response.status_code == 200
    assert not User.objects.filter(email="new.agent@alpha.example").exists()


def test_platform_superuser_cannot_link_rows_of_two_tenants(tenant, other_tenant, superuser):
    theirs = DepartmentFactory(tenant=other_tenant)
    client = host_client(None, superuser)
    response = client.post(add_url(User), staff_form(tenant=tenant.pk, departments=[theirs.pk]))
    assert str(OTHER_TENANT_ROW) in response.content.decode()
    assert not User.objects.filter(email="new.agent@alpha.example").exists()


def test_manager_edits_an_agent(tenant, manager, agent):
    client = host_client(tenant, manager)
    data = rendered_form_data(client.get(change_url(agent)))
    data.update(staff_role=StaffRole.MANAGER, first_name="Promoted")
    assert client.post(change_url(agent), data).status_code == 302
    agent.refresh_from_db()
    assert (agent.staff_role, agent.first_name, agent.tenant) == ("manager", "Promoted", tenant)


def test_manager_sets_an_agents_password_with_the_password_form(tenant, manager, agent):
    client = host_client(tenant, manager)
    url = reverse("admin:auth_user_password_change", args=[agent.pk])
    assert url in client.get(change_url(agent)).content.decode()
    response = client.post(url, {"password1": "a brand new secret 42",
                                 "password2": "a brand new secret 42",
                                 "usable_password": "true"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a brand new secret 42")


def test_staff_cannot_set_a_customers_password(tenant, manager, customer):
    client = host_client(tenant, manager)
    url = reverse("admin:auth_user_password_change", args=[customer.pk])
    response = client.post(url, {"password1": "a brand new secret 42",
                                 "password2": "a brand new secret 42"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_manager_disables_a_customer_but_cannot_change_their_data(tenant, manager, customer):
    client = host_client(tenant, manager)
    page = client.get(change_url(customer))
    assert set(page.context["adminform"].form.fields) == {"is_active"}
    assert "Acme Shop" in page.content.decode()
    response = client.post(change_url(customer), {"email": "hijack@example.com"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.is_active, customer.email) == (False, "primary@acme.example")


def test_person_pages_never_show_password_hashes(tenant, manager, agent, customer):
    client = host_client(tenant, manager)
    for url in (changelist(User), change_url(agent), change_url(customer)):
        page = client.get(url).content.decode()
        assert "md5$" not in page
        assert agent.password not in page


def test_staff_cannot_open_another_tenants_people(tenant, other_tenant, manager):
    theirs = StaffFactory(tenant=other_tenant, email="agent@beta.example")
    client = host_client(tenant, manager)
    for suffix in ("change", "history"):
        response = client.get(reverse(f"admin:accounts_user_{suffix}", args=[theirs.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
    # Managers delete nobody: refused before any lookup, the same for every id.
    assert client.get(reverse("admin:accounts_user_delete", args=[theirs.pk])
                      ).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[theirs.pk])
    assert client.post(password, {"password1": "x" * 12, "password2": "x" * 12}
                       ).status_code == 404
    listing = client.get(changelist(User), {"q": "beta"}).content.decode()
    assert "agent@beta.example" not in listing
    theirs.refresh_from_db()
    assert theirs.check_password(PASSWORD)


def test_staff_cannot_open_another_tenants_license(tenant, other_tenant, agent):
    theirs = LicenseFactory(company=CompanyFactory(tenant=other_tenant), key="BETA-KEY")
    client = host_client(tenant, agent)
    response = client.post(change_url(theirs), {"status": LicenseStatus.PENDING})
    assert response.status_code == 302
    assert "BETA-KEY" not in client.get(response["Location"]).content.decode()
    theirs.refresh_from_db()
    assert theirs.status == LicenseStatus.ACTIVE


def test_duplicate_department_name_is_refused_clearly_within_the_tenant_only(
        tenant, other_tenant, manager):
    DepartmentFactory(tenant=tenant, name="Sales")
    DepartmentFactory(tenant=other_tenant, name="Support")
    client = host_client(tenant, manager)
    refused = client.post(add_url(Department), {"name": "Sales"})
    assert refused.status_code == 200
    assert "already exists" in refused.content.decode()
    assert client.post(add_url(Department), {"name": "Support"}).status_code == 302
    assert Department.objects.for_tenant(tenant).filter(name="Support").exists()


def role_fields(response) -> dict[str, str]:
    """Each membership's role field name in the company form, by the person's email."""
    formset = response.context["inline_admin_formsets"][0].formset
    return {form.instance.user.email: form["role"].html_name for form in formset.forms}


def roles(tenant) -> dict[str, str]:
    return dict(Membership.objects.for_tenant(tenant).values_list("user__email", "role"))


def test_manager_moves_a_person_between_advanced_and_secondary(tenant, manager, company,
                                                               customer, advanced):
    client = host_client(tenant, manager)
    page = client.get(change_url(company))
    data = rendered_form_data(page)
    data[role_fields(page)["advanced@acme.example"]] = Role.SECONDARY
    assert client.post(change_url(company), data).status_code == 302
    assert roles(tenant) == {"primary@acme.example": "primary",
                             "advanced@acme.example": "secondary"}


def test_company_form_cannot_make_or_unmake_the_primary(tenant, manager, company, customer,
                                                        advanced):
    client = host_client(tenant, manager)
    page = client.get(change_url(company))
    assert escape(str(PRIMARY_BY_ACTION)) in page.content.decode()
    fields = role_fields(page)
    data = rendered_form_data(page)
    data[fields["advanced@acme.example"]] = Role.PRIMARY
    data[fields["primary@acme.example"]] = Role.SECONDARY
    response = client.post(change_url(company), data)
    assert "Select a valid choice." in response.content.decode()
    assert roles(tenant) == {"primary@acme.example": "primary",
                             "advanced@acme.example": "advanced"}


def appoint(client, *people):
    return client.post(changelist(User), {
        "action": "appoint_as_primary", "_selected_action": [p.pk for p in people],
        "index": "0"}, follow=True)


def test_manager_appoints_a_new_primary_and_the_former_becomes_advanced(
        tenant, manager, company, customer, advanced):
    response = appoint(host_client(tenant, manager), advanced)
    assert any("is now the primary of Acme Shop" in m for m in messages_of(response))
    assert roles(tenant) == {"primary@acme.example": "advanced",
                             "advanced@acme.example": "primary"}


@pytest.mark.parametrize("selection", ["two customers", "staff"])
def test_appointing_a_primary_needs_exactly_one_customer(selection, tenant, manager, company,
                                                         customer, advanced, secondary):
    people = (advanced, secondary) if selection == "two customers" else (manager,)
    response = appoint(host_client(tenant, manager), *people)
    assert str(APPOINT_ONE) in messages_of(response)
    assert roles(tenant)["primary@acme.example"] == "primary"


def test_agent_cannot_appoint_a_primary(tenant, agent, company, customer, advanced):
    appoint(host_client(tenant, agent), advanced)
    assert roles(tenant)["primary@acme.example"] == "primary"


def test_platform_superuser_creates_a_tenant_with_its_policy(superuser):
    client = host_client(None, superuser)
    prefix = client.get(add_url(Tenant)).context["inline_admin_formsets"][0].formset.prefix
    response = client.post(add_url(Tenant), {
        "slug": "gamma", "name": "Gamma Tools",
        f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-host": "help.gamma.example"})
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="gamma")
    assert TenantPolicy.objects.get(tenant=tenant).currency == "EUR"
    assert list(Domain.all_tenants.filter(tenant=tenant).values_list("host", flat=True)) == [
        "help.gamma.example"]


def test_platform_superuser_sees_every_tenants_rows(tenant, other_tenant, superuser):
    CompanyFactory(tenant=tenant, name="Alpha Customer")
    CompanyFactory(tenant=other_tenant, name="Beta Customer")
    JobRun.objects.create(job="nightly", tenant=other_tenant, started_at=datetime.datetime.now(
        datetime.UTC), finished_at=datetime.datetime.now(datetime.UTC))
    client = host_client(None, superuser)
    companies = client.get(changelist(Company)).content.decode()
    assert "Alpha Customer" in companies and "Beta Customer" in companies
    assert "nightly" in client.get(changelist(JobRun)).content.decode()


def test_customer_gets_no_admin(tenant, customer):
    client = host_client(tenant, customer)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert "The admin is for the support staff." in response.content.decode()


def test_admin_login_is_the_portal_login(tenant):
    client = host_client(tenant)
    response = client.get(reverse("admin:index"), follow=False)
    assert response.status_code == 302
    entrance = client.get(response["Location"])
    assert entrance.status_code == 302
    assert entrance["Location"] == f"{reverse('accounts:login')}?next=/admin/"


def test_admin_login_ignores_a_foreign_next(tenant, agent):
    client = host_client(tenant, agent)
    response = client.get(reverse("admin:login"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:index")


def test_staff_of_one_tenant_are_logged_out_on_another_tenants_host(tenant, other_tenant,
                                                                    manager):
    client = host_client(other_tenant, manager)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_admin_header_shows_the_tenants_name(tenant, agent):
    page = host_client(tenant, agent).get(reverse("admin:index")).content.decode()
    assert "Alpha Software support" in page


def rows_for(model, tenant, count):
    """``count`` rows of each main changelist's model, with their related rows."""
    if model is User:
        company = CompanyFactory(tenant=tenant)
        for n in range(count):
            customer_of(company, Role.SECONDARY if n else Role.PRIMARY)
    elif model is License:
        LicenseFactory.create_batch(count, company=CompanyFactory(tenant=tenant),
                                    product=ProductFactory(tenant=tenant))
    elif model is ProductVersion:
        for _n in range(count):
            ProductVersionFactory(product=ProductFactory(tenant=tenant))
    elif model is Holiday:
        start = Holiday.objects.for_tenant(tenant).count()
        for n in range(start, start + count):
            HolidayFactory(tenant=tenant, date=datetime.date(2026, 1, 1) + datetime.timedelta(n))
    else:
        {Company: CompanyFactory, Department: DepartmentFactory}[model].create_batch(
            count, tenant=tenant)


@pytest.mark.parametrize("model_name", ["user", "company", "license", "productversion",
                                        "department", "holiday"])
def test_changelist_queries_do_not_grow_with_rows(model_name, tenant, manager,
                                                  django_assert_max_num_queries):
    model = {m._meta.model_name: m for m in admin.site._registry}[model_name]
    client = host_client(tenant, manager)
    rows_for(model, tenant, 2)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as few:
        assert client.get(changelist(model)).status_code == 200
    rows_for(model, tenant, 18)
    with CaptureQueriesContext(connection) as many:
        response = client.get(changelist(model))
    assert response.context["cl"].result_count >= 20
    assert len(many) == len(few)
