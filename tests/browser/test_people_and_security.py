"""More customer flows in real Chromium: Manage accounts and the invitation, Edit self
profile, two-factor login, password reset (ACC-3..5), and on a ticket Search by Message ID
and Post access info (T-4, T-10). Mail goes through a real SMTP server."""
import base64
import re
import time

import pytest
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, Role, Tenant, User
from helpdesk.demo import PASSWORD, seed_demo
from tests.browser.conftest import tenant_url
from tickets.models import AccessInfo, AccessInfoView, Message, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Seven-Quiet-Rivers-88"


def log_in(page, live_server, tenant, email, password=PASSWORD):
    page.goto(tenant_url(live_server, tenant, "/accounts/login/"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def link_in(message, path: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"https?://\S+{path}\S+/", text).group(0)


def next_code(key: bytes, device: TOTPDevice) -> str:
    """The code an authenticator app shows next that the device still takes: django-otp
    refuses a step it has already seen and follows the clock drift it saw at the confirmation,
    which is -1 when the confirming request crossed a 30 s step."""
    now = int(time.time()) // device.step + device.drift
    return f"{hotp(key, max(now, device.last_t + 1)):06d}"


@pytest.fixture
def qualiteam(db):
    seed_demo()
    return Tenant.objects.get(slug="qualiteam")


def test_primary_invites_a_colleague_who_sets_a_password_and_sees_a_secondarys_portal(
        live_server, page, shoot, smtp_server, qualiteam):
    log_in(page, live_server, qualiteam, "primary@demo-store.example")
    page.click("nav >> text=Manage accounts")
    page.goto(tenant_url(live_server, qualiteam, "/accounts/people/new/"))
    page.fill("#id_first_name", "Wendy")
    page.fill("#id_last_name", "Webmaster")
    page.fill("#id_email", "wendy@demo-store.example")
    page.select_option("#id_role", Role.SECONDARY)
    shoot("1-new-account")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "wendy@demo-store.example" in page.inner_text("main")
    shoot("2-people")

    [mail] = smtp_server.inbox.to("wendy@demo-store.example")
    page.click("header button >> text=Log out")
    page.goto(link_in(mail, "/accounts/invitation/"))
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(tenant_url(live_server, qualiteam, "/"))
    navigation = page.inner_text("nav.section-bar")
    assert "Communication Center" in navigation
    assert "Manage accounts" not in navigation and "My licenses" not in navigation
    shoot("3-secondary-dashboard")
    wendy = User.objects.for_tenant(qualiteam).get(email="wendy@demo-store.example")
    assert wendy.email_verified
    assert Membership.objects.for_tenant(qualiteam).get(user=wendy).role == Role.SECONDARY


def test_customer_edits_self_profile(live_server, page, shoot, qualiteam):
    log_in(page, live_server, qualiteam, "advanced@demo-store.example")
    page.click("nav >> text=Edit self profile")
    page.fill("#id_notification_email", "helpdesk-alerts@demo-store.example")
    page.check("#id_news_products")
    page.select_option("#id_time_zone", "Europe/Rome")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "saved" in page.inner_text("main").lower()
    shoot("profile-saved")
    person = User.objects.for_tenant(qualiteam).get(email="advanced@demo-store.example")
    assert (person.notification_email, person.news_products, person.time_zone) == (
        "helpdesk-alerts@demo-store.example", True, "Europe/Rome")


def test_customer_turns_on_two_factor_and_logs_in_with_a_code(live_server, page, shoot,
                                                              qualiteam):
    log_in(page, live_server, qualiteam, "primary@demo-store.example")
    page.click("nav >> text=Two-factor authentication")
    page.click("main button >> text=Enable")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    shoot("1-qr-code")
    page.fill("input[name=code]", f"{totp(key):06d}")
    page.click("main button >> text=Confirm")
    page.wait_for_load_state()
    assert "recovery" in page.inner_text("main").lower()
    shoot("2-recovery-codes")

    page.click("header button >> text=Log out")
    log_in(page, live_server, qualiteam, "primary@demo-store.example")
    assert "/accounts/login/code/" in page.url
    page.fill("input[name=code]", "000000" if totp(key) != 0 else "111111")
    page.click("main button[type=submit]")
    assert "not valid" in page.inner_text("main")
    page.wait_for_timeout(2500)  # django-otp throttles a device for 2^failures s after a miss
    page.fill("input[name=code]", next_code(key, TOTPDevice.objects.get()))
    page.click("main button[type=submit]")
    page.wait_for_url(tenant_url(live_server, qualiteam, "/"))
    shoot("3-logged-in-with-code")


def test_customer_resets_a_forgotten_password_by_a_one_time_link(live_server, page, shoot,
                                                                smtp_server, qualiteam):
    page.goto(tenant_url(live_server, qualiteam, "/accounts/login/"))
    page.click("text=Forgot Your Password?")
    page.fill("input[name=email]", "secondary@demo-store.example")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    [mail] = smtp_server.inbox.to("secondary@demo-store.example")
    link = link_in(mail, "/accounts/password/reset/")
    assert PASSWORD not in mail.as_string()  # a link, never a password
    page.goto(link)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    shoot("reset-complete")
    page.goto(link)
    assert "no longer valid" in page.inner_text("main")
    log_in(page, live_server, qualiteam, "secondary@demo-store.example", NEW_PASSWORD)
    assert page.url == tenant_url(live_server, qualiteam, "/")


def test_customer_finds_a_message_by_id_and_posts_access_info(live_server, page, shoot,
                                                              qualiteam):
    ticket = Ticket.objects.for_tenant(qualiteam).filter(status="submitted").first()
    staff_answer = Message.objects.for_tenant(qualiteam).filter(ticket=ticket,
                                                                 by_staff=True).get()
    log_in(page, live_server, qualiteam, "primary@demo-store.example")
    page.click("nav >> text=Communication Center")
    page.fill("#message-search input[name=message_id]", staff_answer.public_id.lower())
    page.click("#message-search button")
    page.wait_for_load_state()
    assert page.url.endswith(f"/tickets/{ticket.number}/#m-{staff_answer.public_id}")

    page.click("text=Post access info")
    page.select_option("#id_kind", "ftp")
    page.fill("#id_host", "ftp.demo-store.example")
    page.fill("#id_port", "21")
    page.fill("#id_login", "deploy")
    page.fill("#id_password", "s3cret-ftp-pass")
    page.click("#access-info-form button[type=submit]")
    page.wait_for_load_state()
    assert "s3cret-ftp-pass" not in page.content()
    page.click("#show-access-info button")
    page.wait_for_load_state()
    assert "s3cret-ftp-pass" in page.inner_text("#access-info-revealed")
    shoot("access-info-shown")
    assert AccessInfo.objects.for_tenant(qualiteam).filter(ticket=ticket).count() == 1
    assert AccessInfoView.objects.for_tenant(qualiteam).filter(ticket=ticket).count() == 1
