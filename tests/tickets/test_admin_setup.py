"""The Communication Center's other admin pages (T-1, T-6, T-14, T-15): managers keep ticket
types and canned replies, agents read them; counted HotRush disables are a read-only list for
managers; messages, events and access info have no admin page of their own."""
import pytest
from django.contrib import admin
from django.urls import reverse

from tests.accounts.factories import DepartmentFactory
from tests.conftest import host_client
from tests.tickets.factories import CannedReplyFactory, TicketTypeFactory
from tests.tickets.test_admin_common import submit, support_type
from tickets import services
from tickets.models import (
    AccessInfo,
    AccessInfoView,
    Attachment,
    CannedReply,
    HotRushDisable,
    Kind,
    Message,
    TicketEvent,
    TicketType,
)

TYPES = reverse("admin:tickets_tickettype_changelist")
ADD_TYPE = reverse("admin:tickets_tickettype_add")
CANNED = reverse("admin:tickets_cannedreply_changelist")
ADD_CANNED = reverse("admin:tickets_cannedreply_add")
DISABLES = reverse("admin:tickets_hotrushdisable_changelist")


def type_form(department, **fields) -> dict:
    return {"name": "Billing question", "kind": Kind.SALES, "department": department.pk,
            "customer_selectable": "on", "position": "3", **fields}


def test_manager_adds_a_ticket_type_routed_to_a_department(tenant, manager):
    sales = DepartmentFactory(tenant=tenant, name="Sales")
    response = host_client(tenant, manager).post(ADD_TYPE, type_form(sales))
    assert response.status_code == 302
    added = TicketType.objects.for_tenant(tenant).get(name="Billing question")
    assert (added.kind, added.department, added.customer_selectable) == (Kind.SALES, sales,
                                                                         True)


def test_a_ticket_type_cannot_route_to_another_tenants_department(tenant, other_tenant,
                                                                  manager):
    theirs = DepartmentFactory(tenant=other_tenant, name="Beta Sales")
    client = host_client(tenant, manager)
    assert "Beta Sales" not in client.get(ADD_TYPE).content.decode()
    response = client.post(ADD_TYPE, type_form(theirs))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not TicketType.all_tenants.filter(name="Billing question").exists()


def test_ticket_type_names_are_unique_within_the_tenant_only(tenant, other_tenant, manager):
    TicketTypeFactory(department=DepartmentFactory(tenant=other_tenant),
                      name="Billing question")
    department = DepartmentFactory(tenant=tenant)
    TicketTypeFactory(department=department, name="Technical")
    client = host_client(tenant, manager)
    refused = client.post(ADD_TYPE, type_form(department, name="Technical"))
    assert "already exists" in refused.content.decode()
    assert client.post(ADD_TYPE, type_form(department)).status_code == 302


def test_agent_reads_ticket_types_but_cannot_add_or_change_them(tenant, agent):
    ticket_type = support_type(tenant)
    client = host_client(tenant, agent)
    assert ticket_type.name in client.get(TYPES).content.decode()
    assert client.post(ADD_TYPE, type_form(ticket_type.department)).status_code == 403
    change = reverse("admin:tickets_tickettype_change", args=[ticket_type.pk])
    assert client.post(change, type_form(ticket_type.department, name="Renamed")
                       ).status_code == 403
    ticket_type.refresh_from_db()
    assert ticket_type.name != "Renamed"


def test_nobody_deletes_a_ticket_type_tickets_keep_theirs(tenant, manager):
    ticket_type = support_type(tenant)
    delete = reverse("admin:tickets_tickettype_delete", args=[ticket_type.pk])
    assert host_client(tenant, manager).post(delete, {"post": "yes"}).status_code == 403
    assert TicketType.objects.for_tenant(tenant).filter(pk=ticket_type.pk).exists()


def test_manager_keeps_canned_replies(tenant, manager):
    client = host_client(tenant, manager)
    response = client.post(ADD_CANNED, {"title": "Need logs", "body": "Please send the log."})
    assert response.status_code == 302
    reply = CannedReply.objects.for_tenant(tenant).get(title="Need logs")
    change = reverse("admin:tickets_cannedreply_change", args=[reply.pk])
    client.post(change, {"title": "Need logs", "body": "Please attach var/log/error.log."})
    reply.refresh_from_db()
    assert reply.body == "Please attach var/log/error.log."
    client.post(reverse("admin:tickets_cannedreply_delete", args=[reply.pk]), {"post": "yes"})
    assert not CannedReply.objects.for_tenant(tenant).exists()


def test_agent_reads_canned_replies_but_cannot_change_them(tenant, agent):
    reply = CannedReplyFactory(tenant=tenant, title="Need logs", body="Please send the log.")
    client = host_client(tenant, agent)
    assert "Need logs" in client.get(CANNED).content.decode()
    assert client.post(ADD_CANNED, {"title": "Mine", "body": "x"}).status_code == 403
    change = reverse("admin:tickets_cannedreply_change", args=[reply.pk])
    assert client.post(change, {"title": "Need logs", "body": "Changed"}).status_code == 403
    reply.refresh_from_db()
    assert reply.body == "Please send the log."
    assert not CannedReply.objects.for_tenant(tenant).filter(title="Mine").exists()


@pytest.fixture
def counted_disable(tenant, customer, agent):
    """A HotRush disable counted against the company: made once work had started (T-6)."""
    ticket = submit(customer, support_type(tenant), hotrush=True)
    services.assign_ticket(ticket=ticket, by=agent, assignee=agent)
    services.set_hotrush(ticket=ticket, enable=False, by=customer,
                         membership=customer.membership)
    return HotRushDisable.objects.for_tenant(tenant).get()


def test_manager_reads_the_counted_hotrush_disables(tenant, manager, counted_disable, company):
    client = host_client(tenant, manager)
    listing = client.get(DISABLES).content.decode()
    assert company.name in listing and f"#{counted_disable.ticket.number}" in listing
    change = reverse("admin:tickets_hotrushdisable_change", args=[counted_disable.pk])
    assert 'name="_save"' not in client.get(change).content.decode()
    assert client.post(change, {}).status_code == 403
    delete = reverse("admin:tickets_hotrushdisable_delete", args=[counted_disable.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert HotRushDisable.objects.for_tenant(tenant).count() == 1


def test_agents_do_not_see_hotrush_disables(tenant, agent, counted_disable):
    assert host_client(tenant, agent).get(DISABLES).status_code == 403


def test_messages_events_and_access_info_have_no_admin_page_of_their_own():
    """They are seen on the ticket page; access info only through its logged view (T-10)."""
    registered = set(admin.site._registry)
    assert not registered & {Message, Attachment, TicketEvent, AccessInfo, AccessInfoView}
