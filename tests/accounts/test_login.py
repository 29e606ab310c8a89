"""Login within the host's tenant, brute-force lockout, logout (ACC-3, TEN-5)."""
import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import LoginThrottle, User
from accounts.services.auth import LOGIN_FAILED, record_login_failure
from tests.accounts.factories import TenantFactory, UserFactory
from tests.conftest import PASSWORD, host_client

LIMIT = 3
MINUTES = 15


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_LOCKOUT_MINUTES = MINUTES


def log_in(client, email, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"email": email, "password": password, **extra})


def locked_message() -> str:
    return f"Too many failed attempts for this email. Wait {MINUTES} minutes"


def test_customer_logs_in_and_lands_on_the_dashboard(tenant, customer):
    client = host_client(tenant)
    response = log_in(client, "Primary@ACME.example")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_staff_log_in_to_the_admin(tenant, agent):
    response = log_in(host_client(tenant), agent.email)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_login_follows_a_next_address_on_this_site(tenant, customer):
    response = log_in(host_client(tenant), customer.email, next="/licenses/")
    assert response["Location"] == "/licenses/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/",
                                      f"http://{TenantFactory.build(slug='beta').host}/"])
def test_login_ignores_a_next_address_elsewhere(tenant, customer, next_url):
    response = log_in(host_client(tenant), customer.email, next=next_url)
    assert response["Location"] == "/"


def test_wrong_password_and_unknown_email_get_the_same_message(tenant, customer):
    wrong_password = log_in(host_client(tenant), customer.email, "not my password")
    unknown_email = log_in(host_client(tenant), "nobody@acme.example", "not my password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert str(LOGIN_FAILED) in wrong_password.content.decode()
    assert wrong_password.context["form"].errors == unknown_email.context["form"].errors


def test_disabled_person_cannot_log_in_and_gets_the_same_message(tenant, customer):
    customer.is_active = False
    customer.save()
    response = log_in(host_client(tenant), customer.email)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [LOGIN_FAILED]


def test_credentials_of_tenant_a_do_not_log_in_at_tenant_b(tenant, other_tenant, customer):
    client = host_client(other_tenant)
    response = log_in(client, customer.email)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [LOGIN_FAILED]
    assert "_auth_user_id" not in client.session


def test_session_of_tenant_a_carried_to_tenant_b_is_not_logged_in_there(tenant, other_tenant,
                                                                         customer):
    alpha = host_client(tenant)
    log_in(alpha, customer.email)
    assert alpha.get("/accounts/password/change/").status_code == 200
    beta = host_client(other_tenant)
    beta.cookies = alpha.cookies
    response = beta.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_platform_hosts_login_offers_no_registration_or_reset(db):
    response = host_client(None).get("/accounts/login/")
    assert response.status_code == 200
    assert b"/accounts/register/" not in response.content
    assert b"/accounts/password/reset/" not in response.content
    assert host_client(None).get("/accounts/register/").status_code == 404
    assert host_client(None).get("/accounts/password/reset/").status_code == 404


def test_login_page_links_to_registration_and_password_reset(tenant,
                                                             django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = host_client(tenant).get("/accounts/login/")
    assert response.status_code == 200
    assert b'href="/accounts/register/"' in response.content
    assert b'href="/accounts/password/reset/"' in response.content
    assert b"Forgot Your Password?" in response.content


def test_logged_in_person_opening_login_goes_on(customer_client):
    response = customer_client.get("/accounts/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_lockout_after_the_limit_refuses_even_the_right_password(tenant, customer):
    client = host_client(tenant)
    for _ in range(LIMIT - 1):
        assert str(LOGIN_FAILED) in log_in(client, customer.email, "wrong").content.decode()
    assert locked_message() in log_in(client, customer.email, "wrong").content.decode()
    response = log_in(client, customer.email)
    assert response.status_code == 200
    assert locked_message() in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_applies_to_unknown_emails_with_the_same_message(tenant, customer):
    client = host_client(tenant)
    for _ in range(LIMIT):
        log_in(client, "nobody@acme.example", "wrong")
    unknown = log_in(client, "NOBODY@acme.example", "wrong")
    for _ in range(LIMIT):
        log_in(client, customer.email, "wrong")
    known = log_in(client, customer.email, "wrong")
    assert unknown.context["form"].errors == known.context["form"].errors
    assert locked_message() in unknown.content.decode()


def test_lockout_ends_after_the_window(tenant, customer):
    client = host_client(tenant)
    for _ in range(LIMIT):
        log_in(client, customer.email, "wrong")
    almost = timezone.now() + datetime.timedelta(minutes=MINUTES - 1)
    with time_machine.travel(almost):
        assert locked_message() in log_in(client, customer.email).content.decode()
    later = timezone.now() + datetime.timedelta(minutes=MINUTES + 1)
    with time_machine.travel(later):
        assert log_in(client, customer.email)["Location"] == "/"


def test_failures_spread_beyond_the_window_do_not_lock(tenant, customer):
    client = host_client(tenant)
    start = timezone.now()
    for attempt in range(LIMIT + 1):
        with time_machine.travel(start + datetime.timedelta(minutes=attempt * (MINUTES - 5))):
            log_in(client, customer.email, "wrong")
    with time_machine.travel(start + datetime.timedelta(minutes=LIMIT * (MINUTES - 5) + 1)):
        assert log_in(client, customer.email)["Location"] == "/"


def test_successful_login_resets_the_failure_count(tenant, customer):
    for _ in range(LIMIT - 1):
        log_in(host_client(tenant), customer.email, "wrong")
    assert log_in(host_client(tenant), customer.email)["Location"] == "/"
    assert not LoginThrottle.objects.for_tenant(tenant).exists()
    for _ in range(LIMIT - 1):
        log_in(host_client(tenant), customer.email, "wrong")
    assert log_in(host_client(tenant), customer.email)["Location"] == "/"


def test_lockout_at_one_tenant_leaves_the_same_email_at_another_alone(tenant, other_tenant,
                                                                      customer):
    UserFactory(tenant=other_tenant, email=customer.email)
    for _ in range(LIMIT):
        log_in(host_client(tenant), customer.email, "wrong")
    assert locked_message() in log_in(host_client(tenant), customer.email).content.decode()
    assert log_in(host_client(other_tenant), customer.email)["Location"] == "/"


def test_logout_is_post_only_and_ends_the_session(customer_client):
    assert customer_client.get("/accounts/logout/").status_code == 405
    assert customer_client.get("/").status_code == 200
    response = customer_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert customer_client.get("/").status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_failures_are_all_counted():
    tenant = TenantFactory()
    attempts = 8
    barrier = threading.Barrier(attempts)
    errors = []

    def fail_once():
        try:
            barrier.wait()
            record_login_failure(tenant=tenant, email="target@example.com")
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=fail_once) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    throttle = LoginThrottle.objects.for_tenant(tenant).get()
    assert throttle.failures == attempts
    assert throttle.locked_until is not None
    assert not User.objects.for_tenant(tenant).exists()


def test_platform_superuser_logs_in_on_the_platform_host_and_reaches_the_admin(superuser):
    client = host_client(None)
    response = client.post("/accounts/login/?next=/admin/",
                           {"email": superuser.email, "password": PASSWORD})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_tenant_people_cannot_log_in_on_the_platform_host(customer, agent):
    for person in (customer, agent):
        client = host_client(None)
        response = client.post("/accounts/login/", {"email": person.email, "password": PASSWORD})
        assert response.status_code == 200
        assert str(LOGIN_FAILED) in response.content.decode()
        assert client.get("/admin/").status_code == 302


def test_failures_on_the_platform_host_lock_it_out_separately(tenant, settings):
    client = host_client(None)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"email": "root@platform.example", "password": "x"})
    assert LoginThrottle.objects.for_host(None).get().locked_until is not None
    assert not LoginThrottle.objects.for_host(tenant).exists()
