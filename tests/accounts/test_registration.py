"""Registration (ACC-2) and email verification, with email unique per tenant (TEN-5)."""
import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.forms.registration import PASSWORD_MISMATCH, PRIVACY_REQUIRED
from accounts.models import Company, Membership, Role, User
from accounts.services.auth import LOGIN_FAILED
from accounts.services.registration import (
    ALREADY_VERIFIED,
    EMAIL_TAKEN,
    VERIFICATION_INVALID,
    verification_token,
)
from tests.accounts.factories import UserFactory
from tests.conftest import PASSWORD, host_client

NEW_PASSWORD = "a sturdy passphrase 42"
VALID = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company_name": "Analytical Engines Ltd",
    "vat_code": "IT01234567890",
    "phone": "+39 02 1234567",
    "address": "Via Roma 1",
    "city": "Milano",
    "postcode": "20100",
    "country": "IT",
    "email": "ada@analytical.example",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
    "accept_privacy": "on",
}
VERIFY_LINK = re.compile(r"https?://[^\s\"<>]+/accounts/verify/[^\s\"<>/]+/")


def register(client, **changes):
    data = {key: value for key, value in {**VALID, **changes}.items() if value is not None}
    return client.post("/accounts/register/", data)


def assert_nothing_saved(tenant):
    assert not Company.objects.for_tenant(tenant).exists()
    assert not User.objects.for_tenant(tenant).exists()
    assert not Membership.objects.for_tenant(tenant).exists()


def verify_link_in(message) -> str:
    return VERIFY_LINK.search(message.body).group(0)


REQUIRED = ["first_name", "last_name", "company_name", "phone", "address", "city", "country",
            "email", "password1", "password2"]


@pytest.mark.parametrize("field", REQUIRED)
def test_registration_without_a_required_field_says_so_and_saves_nothing(tenant, field):
    response = register(host_client(tenant), **{field: None})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["This field is required."]
    assert b"This field is required." in response.content
    assert_nothing_saved(tenant)
    assert mail.outbox == []


def test_registration_without_accepting_the_privacy_policy_says_so_and_saves_nothing(tenant):
    response = register(host_client(tenant), accept_privacy=None)
    assert response.context["form"].errors["accept_privacy"] == [PRIVACY_REQUIRED]
    assert b"Please accept the Privacy Policy" in response.content
    assert_nothing_saved(tenant)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"email": "ada.analytical.example"}, "email", "Enter a valid email address."),
    ({"email": "ada@"}, "email", "Enter a valid email address."),
    ({"phone": "call me maybe"}, "phone", "Enter a phone number"),
    ({"phone": "12"}, "phone", "Enter a phone number"),
    ({"country": "XX"}, "country", "Select a valid choice."),
    ({"first_name": "A" * 81}, "first_name", "at most 80 characters"),
    ({"password2": "another passphrase 42"}, "password2", str(PASSWORD_MISMATCH)),
    ({"password1": "short", "password2": "short"}, "password1", "too short"),
    ({"password1": "1234567890123", "password2": "1234567890123"}, "password1",
     "entirely numeric"),
    ({"password1": "lovelace ada", "password2": "lovelace ada"}, "password1", "too similar"),
], ids=["email-no-at", "email-no-domain", "phone-words", "phone-short", "country", "long-name",
        "password-mismatch", "password-short", "password-numeric", "password-like-name"])
def test_registration_with_malformed_input_says_so_and_saves_nothing(tenant, changes, field,
                                                                      message):
    response = register(host_client(tenant), **changes)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert_nothing_saved(tenant)
    assert mail.outbox == []


def test_registration_creates_the_company_its_primary_and_logs_them_in(tenant):
    client = host_client(tenant)
    response = register(client, email="Ada@Analytical.example")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/register/done/"
    user = User.objects.for_tenant(tenant).get()
    assert user.email == "ada@analytical.example"
    assert (user.first_name, user.last_name, user.phone) == ("Ada", "Lovelace", "+39 02 1234567")
    assert user.check_password(NEW_PASSWORD)
    assert user.email_verified_at is None
    company = Company.objects.for_tenant(tenant).get()
    assert (company.name, company.vat_code, company.city, company.postcode, company.country.code) \
        == ("Analytical Engines Ltd", "IT01234567890", "Milano", "20100", "IT")
    membership = Membership.objects.for_tenant(tenant).get()
    assert (membership.user, membership.company, membership.role) == (user, company, Role.PRIMARY)
    done = client.get(response["Location"])
    assert b"Check your inbox" in done.content
    assert b"ada@analytical.example" in done.content
    assert client.get("/").status_code == 200  # logged in: the dashboard opens


def test_registration_keeps_the_language_the_person_browsed_in(tenant):
    host_client(tenant).post("/accounts/register/", VALID, HTTP_ACCEPT_LANGUAGE="it")
    assert User.objects.for_tenant(tenant).get().language == "it"


def test_registration_emails_a_link_that_verifies_the_address(tenant,
                                                              django_capture_on_commit_callbacks):
    client = host_client(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        register(client)
    [message] = mail.outbox
    assert message.to == ["ada@analytical.example"]
    assert "Verify your email address" in message.subject
    link = verify_link_in(message)
    assert urlsplit(link).netloc == tenant.host
    response = host_client(tenant).get(urlsplit(link).path)
    assert response.status_code == 200
    assert b"Email address verified" in response.content
    assert User.objects.for_tenant(tenant).get().email_verified


def test_same_email_at_another_tenant_registers_as_a_separate_person(tenant, other_tenant,
                                                                     customer):
    response = register(host_client(other_tenant), email=customer.email.upper())
    assert response.status_code == 302
    beta_person = User.objects.for_tenant(other_tenant).get()
    assert beta_person.pk != customer.pk
    assert Company.objects.for_tenant(other_tenant).count() == 1
    login = host_client(tenant).post("/accounts/login/",
                                     {"email": customer.email, "password": NEW_PASSWORD})
    assert login.status_code == 200
    assert str(LOGIN_FAILED) in login.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


@pytest.mark.parametrize("spelling", ["primary@acme.example", "PRIMARY@Acme.Example"])
def test_registering_an_email_taken_at_this_tenant_says_so_and_saves_nothing(tenant, customer,
                                                                            spelling):
    response = register(host_client(tenant), email=spelling)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [EMAIL_TAKEN]
    assert User.objects.for_tenant(tenant).count() == 1
    assert Company.objects.for_tenant(tenant).count() == 1
    assert mail.outbox == []


def test_registration_losing_the_race_for_an_email_gets_the_same_error(tenant, monkeypatch):
    """Two submits at once: both pass the check, the database constraint stops the second."""
    import accounts.services.registration as registration

    checks = []
    real_check = registration._email_taken

    def check_before_the_other_submit_commits(**kwargs):
        checks.append(kwargs)
        return False if len(checks) == 1 else real_check(**kwargs)

    UserFactory(tenant=tenant, email="ADA@analytical.example")
    monkeypatch.setattr(registration, "_email_taken", check_before_the_other_submit_commits)
    response = register(host_client(tenant))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [EMAIL_TAKEN]
    assert not Company.objects.for_tenant(tenant).exists()
    assert User.objects.for_tenant(tenant).count() == 1


def test_registration_is_only_on_a_tenant_host(db):
    assert host_client(None).get("/accounts/register/").status_code == 404


def test_registration_page_asks_for_the_privacy_policy(tenant, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = host_client(tenant).get("/accounts/register/")
    assert response.status_code == 200
    assert b'href="#privacy-policy">Privacy Policy</a>' in response.content
    for label in (b"VAT code", b"Company address", b"Country", b"Password confirmation"):
        assert label in response.content


def test_logged_in_person_opening_registration_goes_to_the_dashboard(customer_client):
    response = customer_client.get("/accounts/register/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_verification_link_past_its_age_is_refused_and_changes_nothing(tenant, company):
    person = UserFactory(tenant=tenant, email_verified_at=None)
    token = verification_token(person)
    later = timezone.now() + datetime.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 60)
    with time_machine.travel(later):
        response = host_client(tenant).get(f"/accounts/verify/{token}/")
    assert response.status_code == 400
    assert str(VERIFICATION_INVALID) in response.content.decode()
    person.refresh_from_db()
    assert person.email_verified_at is None


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "garbage",
    lambda token: token.split(":", 1)[1],
], ids=["signature", "garbage", "truncated"])
def test_tampered_verification_link_is_refused(tenant, mangle):
    person = UserFactory(tenant=tenant, email_verified_at=None)
    response = host_client(tenant).get(f"/accounts/verify/{mangle(verification_token(person))}/")
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.email_verified_at is None


def test_verification_link_of_another_tenants_person_is_refused_there(tenant, other_tenant):
    person = UserFactory(tenant=tenant, email_verified_at=None)
    response = host_client(other_tenant).get(f"/accounts/verify/{verification_token(person)}/")
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.email_verified_at is None


def test_verification_link_for_an_address_since_changed_is_refused(tenant):
    person = UserFactory(tenant=tenant, email_verified_at=None)
    token = verification_token(person)
    person.email = "new-address@example.com"
    person.save()
    assert host_client(tenant).get(f"/accounts/verify/{token}/").status_code == 400
    person.refresh_from_db()
    assert person.email_verified_at is None


def test_verifying_twice_is_harmless(tenant):
    person = UserFactory(tenant=tenant, email_verified_at=None)
    client = host_client(tenant)
    assert client.get(f"/accounts/verify/{verification_token(person)}/").status_code == 200
    person.refresh_from_db()
    first = person.email_verified_at
    assert first is not None
    assert client.get(f"/accounts/verify/{verification_token(person)}/").status_code == 200
    person.refresh_from_db()
    assert person.email_verified_at == first


def test_resend_verification_sends_a_new_working_link(tenant, company, customer,
                                                      django_capture_on_commit_callbacks):
    customer.email_verified_at = None
    customer.save()
    client = host_client(tenant, customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/verify/resend/", follow=True)
    assert b"We sent a new verification link" in response.content
    [message] = mail.outbox
    assert message.to == [customer.email]
    assert client.get(urlsplit(verify_link_in(message)).path).status_code == 200
    customer.refresh_from_db()
    assert customer.email_verified


def test_resend_verification_when_verified_sends_nothing(customer_client,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post("/accounts/verify/resend/", follow=True)
    assert str(ALREADY_VERIFIED) in response.content.decode()
    assert mail.outbox == []


def test_resend_verification_is_post_only_and_for_logged_in_customers(tenant, customer_client):
    assert customer_client.get("/accounts/verify/resend/").status_code == 405
    response = host_client(tenant).post("/accounts/verify/resend/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_verification_email_goes_through_a_real_smtp_server(tenant, smtp_server,
                                                            django_capture_on_commit_callbacks):
    client = host_client(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        assert register(client).status_code == 302
    [message] = smtp_server.inbox.messages
    assert message["X-Envelope-To"] == "ada@analytical.example"
    assert message["To"] == "ada@analytical.example"
    assert tenant.name in message["From"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = VERIFY_LINK.search(text).group(0)
    assert f'href="{link}"' in html
    assert host_client(tenant).get(urlsplit(link).path).status_code == 200
    assert User.objects.for_tenant(tenant).get().email_verified


def test_registration_shows_the_tenants_own_privacy_policy(tenant):
    tenant.policy.privacy_policy = "Alpha keeps your data in Frankfurt for ten years."
    tenant.policy.save()
    response = host_client(tenant).get("/accounts/register/")
    assert "Alpha keeps your data in Frankfurt for ten years." in response.content.decode()
