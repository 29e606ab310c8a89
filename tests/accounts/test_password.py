"""Password reset by one-time link and password change; both end other sessions (ACC-3)."""
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services.auth import password_reset_tokens
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, host_client

NEW_PASSWORD = "a brand new passphrase 7"
RESET_LINK = re.compile(r"https?://[^\s\"<>]+/accounts/password/reset/[^\s\"<>/]+/[^\s\"<>/]+/")


@pytest.fixture
def mail_now(django_capture_on_commit_callbacks):
    """Run the after-commit sends of the block, as a real request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ask_for_reset(client, email, mail_now):
    with mail_now():
        return client.post("/accounts/password/reset/", {"email": email})


def without_csrf(page: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page)


def reset_path(message) -> str:
    return urlsplit(RESET_LINK.search(message.body).group(0)).path


def set_password(client, path, password=NEW_PASSWORD, confirmation=None):
    """Open the link, then post the new password where it leads."""
    opened = client.get(path)
    if opened.status_code != 302:
        return opened
    return client.post(opened["Location"], {"new_password1": password,
                                            "new_password2": confirmation or password})


def test_reset_request_emails_a_link_to_the_tenant_host_and_no_password(tenant, customer,
                                                                        mail_now):
    response = ask_for_reset(host_client(tenant), "PRIMARY@acme.example", mail_now)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    [message] = mail.outbox
    assert message.to == [customer.email]
    link = RESET_LINK.search(message.body).group(0)
    assert urlsplit(link).netloc == tenant.host
    assert link in message.alternatives[0][0]
    assert PASSWORD not in message.body
    assert "password:" not in message.body.lower()


def test_reset_request_for_an_unknown_email_looks_the_same_and_sends_nothing(tenant, customer,
                                                                             mail_now):
    known = host_client(tenant).get(
        ask_for_reset(host_client(tenant), customer.email, mail_now)["Location"])
    mail.outbox.clear()
    response = ask_for_reset(host_client(tenant), "nobody@acme.example", mail_now)
    assert response["Location"] == "/accounts/password/reset/done/"
    unknown = host_client(tenant).get(response["Location"])
    assert without_csrf(unknown.content) == without_csrf(known.content)
    assert b"If an account exists for that email address" in unknown.content
    assert mail.outbox == []


def test_reset_request_for_an_email_of_another_tenant_sends_nothing(tenant, other_tenant,
                                                                    customer, mail_now):
    response = ask_for_reset(host_client(other_tenant), customer.email, mail_now)
    assert response["Location"] == "/accounts/password/reset/done/"
    assert mail.outbox == []


def test_reset_request_for_a_disabled_person_sends_nothing(tenant, customer, mail_now):
    customer.is_active = False
    customer.save()
    ask_for_reset(host_client(tenant), customer.email, mail_now)
    assert mail.outbox == []


def test_reset_request_with_a_malformed_email_says_so(tenant):
    response = host_client(tenant).post("/accounts/password/reset/", {"email": "not an email"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]


def test_reset_page_uses_the_seed_words(tenant, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = host_client(tenant).get("/accounts/password/reset/")
    assert b"Forgot Your Password?" in response.content
    assert b">Send</button>" in response.content


def test_reset_link_sets_the_new_password_and_works_once(tenant, customer, mail_now):
    ask_for_reset(host_client(tenant), customer.email, mail_now)
    path = reset_path(mail.outbox[0])
    client = host_client(tenant)
    response = set_password(client, path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/complete/"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    again = set_password(host_client(tenant), path, password="yet another passphrase 9")
    assert again.status_code == 400
    assert b"This link is no longer valid" in again.content
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_reset_link_keeps_the_token_out_of_the_address_of_the_form(tenant, customer, mail_now):
    ask_for_reset(host_client(tenant), customer.email, mail_now)
    path = reset_path(mail.outbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    opened = host_client(tenant).get(path)
    assert opened.status_code == 302
    assert token not in opened["Location"]


def test_reset_with_mismatched_passwords_says_so_and_the_link_still_works(tenant, customer,
                                                                         mail_now):
    ask_for_reset(host_client(tenant), customer.email, mail_now)
    path = reset_path(mail.outbox[0])
    client = host_client(tenant)
    response = set_password(client, path, confirmation="something else entirely")
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert set_password(client, path).status_code == 302


def test_reset_link_opened_at_another_tenant_is_not_valid_there(tenant, other_tenant, customer,
                                                                mail_now):
    ask_for_reset(host_client(tenant), customer.email, mail_now)
    response = set_password(host_client(other_tenant), reset_path(mail.outbox[0]))
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


@pytest.mark.parametrize("uidb64", ["garbage", "!!!", urlsafe_base64_encode(b"not a number"),
                                    urlsafe_base64_encode(b"99999999999999999999999")])
def test_reset_link_with_a_mangled_person_is_not_valid(tenant, customer, uidb64):
    token = password_reset_tokens.make_token(customer)
    response = host_client(tenant).get(f"/accounts/password/reset/{uidb64}/{token}/")
    assert response.status_code == 400
    assert b"This link is no longer valid" in response.content


def test_reset_form_without_a_link_opened_first_is_not_valid(tenant, customer):
    uidb64 = urlsafe_base64_encode(force_bytes(customer.pk))
    response = host_client(tenant).post(f"/accounts/password/reset/{uidb64}/set-password/", {
        "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_password_reset_ends_every_other_session(tenant, customer, mail_now):
    elsewhere = host_client(tenant)
    elsewhere.post("/accounts/login/", {"email": customer.email, "password": PASSWORD})
    assert elsewhere.get("/").status_code == 200
    ask_for_reset(host_client(tenant), customer.email, mail_now)
    assert set_password(host_client(tenant), reset_path(mail.outbox[0])).status_code == 302
    response = elsewhere.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_reset_lifts_the_lockout_and_proves_the_email(tenant, settings, mail_now):
    settings.LOGIN_FAILURE_LIMIT = 2
    person = UserFactory(tenant=tenant, email_verified_at=None)
    for _ in range(2):
        host_client(tenant).post("/accounts/login/", {"email": person.email, "password": "x"})
    ask_for_reset(host_client(tenant), person.email, mail_now)
    set_password(host_client(tenant), reset_path(mail.outbox[0]))
    response = host_client(tenant).post("/accounts/login/", {"email": person.email,
                                                             "password": NEW_PASSWORD})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email_verified


def test_password_change_ends_other_sessions_and_keeps_this_one(tenant, customer):
    here, elsewhere = host_client(tenant), host_client(tenant)
    for client in (here, elsewhere):
        client.post("/accounts/login/", {"email": customer.email, "password": PASSWORD})
        assert client.get("/").status_code == 200
    response = here.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    }, follow=True)
    assert b"Your password was changed." in response.content
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_password_change_with_a_wrong_old_password_changes_nothing(customer_client, customer):
    response = customer_client.post("/accounts/password/change/", {
        "old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_password_change_refuses_a_weak_new_password(customer_client, customer):
    response = customer_client.post("/accounts/password/change/", {
        "old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_password_change_needs_a_login(tenant):
    response = host_client(tenant).get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"


def test_staff_can_change_their_password(agent_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert agent_client.get("/accounts/password/change/").status_code == 200
