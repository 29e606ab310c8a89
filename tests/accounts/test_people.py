"""Manage accounts (ACC-4): the company's people, invitations, roles, disabling, the hand-over."""
import re
import threading
import time
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from accounts.access import access_person
from accounts.errors import AccountsError
from accounts.models import Membership, Role, User
from accounts.selectors import people_of_company
from accounts.services import people as services
from tests.accounts.factories import (
    CompanyFactory,
    StaffFactory,
    TenantFactory,
    UserFactory,
    customer_of,
)
from tests.conftest import PASSWORD, host_client

NEW_PASSWORD = "a fresh long passphrase"
LINK = re.compile(r"https?://[^\s\"<>]+/accounts/invitation/[^\s\"<>]+/")


def membership(user) -> Membership:
    return Membership.objects.for_tenant(user.tenant).select_related("user", "company").get(
        user=user)


def invite(client, captured, **fields):
    data = {"first_name": "Nina", "last_name": "New", "email": "nina@acme.example",
            "phone": "+39 02 555 1234", "role": Role.SECONDARY, **fields}
    with captured(execute=True):
        return client.post(reverse("accounts:person_new"), data)


def invitation_link(mailoutbox) -> str:
    (message,) = mailoutbox
    return LINK.search(message.body).group(0)


def open_invitation(tenant, link):
    """A visitor follows the emailed link: a client of their own, and the page they land on."""
    client = host_client(tenant)
    return client, client.get("/" + link.split("/", 3)[3], follow=True)


def set_password(client, page, password):
    return client.post(page.request["PATH_INFO"],
                       {"new_password1": password, "new_password2": password})


def says(response, message) -> bool:
    return escape(str(message)) in response.content.decode()


def log_in(tenant, email, password):
    request = RequestFactory().post("/accounts/login/")
    request.tenant = tenant
    return authenticate(request, email=email, password=password)


# --- the list and the selectors -----------------------------------------------------------

def test_manage_accounts_lists_the_companys_people_with_role_and_state(
        tenant, other_tenant, customer, advanced, secondary):
    secondary.is_active = False
    secondary.save()
    customer_of(CompanyFactory(tenant=tenant), Role.SECONDARY, email="neighbour@other.example")
    customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY, email="far@beta.example")
    response = host_client(tenant, customer).get(reverse("accounts:people"))
    assert response.status_code == 200
    body = response.content.decode()
    for person in (customer, advanced, secondary):
        assert person.email in body
    assert "Advanced secondary" in body
    assert "disabled" in body
    assert "neighbour@other.example" not in body
    assert "far@beta.example" not in body


def test_manage_accounts_list_has_a_bounded_number_of_queries(
        tenant, company, customer, django_assert_max_num_queries):
    for _ in range(15):
        customer_of(company, Role.SECONDARY)
    client = host_client(tenant, customer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("accounts:people")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("accounts:person_edit", args=[customer.pk])).status_code == 200


def test_people_of_company_keeps_to_the_company_and_tenant(tenant, other_tenant, company,
                                                           customer, advanced):
    customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
    people = list(people_of_company(tenant, company))
    assert [p.user for p in people] == [customer, advanced]


def test_access_person_returns_a_person_of_the_own_company(customer, advanced):
    assert access_person(membership(customer), advanced.pk).user == advanced


def test_access_person_gives_the_same_404_for_missing_and_not_yours(tenant, other_tenant,
                                                                   customer):
    neighbour = customer_of(CompanyFactory(tenant=tenant), Role.SECONDARY)
    stranger = customer_of(CompanyFactory(tenant=other_tenant), Role.SECONDARY)
    missing = User.objects.order_by("-pk").first().pk + 1
    for pk in (neighbour.pk, stranger.pk, missing):
        with pytest.raises(Http404):
            access_person(membership(customer), pk)


def test_access_person_gives_404_to_a_role_that_cannot_manage_accounts(advanced, secondary):
    with pytest.raises(Http404):
        access_person(membership(advanced), secondary.pk)


@pytest.mark.parametrize("role", [Role.ADVANCED, Role.SECONDARY])
def test_only_the_primary_reaches_manage_accounts(tenant, company, customer, role):
    person = customer_of(company, role)
    client = host_client(tenant, person)
    for url in (reverse("accounts:people"), reverse("accounts:person_new"),
                reverse("accounts:person_edit", args=[customer.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert "Manage accounts" in response.content.decode()
    response = client.post(reverse("accounts:hand_over_primary", args=[person.pk]),
                           {"confirm": "on"})
    assert response.status_code == 403
    assert membership(customer).role == Role.PRIMARY


# --- invitations --------------------------------------------------------------------------

def test_new_account_creates_the_person_and_emails_a_one_time_link(
        tenant, company, customer, mailoutbox, django_capture_on_commit_callbacks):
    response = invite(host_client(tenant, customer), django_capture_on_commit_callbacks,
                      email="Nina@ACME.example", role=Role.ADVANCED)
    assert response.status_code == 302
    assert response.url == reverse("accounts:people")
    nina = User.objects.for_tenant(tenant).get(email="nina@acme.example")
    assert not nina.has_usable_password()
    assert not nina.email_verified
    assert (membership(nina).company, membership(nina).role) == (company, Role.ADVANCED)
    (message,) = mailoutbox
    assert message.to == ["nina@acme.example"]
    assert "nina@acme.example" in message.body
    assert "Acme Shop (Advanced secondary)" in message.body
    assert invitation_link(mailoutbox).startswith(f"http://{tenant.host}/accounts/invitation/")
    assert invitation_link(mailoutbox) in message.alternatives[0][0]


def test_invitation_link_sets_the_password_verifies_the_email_and_logs_in(
        tenant, customer, mailoutbox, django_capture_on_commit_callbacks):
    invite(host_client(tenant, customer), django_capture_on_commit_callbacks)
    client, page = open_invitation(tenant, invitation_link(mailoutbox))
    assert page.status_code == 200
    assert "nina@acme.example" in page.content.decode()
    response = set_password(client, page, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    nina = User.objects.for_tenant(tenant).get(email="nina@acme.example")
    assert nina.email_verified
    assert log_in(tenant, "nina@acme.example", NEW_PASSWORD) == nina


def test_the_password_page_address_holds_no_token(
        tenant, customer, mailoutbox, django_capture_on_commit_callbacks):
    invite(host_client(tenant, customer), django_capture_on_commit_callbacks)
    link = invitation_link(mailoutbox)
    _client, page = open_invitation(tenant, link)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in page.request["PATH_INFO"]
    assert page.request["PATH_INFO"].endswith("/set-password/")


def test_invitation_link_works_only_once(tenant, customer, mailoutbox,
                                         django_capture_on_commit_callbacks):
    invite(host_client(tenant, customer), django_capture_on_commit_callbacks)
    link = invitation_link(mailoutbox)
    first, page = open_invitation(tenant, link)
    again, second_page = open_invitation(tenant, link)
    set_password(first, page, NEW_PASSWORD)
    response = set_password(again, second_page, "someone else's passphrase")
    assert response.status_code == 200
    assert says(response, services.INVALID_INVITATION)
    _client, reopened = open_invitation(tenant, link)
    assert says(reopened, services.INVALID_INVITATION)
    assert log_in(tenant, "nina@acme.example", NEW_PASSWORD) is not None
    assert again.get(reverse("dashboard")).status_code == 302


def test_invitation_refuses_a_weak_password_and_stays_usable(
        tenant, customer, mailoutbox, django_capture_on_commit_callbacks):
    invite(host_client(tenant, customer), django_capture_on_commit_callbacks)
    client, page = open_invitation(tenant, invitation_link(mailoutbox))
    response = set_password(client, page, "123")
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    nina = User.objects.for_tenant(tenant).get(email="nina@acme.example")
    assert not nina.has_usable_password()
    assert set_password(client, page, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("uidb64,token", [("zzzz", "abc-def"), ("MTIzNDU2Nzg5", "x-y"),
                                          ("!!", "!!"), ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "a-b"),
                                          ("MQ", "set-password")])
def test_a_made_up_invitation_link_gets_a_clear_page(tenant, customer, uidb64, token):
    client = host_client(tenant)
    path = reverse("accounts:accept_invitation", args=[uidb64, token])
    for response in (client.get(path, follow=True),
                     client.post(path, {"new_password1": NEW_PASSWORD,
                                        "new_password2": NEW_PASSWORD}, follow=True)):
        assert response.status_code == 200
        assert says(response, services.INVALID_INVITATION)
    assert log_in(tenant, customer.email, NEW_PASSWORD) is None


def test_invitation_link_is_no_link_at_another_vendor(
        tenant, other_tenant, customer, mailoutbox, django_capture_on_commit_callbacks):
    invite(host_client(tenant, customer), django_capture_on_commit_callbacks)
    _client, page = open_invitation(other_tenant, invitation_link(mailoutbox))
    assert says(page, services.INVALID_INVITATION)


def test_invitation_of_a_disabled_person_does_not_work(
        tenant, customer, mailoutbox, django_capture_on_commit_callbacks):
    invite(host_client(tenant, customer), django_capture_on_commit_callbacks)
    User.objects.for_tenant(tenant).filter(email="nina@acme.example").update(is_active=False)
    _client, page = open_invitation(tenant, invitation_link(mailoutbox))
    assert says(page, services.INVALID_INVITATION)


def test_new_account_refuses_an_email_used_at_this_vendor_whatever_its_case(
        tenant, company, customer, advanced, mailoutbox, django_capture_on_commit_callbacks):
    neighbour = customer_of(CompanyFactory(tenant=tenant), Role.SECONDARY)
    before = User.objects.for_tenant(tenant).count()
    for email in ("ADVANCED@acme.example", neighbour.email.upper()):
        response = invite(host_client(tenant, customer), django_capture_on_commit_callbacks,
                          email=email)
        assert response.status_code == 200
        assert says(response, services.EMAIL_TAKEN)
    assert User.objects.for_tenant(tenant).count() == before
    assert mailoutbox == []


def test_new_account_accepts_an_email_registered_at_another_vendor(
        tenant, other_tenant, customer, mailoutbox, django_capture_on_commit_callbacks):
    UserFactory(tenant=other_tenant, email="nina@acme.example")
    response = invite(host_client(tenant, customer), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert User.objects.filter(email="nina@acme.example").count() == 2
    assert len(mailoutbox) == 1


def test_invite_person_turns_the_unique_email_race_into_the_clear_error(tenant, customer,
                                                                        advanced):
    # Another request created the same email between our check and our insert.
    with mock.patch.object(QuerySet, "exists", return_value=False), \
            pytest.raises(AccountsError) as error:
        services.invite_person(by=membership(customer), first_name="A", last_name="B",
                               email="advanced@acme.example", phone="", role=Role.SECONDARY,
                               site_url="http://alpha.localhost")
    assert error.value.message == services.EMAIL_TAKEN
    assert User.objects.for_tenant(tenant).filter(email="advanced@acme.example").count() == 1


def test_new_account_cannot_be_a_primary(tenant, customer, mailoutbox,
                                         django_capture_on_commit_callbacks):
    response = invite(host_client(tenant, customer), django_capture_on_commit_callbacks,
                      role=Role.PRIMARY)
    assert response.status_code == 200
    assert not User.objects.for_tenant(tenant).filter(email="nina@acme.example").exists()
    with pytest.raises(AccountsError) as error:
        services.invite_person(by=membership(customer), first_name="A", last_name="B",
                               email="b@acme.example", phone="", role=Role.PRIMARY,
                               site_url="http://alpha.localhost")
    assert error.value.message == services.ROLE_NOT_OFFERED


@pytest.mark.parametrize("field,value", [("email", "not-an-email"), ("phone", "call me"),
                                         ("first_name", "")])
def test_new_account_refuses_bad_input_and_creates_nobody(
        tenant, customer, mailoutbox, django_capture_on_commit_callbacks, field, value):
    before = User.objects.for_tenant(tenant).count()
    response = invite(host_client(tenant, customer), django_capture_on_commit_callbacks,
                      **{field: value})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert User.objects.for_tenant(tenant).count() == before
    assert mailoutbox == []


def test_invitation_can_be_sent_again_until_accepted(
        tenant, customer, mailoutbox, django_capture_on_commit_callbacks):
    client = host_client(tenant, customer)
    invite(client, django_capture_on_commit_callbacks)
    nina = User.objects.for_tenant(tenant).get(email="nina@acme.example")
    edit = reverse("accounts:person_edit", args=[nina.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit, {"resend_invitation": "1"})
    assert len(mailoutbox) == 2
    invitee, page = open_invitation(tenant, LINK.search(mailoutbox[1].body).group(0))
    set_password(invitee, page, NEW_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit, {"resend_invitation": "1"}, follow=True)
    assert says(response, services.ALREADY_ACCEPTED)
    assert len(mailoutbox) == 2


# --- roles and disabling ------------------------------------------------------------------

def test_primary_changes_a_persons_role(tenant, customer, secondary):
    response = host_client(tenant, customer).post(
        reverse("accounts:person_edit", args=[secondary.pk]),
        {"role": Role.ADVANCED, "is_active": "on"})
    assert response.status_code == 302
    assert membership(secondary).role == Role.ADVANCED


def test_person_edit_refuses_the_primary_role(tenant, customer, secondary):
    response = host_client(tenant, customer).post(
        reverse("accounts:person_edit", args=[secondary.pk]),
        {"role": Role.PRIMARY, "is_active": "on"})
    assert response.status_code == 200
    assert membership(secondary).role == Role.SECONDARY
    assert membership(customer).role == Role.PRIMARY


def test_disabling_a_person_ends_their_open_session(tenant, customer, secondary):
    theirs = host_client(tenant, secondary)
    assert theirs.get(reverse("dashboard")).status_code == 200
    response = host_client(tenant, customer).post(
        reverse("accounts:person_edit", args=[secondary.pk]), {"role": Role.SECONDARY})
    assert response.status_code == 302
    secondary.refresh_from_db()
    assert not secondary.is_active
    after = theirs.get(reverse("dashboard"))
    assert after.status_code == 302
    assert after.url.startswith(reverse("accounts:login"))
    assert log_in(tenant, secondary.email, PASSWORD) is None


def test_a_disabled_person_can_be_enabled_again(tenant, customer, secondary):
    secondary.is_active = False
    secondary.save()
    host_client(tenant, customer).post(reverse("accounts:person_edit", args=[secondary.pk]),
                                       {"role": Role.SECONDARY, "is_active": "on"})
    assert log_in(tenant, secondary.email, PASSWORD) == secondary


@pytest.mark.parametrize("data", [{"role": Role.SECONDARY, "is_active": "on"},
                                  {"role": Role.ADVANCED}])
def test_the_primary_cannot_demote_or_disable_themself(tenant, customer, data):
    client = host_client(tenant, customer)
    page = client.get(reverse("accounts:person_edit", args=[customer.pk]))
    assert page.status_code == 200
    assert "hand it over" in page.content.decode()
    response = client.post(reverse("accounts:person_edit", args=[customer.pk]), data,
                           follow=True)
    assert response.status_code == 200
    assert says(response, services.CANNOT_CHANGE_SELF)
    customer.refresh_from_db()
    assert customer.is_active
    assert membership(customer).role == Role.PRIMARY


# --- hand-over ----------------------------------------------------------------------------

def test_primary_hands_over_the_primary_role(tenant, company, customer, secondary):
    client = host_client(tenant, customer)
    response = client.post(reverse("accounts:hand_over_primary", args=[secondary.pk]),
                           {"confirm": "on"})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert membership(secondary).role == Role.PRIMARY
    assert membership(customer).role == Role.ADVANCED
    assert Membership.objects.for_tenant(tenant).filter(company=company,
                                                        role=Role.PRIMARY).count() == 1
    assert client.get(reverse("accounts:people")).status_code == 403
    assert host_client(tenant, secondary).get(reverse("accounts:people")).status_code == 200


def test_hand_over_needs_the_confirmation(tenant, customer, secondary):
    response = host_client(tenant, customer).post(
        reverse("accounts:hand_over_primary", args=[secondary.pk]), {})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert membership(customer).role == Role.PRIMARY


def test_hand_over_is_post_only(tenant, customer, secondary):
    response = host_client(tenant, customer).get(
        reverse("accounts:hand_over_primary", args=[secondary.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("change", [{"is_active": False}, {"email_verified_at": None}])
def test_hand_over_refuses_a_disabled_or_unverified_person(tenant, customer, secondary, change):
    User.objects.for_tenant(tenant).filter(pk=secondary.pk).update(**change)
    response = host_client(tenant, customer).post(
        reverse("accounts:hand_over_primary", args=[secondary.pk]), {"confirm": "on"},
        follow=True)
    assert says(response, services.HAND_OVER_TARGET)
    assert membership(customer).role == Role.PRIMARY
    assert membership(secondary).role == Role.SECONDARY


def test_hand_over_to_oneself_is_refused(customer):
    me = membership(customer)
    with pytest.raises(AccountsError) as error:
        services.hand_over_primary(by=me, to=me)
    assert error.value.message == services.HAND_OVER_TARGET


def test_a_stale_primary_cannot_hand_over_again(customer, advanced, secondary):
    stale = membership(customer)
    services.hand_over_primary(by=stale, to=membership(advanced))
    with pytest.raises(AccountsError) as error:
        services.hand_over_primary(by=stale, to=membership(secondary))
    assert error.value.message == services.NO_LONGER_PRIMARY
    assert membership(advanced).role == Role.PRIMARY
    assert membership(secondary).role == Role.SECONDARY


def test_a_stale_primary_cannot_change_the_new_primary(customer, advanced):
    stale = membership(customer)
    services.hand_over_primary(by=stale, to=membership(advanced))
    with pytest.raises(AccountsError) as error:
        services.update_person(by=stale, person=membership(advanced), role=Role.SECONDARY,
                               is_active=False)
    assert error.value.message == services.NO_LONGER_PRIMARY
    assert membership(advanced).role == Role.PRIMARY


def test_the_database_allows_one_primary_per_company(company, customer, secondary):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.for_tenant(company.tenant).filter(user=secondary).update(role=Role.PRIMARY)


@pytest.mark.parametrize("staff", ["agent", "superuser"])
def test_staff_appoint_a_companys_primary(request, company, customer, secondary, staff):
    appointed = services.appoint_primary(by=request.getfixturevalue(staff),
                                         to=membership(secondary))
    assert appointed.role == Role.PRIMARY
    assert membership(secondary).role == Role.PRIMARY
    assert membership(customer).role == Role.ADVANCED


def test_staff_appoint_a_primary_for_a_company_that_has_none(tenant, company, agent, secondary):
    services.appoint_primary(by=agent, to=membership(secondary))
    assert membership(secondary).role == Role.PRIMARY


def test_only_the_tenants_staff_appoint_a_primary(other_tenant, customer, secondary):
    outsider = StaffFactory(tenant=other_tenant)
    for by in (outsider, customer):
        with pytest.raises(AccountsError) as error:
            services.appoint_primary(by=by, to=membership(secondary))
        assert error.value.message == services.STAFF_ONLY
    assert membership(customer).role == Role.PRIMARY
    assert membership(secondary).role == Role.SECONDARY


# --- another company's or vendor's people -------------------------------------------------

@pytest.fixture(params=["other company", "other vendor"])
def stranger(request, tenant, other_tenant):
    where = tenant if request.param == "other company" else other_tenant
    return customer_of(CompanyFactory(tenant=where), Role.SECONDARY, email="stranger@b.example")


def test_another_companys_person_is_404_on_every_page_and_unchanged(tenant, customer, stranger):
    client = host_client(tenant, customer)
    edit = reverse("accounts:person_edit", args=[stranger.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"role": Role.ADVANCED}).status_code == 404
    assert client.post(edit, {"resend_invitation": "1"}).status_code == 404
    assert client.post(reverse("accounts:hand_over_primary", args=[stranger.pk]),
                       {"confirm": "on"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active
    assert membership(stranger).role == Role.SECONDARY
    assert membership(customer).role == Role.PRIMARY


def test_a_missing_person_is_the_same_404(tenant, customer):
    missing = User.objects.order_by("-pk").first().pk + 1
    client = host_client(tenant, customer)
    assert client.get(reverse("accounts:person_edit", args=[missing])).status_code == 404
    assert client.post(reverse("accounts:hand_over_primary", args=[missing]),
                       {"confirm": "on"}).status_code == 404


# --- concurrency (PostgreSQL) -------------------------------------------------------------

@pytest.mark.postgres
def test_concurrent_hand_overs_by_one_primary_leave_exactly_one_primary(transactional_db,
                                                                        monkeypatch):
    tenant = TenantFactory()
    company = CompanyFactory(tenant=tenant)
    primary = customer_of(company, Role.PRIMARY)
    targets = [customer_of(company, Role.ADVANCED), customer_of(company, Role.SECONDARY)]
    lock_company = services._lock_company

    def slow_lock_company(by):
        # Hold what was read (and, with the lock, the lock) long enough for the other
        # request to read too: this is the window in which a check without a lock goes stale.
        locked = lock_company(by)
        time.sleep(0.3)
        return locked

    monkeypatch.setattr(services, "_lock_company", slow_lock_company)
    barrier = threading.Barrier(len(targets))
    outcomes = {}

    def hand_over(target):
        try:
            by, to = membership(primary), membership(target)
            barrier.wait(timeout=10)
            services.hand_over_primary(by=by, to=to)
            outcomes[target.pk] = "handed over"
        except AccountsError as error:
            outcomes[target.pk] = error.message
        except Exception as error:  # a thread cannot raise into the test: report it
            outcomes[target.pk] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_over, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(str, outcomes.values())) == sorted(
        ["handed over", str(services.NO_LONGER_PRIMARY)]), outcomes
    primaries = Membership.objects.for_tenant(tenant).filter(company=company, role=Role.PRIMARY)
    assert primaries.count() == 1
    assert membership(primary).role == Role.ADVANCED
