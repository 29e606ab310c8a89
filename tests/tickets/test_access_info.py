"""Access info (SPEC T-10): encrypted at rest, shown only to primary/advanced people of the
ticket's company and to the tenant's staff, every view logged."""
import pytest
from cryptography.fernet import InvalidToken
from django.db import connection

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, StaffFactory, customer_of
from tests.tickets.factories import TicketFactory
from tickets import crypto, errors, services
from tickets.errors import TicketError
from tickets.models import AccessInfo, AccessInfoView, EventKind, TicketEvent

LOGIN, PASSWORD, NOTES = "shopadmin", "S3cret-pa55!", "sudo needs the same password"


@pytest.fixture
def ticket(company):
    return TicketFactory(company=company)


def post(ticket, person, **fields):
    values = {"kind": "ssh", "host": " shop.example.com ", "port": 22, "login": LOGIN,
              "password": PASSWORD, "notes": NOTES} | fields
    return services.post_access_info(membership=person.membership, ticket=ticket, **values)


def refused(call, **kwargs) -> str:
    with pytest.raises(TicketError) as error:
        call(**kwargs)
    return error.value.message


def views(ticket) -> list[AccessInfoView]:
    return list(AccessInfoView.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket))


def test_the_secret_column_holds_only_ciphertext(ticket, customer):
    info = post(ticket, customer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, host FROM tickets_accessinfo WHERE id = %s", [info.pk])
        secret, host = cursor.fetchone()
    raw = bytes(secret)
    assert raw.startswith(b"gAAAAA")  # a Fernet token
    for plain in (LOGIN, PASSWORD, NOTES):
        assert plain.encode() not in raw
    assert host == "shop.example.com"


def test_the_history_names_the_kind_never_the_secret(ticket, customer):
    post(ticket, customer)
    [event] = TicketEvent.objects.for_tenant(ticket.tenant).filter(
        ticket=ticket, kind=EventKind.ACCESS_INFO)
    assert event.data == {"action": "added", "kind": "ssh"}
    assert PASSWORD not in str(event.data) + event.reason


@pytest.mark.parametrize("role", [Role.PRIMARY, Role.ADVANCED])
def test_primary_and_advanced_people_read_it_back(ticket, company, role):
    person = customer_of(company, role)
    info = post(ticket, person)
    [shown] = services.read_access_info(ticket=ticket, viewer=person,
                                        membership=person.membership)
    assert (shown["info"], shown["login"], shown["password"], shown["notes"]) == (
        info, LOGIN, PASSWORD, NOTES)


def test_every_read_is_logged(ticket, customer, agent):
    post(ticket, customer)
    services.read_access_info(ticket=ticket, viewer=customer, membership=customer.membership)
    services.read_access_info(ticket=ticket, viewer=agent)
    services.read_access_info(ticket=ticket, viewer=agent)
    assert sorted(v.viewer.email for v in views(ticket)) == [
        agent.email, agent.email, customer.email]


def test_a_secondary_can_neither_post_nor_read_nor_delete(ticket, customer, secondary):
    info = post(ticket, customer)
    assert refused(post, ticket=ticket, person=secondary) == errors.ACCESS_INFO_ROLE
    assert refused(services.read_access_info, ticket=ticket, viewer=secondary,
                   membership=secondary.membership) == errors.ACCESS_INFO_ROLE
    assert refused(services.delete_access_info, membership=secondary.membership,
                   info=info) == errors.ACCESS_INFO_ROLE
    assert AccessInfo.objects.for_tenant(ticket.tenant).count() == 1
    assert views(ticket) == []


def test_another_companys_primary_is_refused(tenant, ticket, customer):
    outsider = customer_of(CompanyFactory(tenant=tenant), Role.PRIMARY)
    info = post(ticket, customer)
    assert refused(post, ticket=ticket, person=outsider) == errors.ACCESS_INFO_ROLE
    assert refused(services.read_access_info, ticket=ticket, viewer=outsider,
                   membership=outsider.membership) == errors.ACCESS_INFO_ROLE
    assert refused(services.delete_access_info, membership=outsider.membership,
                   info=info) == errors.ACCESS_INFO_ROLE
    assert AccessInfo.objects.for_tenant(ticket.tenant).count() == 1
    assert views(ticket) == []


def test_staff_of_another_tenant_and_customers_without_a_role_are_refused(
        ticket, customer, other_tenant):
    post(ticket, customer)
    for viewer in (StaffFactory(tenant=other_tenant), customer):
        assert refused(services.read_access_info, ticket=ticket,
                       viewer=viewer) == errors.ACCESS_INFO_ROLE
    assert views(ticket) == []


def test_a_platform_superuser_may_read(ticket, customer, superuser):
    post(ticket, customer)
    [shown] = services.read_access_info(ticket=ticket, viewer=superuser)
    assert shown["password"] == PASSWORD
    assert [v.viewer for v in views(ticket)] == [superuser]


def test_the_customer_deletes_it(ticket, customer, advanced):
    info = post(ticket, customer)
    services.delete_access_info(membership=advanced.membership, info=info)
    assert not AccessInfo.objects.for_tenant(ticket.tenant).exists()
    deleted = TicketEvent.objects.for_tenant(ticket.tenant).filter(
        ticket=ticket, kind=EventKind.ACCESS_INFO).last()
    assert (deleted.data["action"], deleted.actor) == ("deleted", advanced)


def test_seal_and_unseal_round_trip():
    data = {"login": LOGIN, "password": PASSWORD, "notes": "àèìòù ☕"}
    token = crypto.seal(data)
    assert PASSWORD.encode() not in token
    assert crypto.unseal(token) == data
    assert crypto.unseal(memoryview(token)) == data


def test_another_key_cannot_decrypt(settings):
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    token = crypto.seal({"password": PASSWORD})
    settings.FIELD_ENCRYPTION_KEY = "key-two"
    with pytest.raises(InvalidToken):
        crypto.unseal(token)
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    assert crypto.unseal(token) == {"password": PASSWORD}


def test_stored_access_info_needs_the_key_it_was_sealed_with(settings, ticket, agent,
                                                             customer):
    settings.FIELD_ENCRYPTION_KEY = "key-one"
    post(ticket, customer)
    settings.FIELD_ENCRYPTION_KEY = "key-two"
    with pytest.raises(InvalidToken):
        services.read_access_info(ticket=ticket, viewer=agent)
