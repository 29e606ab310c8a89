"""Optional TOTP two-factor: enrolment, the login code step, recovery codes (ACC-3)."""
import datetime
import re
from base64 import b32encode

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms.auth import WRONG_PASSWORD
from accounts.services.auth import ALREADY_ENABLED, CODE_INVALID, SETUP_CODE_INVALID
from accounts.views.auth import PENDING_LOGIN_SECONDS
from tests.conftest import PASSWORD, host_client

RECOVERY = ["aaaa2222", "bbbb3333"]


@pytest.fixture
def clock():
    """Frozen time, moved on by hand: TOTP codes and the code throttle depend on it."""
    with time_machine.travel(datetime.datetime.now(datetime.UTC), tick=False) as traveller:
        yield traveller


def code_now(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_now(device)) + 1) % 1_000_000:06d}"


def with_two_factor(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery")
    for token in RECOVERY:
        StaticToken.objects.create(device=recovery, token=token)
    return device


def log_in(client, user, **extra):
    return client.post("/accounts/login/", {"email": user.email, "password": PASSWORD, **extra})


def enter_code(client, code):
    return client.post("/accounts/login/code/", {"code": code})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_enabling_shows_a_qr_code_and_the_secret_and_waits_for_confirmation(customer_client,
                                                                             customer):
    response = customer_client.post("/accounts/two-factor/", {"action": "enable"})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=customer)
    assert not device.confirmed
    page = customer_client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page
    secret = b32encode(device.bin_key).decode()
    shown = re.search(r'id="totp-secret">([^<]+)<', page).group(1)
    assert shown.replace(" ", "") == secret


def test_unconfirmed_device_does_not_ask_for_a_code_at_login(tenant, customer):
    TOTPDevice.objects.create(user=customer, name="app", confirmed=False)
    assert log_in(host_client(tenant), customer)["Location"] == "/"


def test_confirming_with_a_wrong_code_says_so_and_stays_unconfirmed(customer_client, customer,
                                                                    clock):
    customer_client.post("/accounts/two-factor/", {"action": "enable"})
    device = TOTPDevice.objects.get(user=customer)
    response = customer_client.post("/accounts/two-factor/", {"action": "confirm",
                                                              "code": wrong_code(device)})
    assert response.status_code == 200
    assert response.context["confirm_form"].errors["code"] == [SETUP_CODE_INVALID]
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=customer).exists()


def test_confirming_with_the_current_code_shows_ten_recovery_codes_once(customer_client,
                                                                        customer, clock):
    customer_client.post("/accounts/two-factor/", {"action": "enable"})
    device = TOTPDevice.objects.get(user=customer)
    response = customer_client.post("/accounts/two-factor/", {"action": "confirm",
                                                              "code": code_now(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    page = customer_client.get("/accounts/two-factor/")
    codes = page.context["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=customer)
                             .values_list("token", flat=True))
    assert all(code in page.content.decode() for code in codes)
    again = customer_client.get("/accounts/two-factor/")
    assert not any(code in again.content.decode() for code in codes)
    assert b"You have 10 unused recovery codes." in again.content


def test_enabling_again_while_on_is_refused(customer_client, customer):
    device = with_two_factor(customer)
    response = customer_client.post("/accounts/two-factor/", {"action": "enable"}, follow=True)
    assert str(ALREADY_ENABLED) in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=customer)) == [device]


def test_login_with_two_factor_asks_for_the_code_then_logs_in(tenant, customer, clock):
    device = with_two_factor(customer)
    client = host_client(tenant)
    response = log_in(client, customer, next="/licenses/")
    assert response["Location"] == "/accounts/login/code/"
    assert not is_logged_in(client)
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert b"authenticator app" in client.get("/accounts/login/code/").content
    response = enter_code(client, code_now(device))
    assert response["Location"] == "/licenses/"
    assert is_logged_in(client)


def test_login_code_that_is_wrong_is_refused(tenant, customer, clock):
    device = with_two_factor(customer)
    client = host_client(tenant)
    log_in(client, customer)
    response = enter_code(client, wrong_code(device))
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [CODE_INVALID]
    assert not is_logged_in(client)
    clock.shift(5)  # past django-otp's pause after a wrong code
    assert enter_code(client, code_now(device))["Location"] == "/"


def test_a_used_login_code_cannot_be_used_again(tenant, customer, clock):
    device = with_two_factor(customer)
    first = host_client(tenant)
    log_in(first, customer)
    code = code_now(device)
    assert enter_code(first, code)["Location"] == "/"
    second = host_client(tenant)
    log_in(second, customer)
    assert enter_code(second, code).status_code == 200
    assert not is_logged_in(second)


def test_recovery_code_logs_in_once(tenant, customer, clock):
    with_two_factor(customer)
    client = host_client(tenant)
    log_in(client, customer)
    assert enter_code(client, " AAAA-2222 ")["Location"] == "/"
    assert StaticToken.objects.filter(device__user=customer).count() == 1
    clock.shift(5)
    again = host_client(tenant)
    log_in(again, customer)
    assert enter_code(again, RECOVERY[0]).status_code == 200
    assert not is_logged_in(again)


def test_wrong_codes_count_toward_the_lockout(tenant, customer, clock, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    device = with_two_factor(customer)
    client = host_client(tenant)
    log_in(client, customer)
    enter_code(client, wrong_code(device))
    clock.shift(5)
    response = enter_code(client, wrong_code(device))
    assert "Too many failed attempts" in response.content.decode()
    clock.shift(5)
    assert "Too many failed attempts" in enter_code(client, code_now(device)).content.decode()
    assert not is_logged_in(client)
    assert "Too many failed attempts" in log_in(host_client(tenant), customer).content.decode()


def test_code_step_without_the_password_step_goes_back_to_login(tenant, customer):
    with_two_factor(customer)
    response = enter_code(host_client(tenant), "123456")
    assert response["Location"] == "/accounts/login/"


def test_code_step_expires(tenant, customer, clock):
    device = with_two_factor(customer)
    client = host_client(tenant)
    log_in(client, customer)
    clock.shift(PENDING_LOGIN_SECONDS + 1)
    assert enter_code(client, code_now(device))["Location"] == "/accounts/login/"
    assert not is_logged_in(client)


def test_code_step_carried_to_another_tenant_host_goes_back_to_login(tenant, other_tenant,
                                                                     customer, clock):
    device = with_two_factor(customer)
    alpha = host_client(tenant)
    log_in(alpha, customer)
    beta = host_client(other_tenant)
    beta.cookies = alpha.cookies
    assert enter_code(beta, code_now(device))["Location"] == "/accounts/login/"
    assert not is_logged_in(beta)


def test_disabling_needs_the_current_password(customer_client, customer, tenant):
    with_two_factor(customer)
    response = customer_client.post("/accounts/two-factor/", {"action": "disable",
                                                              "password": "not it"})
    assert response.status_code == 200
    assert response.context["disable_form"].errors["password"] == [WRONG_PASSWORD]
    assert TOTPDevice.objects.filter(user=customer).exists()
    response = customer_client.post("/accounts/two-factor/", {"action": "disable",
                                                              "password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=customer).exists()
    assert not StaticDevice.objects.filter(user=customer).exists()
    assert log_in(host_client(tenant), customer)["Location"] == "/"


def test_staff_use_two_factor_too(tenant, agent, clock):
    client = host_client(tenant, agent)
    client.post("/accounts/two-factor/", {"action": "enable"})
    device = TOTPDevice.objects.get(user=agent)
    client.post("/accounts/two-factor/", {"action": "confirm", "code": code_now(device)})
    clock.shift(60)
    fresh = host_client(tenant)
    assert log_in(fresh, agent)["Location"] == "/accounts/login/code/"
    assert enter_code(fresh, code_now(device))["Location"] == "/admin/"


def test_two_factor_page_needs_a_login_on_a_tenant_host(tenant, customer):
    response = host_client(tenant).get("/accounts/two-factor/")
    assert response["Location"] == "/accounts/login/?next=/accounts/two-factor/"
    assert host_client(None, customer).get("/accounts/two-factor/").status_code == 404


@pytest.mark.parametrize("state", ["off", "pending", "on"])
def test_two_factor_page_query_count(customer_client, customer, state,
                                     django_assert_max_num_queries):
    if state == "pending":
        TOTPDevice.objects.create(user=customer, name="app", confirmed=False)
    elif state == "on":
        with_two_factor(customer)
    with django_assert_max_num_queries(10):
        assert customer_client.get("/accounts/two-factor/").status_code == 200
