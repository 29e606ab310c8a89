"""The customer's first visit in real Chromium: register, verify the email, log in, switch
language (ACC-2, ACC-3, ACC-5). Mail goes through a real SMTP server."""
import re

import pytest

from accounts.models import Membership, Role, User
from tests.accounts.factories import TenantFactory
from tests.browser.conftest import tenant_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Blue-Harbour-Lantern-42"


def test_customer_registers_verifies_logs_in_and_switches_language(
        live_server, page, shoot, smtp_server):
    tenant = TenantFactory(slug="magespecialist", name="MageSpecialist",
                           policy__languages=["en", "it"])
    page.goto(tenant_url(live_server, tenant, "/accounts/register/"))
    shoot("1-register-form")
    page.click("button[type=submit] >> text=Register")
    assert page.locator(".invalid-feedback").count() >= 8  # every required field says so
    shoot("2-register-errors")

    for field, value in {
        "first_name": "Giulia", "last_name": "Rossi", "phone": "+39 02 1234 5678",
        "company_name": "Rossi Moda Srl", "vat_code": "IT09876543210",
        "address": "Via Dante 7", "city": "Milano", "postcode": "20121",
        "email": "giulia@rossimoda.example", "password1": PASSWORD, "password2": PASSWORD,
    }.items():
        page.fill(f"#id_{field}", value)
    page.select_option("#id_country", "IT")
    page.check("#id_accept_privacy")
    page.click("button[type=submit] >> text=Register")
    page.wait_for_url(re.compile(r"/accounts/register/done/$"))
    shoot("3-check-inbox")

    person = User.objects.for_tenant(tenant).get(email="giulia@rossimoda.example")
    assert Membership.objects.for_tenant(tenant).get(user=person).role == Role.PRIMARY
    assert not person.email_verified
    [mail] = smtp_server.inbox.to("giulia@rossimoda.example")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/accounts/verify/\S+/", text).group(0)
    assert link.startswith(f"http://{tenant.host}:")

    page.goto(link)
    assert "verified" in page.inner_text("main").lower()
    shoot("4-verified")
    person.refresh_from_db()
    assert person.email_verified

    page.click("text=Log out")
    page.goto(tenant_url(live_server, tenant, "/accounts/login/"))
    page.fill("input[name=email]", "giulia@rossimoda.example")
    page.fill("input[name=password]", "not her password")
    page.click("main button[type=submit]")
    assert page.locator(".alert-danger, .invalid-feedback, .errorlist").count() >= 1
    page.fill("input[name=email]", "giulia@rossimoda.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(tenant_url(live_server, tenant, "/"))
    assert "Welcome, Giulia" in page.inner_text("main")
    assert "Rossi Moda Srl" in page.inner_text("main")
    shoot("5-dashboard-en")

    page.select_option("#language-switch", "it")
    page.click("header button >> text=Switch")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "it"
    assert "Benvenuta, Giulia" in page.inner_text("main") or "Benvenuto" in page.inner_text("main")
    shoot("6-dashboard-it")
    person.refresh_from_db()
    assert person.language == "it"
