"""The "Post access info" tab (T-10): encrypted at rest, shown on request to primary and
advanced people only, every view logged, never cached, never in a URL, deletable."""
import pytest

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, customer_of
from tests.conftest import host_client
from tests.tickets.test_portal_common import detail, submit, support_type, text
from tickets import errors
from tickets.models import AccessInfo, AccessInfoView, EventKind, TicketEvent

PASSWORD = "s3cr3t-Pa55word!"
ACCESS = {"kind": "ssh", "host": "shop.example.com", "port": "22", "login": "deploy",
          "password": PASSWORD, "notes": "sudo needs the same password"}


def infos(ticket) -> list[AccessInfo]:
    return list(AccessInfo.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket))


def views(ticket) -> list[AccessInfoView]:
    return list(AccessInfoView.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket))


@pytest.fixture
def ticket(tenant, customer):
    return submit(customer, support_type(tenant))


@pytest.mark.parametrize("who", ["customer", "advanced"])
def test_posting_access_info_stores_only_ciphertext(tenant, ticket, who, request):
    person = request.getfixturevalue(who)
    client = host_client(tenant, person)
    response = client.post(detail(ticket, "access_info"), ACCESS)
    assert response.status_code == 302
    assert response["Location"] == detail(ticket, "access_info")
    assert PASSWORD not in response["Location"]
    (info,) = infos(ticket)
    assert (info.kind, info.host, info.port, info.created_by) == ("ssh", "shop.example.com",
                                                                  22, person)
    for secret in (PASSWORD, "deploy", "sudo needs"):
        assert secret.encode() not in bytes(info.secret)
    page = client.get(response["Location"])
    assert "shop.example.com" in text(page)
    assert PASSWORD not in page.content.decode() and "deploy" not in text(page)
    assert "no-store" in page["Cache-Control"]


def test_show_access_info_reveals_it_on_that_response_only_and_logs_the_view(
        tenant, customer, ticket):
    client = host_client(tenant, customer)
    client.post(detail(ticket, "access_info"), ACCESS)
    assert views(ticket) == []
    response = client.post(detail(ticket, "access_info_show"))
    assert response.status_code == 200
    page = text(response)
    assert PASSWORD in page and "deploy" in page and "sudo needs the same password" in page
    assert "no-store" in response["Cache-Control"]
    (view,) = views(ticket)
    assert view.viewer == customer
    # The ticket page and the tab itself never carry the secrets.
    for url in (detail(ticket), detail(ticket, "access_info")):
        assert PASSWORD not in client.get(url).content.decode()
    client.post(detail(ticket, "access_info_show"))
    assert len(views(ticket)) == 2


def test_showing_wants_a_post(tenant, customer, ticket):
    client = host_client(tenant, customer)
    client.post(detail(ticket, "access_info"), ACCESS)
    assert client.get(detail(ticket, "access_info_show")).status_code == 405
    assert views(ticket) == []


def test_a_refused_form_never_echoes_the_password(tenant, customer, ticket):
    response = host_client(tenant, customer).post(detail(ticket, "access_info"),
                                                  {**ACCESS, "host": "", "port": "99999"})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert "Ensure this value is less than or equal to 65535." in text(response)
    assert PASSWORD not in response.content.decode()
    assert infos(ticket) == []


def test_a_secondary_gets_the_explanation_and_can_neither_post_nor_see(
        tenant, customer, secondary, ticket):
    host_client(tenant, customer).post(detail(ticket, "access_info"), ACCESS)
    client = host_client(tenant, secondary)
    response = client.get(detail(ticket, "access_info"))
    assert response.status_code == 200
    assert str(errors.ACCESS_INFO_ROLE) in text(response)
    assert 'id="access-info-form"' not in response.content.decode()
    assert "shop.example.com" not in text(response)
    response = client.post(detail(ticket, "access_info"), {**ACCESS, "host": "other.example"})
    assert str(errors.ACCESS_INFO_ROLE) in text(response)
    assert len(infos(ticket)) == 1
    response = client.post(detail(ticket, "access_info_show"))
    assert PASSWORD not in response.content.decode()
    assert views(ticket) == []
    (info,) = infos(ticket)
    client.post(detail(ticket, "access_info_delete", info.pk))
    assert len(infos(ticket)) == 1
    assert str(errors.ACCESS_INFO_ROLE) in text(client.get(detail(ticket, "access_info")))


def test_deleting_access_info(tenant, customer, ticket):
    client = host_client(tenant, customer)
    client.post(detail(ticket, "access_info"), ACCESS)
    (info,) = infos(ticket)
    response = client.post(detail(ticket, "access_info_delete", info.pk))
    assert response["Location"] == detail(ticket, "access_info")
    assert infos(ticket) == []
    assert "Access info deleted." in text(client.get(response["Location"]))
    actions = [e.data["action"] for e in TicketEvent.objects.for_tenant(tenant)
               .filter(ticket=ticket, kind=EventKind.ACCESS_INFO)]
    assert actions == ["added", "deleted"]


def test_another_companys_access_info_cannot_be_deleted_through_my_ticket(
        tenant, customer, ticket):
    owner = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    theirs = submit(owner, ticket.type)
    host_client(tenant, owner).post(detail(theirs, "access_info"), ACCESS)
    (info,) = infos(theirs)
    client = host_client(tenant, customer)
    assert client.post(detail(ticket, "access_info_delete", info.pk)).status_code == 404
    assert client.post(detail(theirs, "access_info_delete", info.pk)).status_code == 404
    assert infos(theirs) == [info]
