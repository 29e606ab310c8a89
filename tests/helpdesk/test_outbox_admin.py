"""The outbox and the run history in admin (N-1, AUTO-8): managers see their own tenant's
emails with the last error and may send failed ones again; agents see none; job runs with
an error show it."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from helpdesk.models import EmailStatus, JobRun, OutboundEmail
from tests.accounts.factories import StaffFactory
from tests.conftest import host_client

CHANGELIST = "admin:helpdesk_outboundemail_changelist"


def email(tenant, recipient, *, status=EmailStatus.FAILED, to="paula@shop.example",
          error="550 mailbox unavailable"):
    return OutboundEmail.objects.create(
        tenant=tenant, key=f"ev1:{recipient.pk}:{to}", kind="ticket.customer", ref=1,
        recipient=recipient, to_email=to, status=status, attempts=8, last_error=error)


@pytest.fixture
def failed(tenant, customer):
    return email(tenant, customer)


def test_manager_sees_own_failed_email_with_its_error_not_other_tenants(
        tenant, other_tenant, manager, failed):
    outsider = StaffFactory(tenant=other_tenant, email="agent@beta.example")
    email(other_tenant, outsider, to="secret-customer@beta.example")

    page = host_client(tenant, manager).get(reverse(CHANGELIST)).content.decode()

    assert "paula@shop.example" in page
    assert "550 mailbox unavailable" in page
    assert "secret-customer@beta.example" not in page


def test_manager_sends_failed_emails_again(tenant, manager, customer, failed):
    sent = email(tenant, customer, status=EmailStatus.SENT, to="done@shop.example")
    response = host_client(tenant, manager).post(reverse(CHANGELIST), {
        "action": "send_again", "_selected_action": [failed.pk, sent.pk]}, follow=True)

    assert "1 email will be sent again." in response.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (EmailStatus.PENDING, 0)
    assert failed.available_at <= timezone.now()
    assert sent.status == EmailStatus.SENT


def test_another_tenants_email_id_gives_404_and_is_not_sent_again(
        tenant, other_tenant, manager):
    outsider = StaffFactory(tenant=other_tenant, email="agent@beta.example")
    theirs = email(other_tenant, outsider)
    client = host_client(tenant, manager)
    change = reverse("admin:helpdesk_outboundemail_change", args=[theirs.pk])
    assert client.get(change).status_code in (302, 404)
    client.post(reverse(CHANGELIST), {"action": "send_again", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == EmailStatus.FAILED


def test_agents_do_not_see_the_outbox(tenant, agent, failed):
    client = host_client(tenant, agent)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    client.post(reverse(CHANGELIST), {"action": "send_again", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == EmailStatus.FAILED


def test_a_failed_job_run_shows_its_error_to_the_superuser(superuser, tenant):
    started = timezone.now() - datetime.timedelta(seconds=2)
    run = JobRun.objects.create(job="lifecycle", tenant=tenant, started_at=started,
                                finished_at=timezone.now(), counts={"AUTO-4 closed": 3},
                                error="AUTO-5 closed: deadlock detected")
    client = host_client(None, superuser)
    listing = client.get(reverse("admin:helpdesk_jobrun_changelist")).content.decode()
    assert "AUTO-4 closed" in listing
    assert "icon-yes.svg" in listing  # the "failed" column says yes
    page = client.get(reverse("admin:helpdesk_jobrun_change", args=[run.pk])).content.decode()
    assert "deadlock detected" in page
