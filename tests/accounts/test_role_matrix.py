"""The role matrix of ACC-1 as people meet it: every portal section for every role, for staff
and for visitors, and the navigation that shows exactly what a role may open."""
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Membership, Role
from accounts.permissions import Capability, can
from accounts.sections import SECTIONS
from tests.accounts.factories import customer_of
from tests.conftest import host_client

C = Capability
P, A, S = Role.PRIMARY, Role.ADVANCED, Role.SECONDARY
# SPEC ACC-1, written out again here rather than read from ROLE_CAPABILITIES, so that a wrong
# line in the code's table fails this test.
SPEC_TABLE = {
    C.TICKETS: {P, A, S},
    C.KNOWLEDGE_BASE: {P, A, S},
    C.BUY: {P, A},
    C.INVOICES: {P, A},
    C.PROJECTS: {P, A},  # advanced secondary: review only
    C.PROJECTS_MANAGE: {P},
    C.FILE_AREA: {P, A},
    C.LICENSES_VIEW: {P, A},  # advanced secondary: read
    C.LICENSES_MANAGE: {P},
    C.MANAGE_ACCOUNTS: {P},
    C.LEDGER_VIEW: {P, A},  # advanced secondary: ledger read
    C.COMPLAINTS: {P},
    C.AFFILIATE: {P},
    C.OWN_PROFILE: {P, A, S},
    C.ACCESS_INFO: {P, A},  # T-10: server access shown to primary and advanced people only
}
# Sections the spec and the seeds name, with the row of the table that guards each.
NAMED_SECTIONS = {
    "licenses:list": C.LICENSES_VIEW,
    "accounts:people": C.MANAGE_ACCOUNTS,
    "accounts:profile": C.OWN_PROFILE,
    "accounts:two_factor": C.OWN_PROFILE,
}
# Pages about one's own login, which staff use too; every other section is for customers.
STAFF_SECTIONS = {"accounts:two_factor"}
NAV_LINK = re.compile(r'<a class="nav-link-brand[^"]*" href="([^"]+)"')


def allowed(section, role) -> bool:
    return role in SPEC_TABLE[section.capability]


def section_id(section) -> str:
    return section.url_name


@pytest.fixture
def person_of(tenant, company):
    def make(role):
        return customer_of(company, role, email=f"{role}@acme.example")
    return make


def test_the_spec_table_here_covers_every_capability():
    assert set(SPEC_TABLE) == set(Capability)


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("role", list(Role))
def test_can_follows_the_spec_table(company, capability, role):
    membership = Membership.objects.for_tenant(company.tenant).get(
        user=customer_of(company, role))
    assert can(membership, capability) == (role in SPEC_TABLE[capability])


def test_a_disabled_person_can_nothing(company):
    user = customer_of(company, Role.PRIMARY, is_active=False)
    membership = Membership.objects.for_tenant(company.tenant).get(user=user)
    assert not any(can(membership, capability) for capability in Capability)


@pytest.mark.parametrize("url_name,capability", NAMED_SECTIONS.items())
def test_named_sections_are_guarded_by_their_row_of_the_table(url_name, capability):
    (section,) = [s for s in SECTIONS if s.url_name == url_name]
    assert section.capability == capability


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_section_opens_for_the_roles_the_spec_allows_and_explains_itself_to_others(
        tenant, person_of, section, role):
    response = host_client(tenant, person_of(role)).get(reverse(section.url_name))
    if allowed(section, role):
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        body = response.content.decode()
        assert escape(str(section.label)) in body
        assert escape(str(role.label)) in body


@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_section_for_staff(tenant, agent, section):
    response = host_client(tenant, agent).get(reverse(section.url_name))
    if section.url_name in STAFF_SECTIONS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Staff work in the admin" in response.content.decode()


@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_section_sends_visitors_to_log_in(tenant, section):
    url = reverse(section.url_name)
    response = host_client(tenant).get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("role", list(Role))
def test_dashboard_opens_for_every_role_and_navigation_shows_exactly_the_allowed_sections(
        tenant, person_of, role):
    response = host_client(tenant, person_of(role)).get(reverse("dashboard"))
    assert response.status_code == 200
    shown = [url for url in NAV_LINK.findall(response.content.decode())
             if url != reverse("dashboard")]
    assert sorted(shown) == sorted(reverse(s.url_name) for s in SECTIONS if allowed(s, role))


def test_dashboard_sends_staff_to_the_admin_and_visitors_to_log_in(tenant, agent):
    assert host_client(tenant, agent).get(reverse("dashboard")).url == reverse("admin:index")
    visitor = host_client(tenant).get(reverse("dashboard"))
    assert visitor.url.startswith(reverse("accounts:login"))
