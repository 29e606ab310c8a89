"""Edit self profile and the language switch (ACC-5)."""
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from accounts.errors import AccountsError
from accounts.models import Role
from accounts.selectors import offered_languages
from accounts.services.profile import LANGUAGE_NOT_OFFERED, update_profile
from tests.accounts.factories import customer_of
from tests.conftest import host_client

PROFILE = reverse("accounts:profile")
SWITCH = reverse("accounts:set_language")
TOPICS = ["Company news", "Promotions and special offers", "Security alerts and advisory",
          "About new products and releases", "Minor releases and updates (high volume)"]


def profile_data(**changes):
    data = {"first_name": "Paula", "last_name": "Primo", "phone": "+39 333 1234567",
            "notification_email": "tickets@acme.example", "language": "it",
            "time_zone": "Europe/Rome", "news_company": "on", "news_minor_releases": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def says(response, message) -> bool:
    return escape(str(message)) in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_its_profile_with_the_newsletter_topics(tenant, company, role):
    person = customer_of(company, role)
    response = host_client(tenant, person).get(PROFILE)
    assert response.status_code == 200
    body = response.content.decode()
    newsletter = body.index(">Newsletter<")
    for topic in TOPICS:
        assert body.index(escape(topic)) > newsletter
    assert "All ticket notifications go here" in body


def test_profile_page_has_a_bounded_number_of_queries(tenant, customer,
                                                      django_assert_max_num_queries):
    client = host_client(tenant, customer)
    with django_assert_max_num_queries(6):
        assert client.get(PROFILE).status_code == 200


def test_profile_shows_the_time_zone_times_are_shown_in(tenant, customer):
    tenant.policy.time_zone = "America/New_York"
    tenant.policy.save()
    client = host_client(tenant, customer)
    assert "Times are shown in America/New_York" in client.get(PROFILE).content.decode()
    customer.time_zone = "Asia/Tokyo"
    customer.save()
    body = client.get(PROFILE).content.decode()
    assert "Times are shown in Asia/Tokyo" in body
    assert '<option value="Asia/Tokyo" selected>' in body
    assert "The vendor&#x27;s time zone (America/New_York)" in body


def test_profile_saves_contact_data_language_time_zone_and_newsletter(tenant, customer):
    response = host_client(tenant, customer).post(PROFILE, profile_data())
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name, customer.phone) == (
        "Paula", "Primo", "+39 333 1234567")
    assert customer.notify_address == "tickets@acme.example"
    assert (customer.language, customer.time_zone) == ("it", "Europe/Rome")
    assert (customer.news_company, customer.news_promotions, customer.news_security,
            customer.news_products, customer.news_minor_releases) == (
        True, False, False, False, True)
    page = host_client(tenant, customer).get(PROFILE)
    assert b'lang="it"' in page.content


def test_empty_notification_email_means_the_login_email(tenant, customer):
    customer.notification_email = "old@acme.example"
    customer.save()
    host_client(tenant, customer).post(PROFILE, profile_data(notification_email=""))
    customer.refresh_from_db()
    assert customer.notify_address == customer.email


def test_empty_time_zone_means_the_vendors(tenant, customer):
    customer.time_zone = "Asia/Tokyo"
    customer.save()
    host_client(tenant, customer).post(PROFILE, profile_data(time_zone="", language="en"))
    customer.refresh_from_db()
    assert customer.time_zone == ""
    body = host_client(tenant, customer).get(PROFILE).content.decode()
    assert f"Times are shown in {tenant.policy.time_zone}" in body


@pytest.mark.parametrize("changes,message", [
    ({"phone": "call me maybe"}, "Enter a phone number"),
    ({"notification_email": "not-an-address"}, "Enter a valid email address"),
    ({"time_zone": "Mars/Olympus_Mons"}, "Select a valid choice"),
    ({"first_name": ""}, "This field is required"),
])
def test_profile_refuses_bad_input_and_saves_nothing(tenant, customer, changes, message):
    before = (customer.first_name, customer.phone, customer.notification_email,
              customer.language, customer.news_company)
    response = host_client(tenant, customer).post(PROFILE, profile_data(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    customer.refresh_from_db()
    assert (customer.first_name, customer.phone, customer.notification_email,
            customer.language, customer.news_company) == before


def test_profile_refuses_a_language_the_vendor_does_not_offer(tenant, customer):
    tenant.policy.languages = ["en"]
    tenant.policy.save()
    response = host_client(tenant, customer).post(PROFILE, profile_data(language="it"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    customer.refresh_from_db()
    assert customer.language == "en"
    assert customer.first_name != "Paula"


def test_update_profile_refuses_a_language_the_vendor_does_not_offer(tenant, customer):
    tenant.policy.languages = ["en"]
    tenant.policy.save()
    name = customer.first_name
    with pytest.raises(AccountsError) as error:
        update_profile(user=customer, first_name="Paula", last_name="Primo", phone="",
                       notification_email="", language="it", time_zone="",
                       news_company=True, news_promotions=False, news_security=False,
                       news_products=False, news_minor_releases=False)
    assert error.value.message == LANGUAGE_NOT_OFFERED
    customer.refresh_from_db()
    assert (customer.language, customer.first_name) == ("en", name)
    assert not customer.news_company


def test_profile_is_for_customers_not_for_visitors(tenant):
    response = host_client(tenant).get(PROFILE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- the language switch ------------------------------------------------------------------

def test_offered_languages_are_the_tenants_or_all_on_the_platform_host(tenant):
    tenant.policy.languages = ["it"]
    tenant.policy.save()
    assert offered_languages(tenant) == ["it"]
    assert offered_languages(None) == [code for code, _name in settings.LANGUAGES]


def test_visitor_switches_language_by_cookie(tenant):
    client = host_client(tenant)
    response = client.post(SWITCH, {"language": "it", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    assert b'lang="it"' in client.get("/accounts/login/").content


def test_logged_in_person_switches_language_and_keeps_it(tenant, customer):
    response = host_client(tenant, customer).post(SWITCH, {"language": "it", "next": PROFILE})
    assert response.url == PROFILE
    customer.refresh_from_db()
    assert customer.language == "it"
    # A new session elsewhere, without the cookie, still speaks the saved language.
    assert b'lang="it"' in host_client(tenant, customer).get(PROFILE).content


@pytest.mark.parametrize("language", ["it", "de", "", "en-xx"])
def test_language_switch_refuses_a_language_not_offered_and_changes_nothing(tenant, customer,
                                                                            language):
    tenant.policy.languages = ["en"]
    tenant.policy.save()
    client = host_client(tenant, customer)
    response = client.post(SWITCH, {"language": language, "next": PROFILE}, follow=True)
    assert says(response, LANGUAGE_NOT_OFFERED)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    customer.refresh_from_db()
    assert customer.language == "en"
    assert b'lang="en"' in response.content


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x",
                                      "http://beta.localhost/", ""])
def test_language_switch_redirects_only_within_this_site(tenant, next_url):
    response = host_client(tenant).post(SWITCH, {"language": "it", "next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_language_switch_is_post_only(tenant):
    assert host_client(tenant).get(SWITCH).status_code == 405
