"""Tenancy: hosts (TEN-1), scoped queries and constraints (TEN-2), people per tenant (TEN-5)."""
import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.db import models
from django.test import RequestFactory

from accounts.models import Tenant, User
from accounts.tenancy import TenantOwned, UnscopedQuery
from tests.accounts.factories import CompanyFactory, DomainFactory, TenantFactory, UserFactory
from tests.conftest import PASSWORD, host_client

TENANT_OWNED = [m for m in apps.get_models() if issubclass(m, TenantOwned)]
# Field-level uniqueness that is global on purpose.
GLOBALLY_UNIQUE = {
    ("accounts.Domain", "host"),  # a host name can serve one tenant only
    ("accounts.Membership", "user"),  # a person (already of one tenant) has one membership
}


def test_unknown_host_gets_the_unknown_helpdesk_page(db):
    response = host_client(None).get("/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    assert b"Unknown helpdesk" in response.content


def test_inactive_tenant_host_is_unknown(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    assert host_client(tenant).get("/accounts/login/").status_code == 404


def test_custom_domain_serves_its_tenant(customer, tenant):
    domain = DomainFactory(tenant=tenant, host="help.acme-vendor.example")
    client = host_client(None)
    client.force_login(customer)
    response = client.get("/", HTTP_HOST=domain.host)
    assert response.status_code == 200
    assert tenant.name.encode() in response.content


def test_portal_pages_are_not_served_on_the_platform_host(customer):
    client = host_client(None)
    assert client.get("/licenses/").status_code == 404
    assert client.get("/").url == "/admin/"


@pytest.mark.parametrize("model", TENANT_OWNED, ids=lambda m: m._meta.label)
def test_tenant_owned_rows_cannot_be_queried_without_a_tenant(model):
    with pytest.raises(UnscopedQuery):
        model.objects.all()
    with pytest.raises(UnscopedQuery):
        model.objects.filter(pk=1)
    with pytest.raises(UnscopedQuery):
        model.objects.for_tenant(None)
    for tenants in ([], [None]):
        with pytest.raises(UnscopedQuery):
            model.objects.for_tenants(tenants)
    with pytest.raises(UnscopedQuery):
        model.objects.create()
    assert model._default_manager.name == "all_tenants"


@pytest.mark.parametrize("model", TENANT_OWNED, ids=lambda m: m._meta.label)
def test_unique_rules_of_tenant_owned_rows_include_the_tenant(model):
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert "tenant" in constraint.fields, constraint.name
    for field in model._meta.local_fields:
        if field.unique and not field.primary_key:
            assert (model._meta.label, field.name) in GLOBALLY_UNIQUE, field.name


def test_for_tenant_returns_only_that_tenants_rows(tenant, other_tenant):
    mine = CompanyFactory(tenant=tenant)
    CompanyFactory(tenant=other_tenant)
    assert list(type(mine).objects.for_tenant(tenant)) == [mine]


def test_for_tenants_returns_only_those_tenants_rows(tenant, other_tenant):
    mine = CompanyFactory(tenant=tenant)
    theirs = CompanyFactory(tenant=other_tenant)
    CompanyFactory(tenant=TenantFactory(slug="gamma"))
    companies = type(mine).objects
    assert list(companies.for_tenants([tenant])) == [mine]
    assert set(companies.for_tenants([tenant, other_tenant.pk])) == {mine, theirs}


def test_same_email_at_two_vendors_is_two_people(tenant, other_tenant):
    alpha = UserFactory(tenant=tenant, email="same@example.com")
    beta = UserFactory(tenant=other_tenant, email="same@example.com")
    beta.set_password("beta's own password")
    beta.save()
    factory = RequestFactory()

    def login(tenant_, password):
        request = factory.post("/accounts/login/")
        request.tenant = tenant_
        return authenticate(request, email="SAME@example.com", password=password)

    assert login(tenant, PASSWORD) == alpha
    assert login(other_tenant, PASSWORD) is None
    assert login(other_tenant, "beta's own password") == beta
    assert login(tenant, "beta's own password") is None


def test_platform_superuser_logs_in_on_any_tenant_host(tenant, superuser):
    request = RequestFactory().post("/accounts/login/")
    request.tenant = tenant
    assert authenticate(request, email=superuser.email, password=PASSWORD) == superuser


def test_email_unique_within_a_tenant_whatever_its_case(tenant):
    from django.db import IntegrityError, transaction

    UserFactory(tenant=tenant, email="dup@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(tenant=tenant, email="DUP@example.com")
    assert User.objects.for_tenant(tenant).filter(email__iexact="dup@example.com").count() == 1


def test_session_of_one_tenant_is_no_login_at_another(tenant, other_tenant, customer):
    alpha = host_client(tenant, customer)
    assert alpha.get("/").status_code == 200
    beta = host_client(other_tenant)
    beta.cookies = alpha.cookies
    response = beta.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_pages_use_the_tenants_language_when_the_person_prefers_one_it_does_not_offer(
        tenant, customer):
    tenant.policy.languages = ["it"]
    tenant.policy.save()
    customer.language = "en"
    customer.save()
    response = host_client(tenant, customer).get("/")
    assert response.status_code == 200
    assert b'lang="it"' in response.content
