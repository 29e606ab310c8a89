"""Create a new ticket (T-1, T-2, T-6, T-8, T-11, T-13): every field, the License picker,
marked versions, attachments within the tenant's limits, and clear refusals that create
nothing."""
import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import CompanyFactory, customer_of
from tests.conftest import host_client
from tests.licenses.factories import LicenseFactory, ProductFactory, ProductVersionFactory
from tests.tickets.factories import TicketTypeFactory, upload
from tests.tickets.test_portal_common import PNG, detail, sales_type, support_type, text
from tickets import errors
from tickets.lifecycle import Status
from tickets.models import Attachment, Kind, Priority, Ticket

NEW = reverse("tickets:new")


def fields(ticket_type, **data) -> dict:
    """A complete, valid new-ticket form."""
    return {"type": ticket_type.pk, "priority": Priority.NORMAL, "subject": "Checkout fails",
            "body": "The checkout page shows error 500 since this morning.", **data}


def tickets_of(tenant) -> list[Ticket]:
    return list(Ticket.objects.for_tenant(tenant))


def refused(client, tenant, data) -> str:
    """Post the form, check that nothing was created, and return the page's text."""
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert tickets_of(tenant) == []
    assert Attachment.objects.for_tenant(tenant).count() == 0
    return text(response)


def test_the_form_shows_every_field_the_recommendations_and_the_one_request_notice(
        tenant, customer):
    support_type(tenant)
    response = host_client(tenant, customer).get(NEW)
    assert response.status_code == 200
    page = text(response)
    for label in ("Create a new ticket", "Type", "License", "Product version", "HotRush",
                  "Priority", "Get price quote for my support request", "Brief description",
                  "Message", "Add files", "Recommendations", "Only one request at once",
                  "cross posting", "Post access info", "may postpone the ticket-handling",
                  "Major: a response is required as fast as possible"):
        assert label in page, label
    body = response.content.decode()
    assert re.search(r'<input type="file" name="files"[^>]* multiple', body)
    assert 'enctype="multipart/form-data"' in body
    assert re.search(r'<button[^>]*type="submit" id="send-ticket"[^>]*>\s*Send\s*</button>', body)


def test_a_new_ticket_with_two_licenses_a_version_and_two_files(tenant, company, customer):
    support = support_type(tenant)
    first, second = LicenseFactory(company=company), LicenseFactory(company=company)
    LicenseFactory(company=company)
    version = ProductVersionFactory(product=first.product)
    client = host_client(tenant, customer)
    response = client.post(NEW, fields(
        support, licenses=[first.pk, second.pk], product_version=version.pk, hotrush="on",
        priority=Priority.MAJOR, files=[upload("screen.png", PNG), upload("error.log")]))
    (ticket,) = tickets_of(tenant)
    assert response.status_code == 302 and response["Location"] == detail(ticket)
    assert ticket.type == support and ticket.subject == "Checkout fails"
    assert set(ticket.licenses.all()) == {first, second}
    assert ticket.product_version == version
    assert ticket.hotrush and ticket.priority == Priority.MAJOR
    assert ticket.created_by == customer and ticket.status == Status.SUBMITTED
    message = ticket.messages.get()
    assert message.body == "The checkout page shows error 500 since this morning."
    assert sorted(a.name for a in message.attachments.all()) == ["error.log", "screen.png"]
    page = text(client.get(response["Location"]))
    assert f"Ticket #{ticket.number} is sent" in page
    assert first.key in page and second.key in page


def test_a_price_quote_request_waits_for_the_estimate(tenant, customer):
    support = support_type(tenant)
    host_client(tenant, customer).post(NEW, fields(support, quote_requested="on"))
    (ticket,) = tickets_of(tenant)
    assert ticket.status == Status.AWAITING_QUOTE and ticket.quote_requested


def test_a_tenant_without_the_type_field_asks_for_the_department(tenant, customer):
    tenant.policy.show_ticket_type = False
    tenant.policy.save()
    technical = TicketTypeFactory(department__tenant=tenant, department__name="Technical Dept.",
                                  name="Technical", position=0)
    TicketTypeFactory(department=technical.department, name="Technical extra", position=1)
    sales_type = TicketTypeFactory(department__tenant=tenant, department__name="Sales Dept.",
                                   name="Sales", kind=Kind.SALES)
    client = host_client(tenant, customer)
    page = client.get(NEW).content.decode()
    assert 'name="department"' in page and 'name="type"' not in page
    assert "Technical Dept." in page and "Technical extra" not in page
    client.post(NEW, fields(technical, type="", department=technical.department_id))
    client.post(NEW, fields(sales_type, type="", department=sales_type.department_id))
    first, second = sorted(tickets_of(tenant), key=lambda t: t.number)
    assert (first.type, first.department) == (technical, technical.department)
    assert (second.type, second.department) == (sales_type, sales_type.department)


def test_the_version_list_marks_obsolete_and_out_of_guarantee_versions(tenant, customer):
    support_type(tenant)
    product = ProductFactory(tenant=tenant, name="X-Cart")
    today = datetime.date.today()
    ProductVersionFactory(product=product, branch="4.6", number="4.6.8",
                          released_on=today - datetime.timedelta(days=700))
    ProductVersionFactory(product=product, branch="4.7", number="4.7.11",
                          released_on=today - datetime.timedelta(days=100))
    ProductVersionFactory(product=product, branch="4.7", number="4.7.12",
                          released_on=today - datetime.timedelta(days=10))
    page = host_client(tenant, customer).get(NEW).content.decode()
    assert '<optgroup label="X-Cart">' in page
    assert re.search(r">4\.7\.12</option>", page)
    assert "4.7.11 (obsolete)" in page
    assert "4.6.8 (out of guarantee)" in page


def test_the_license_picker_lists_only_the_companys_licenses(tenant, other_tenant, company,
                                                             customer):
    support_type(tenant)
    mine = LicenseFactory(company=company, key="MINE-0001")
    LicenseFactory(company=CompanyFactory(tenant=tenant), key="NEIGHBOUR-0001")
    LicenseFactory(company=CompanyFactory(tenant=other_tenant), key="FOREIGN-0001")
    page = text(host_client(tenant, customer).get(NEW))
    assert mine.key in page
    assert "NEIGHBOUR" not in page and "FOREIGN" not in page


def test_prices_show_before_sending_when_the_tenant_prices_tickets(tenant, customer):
    support_type(tenant)
    sales_type(tenant)
    client = host_client(tenant, customer)
    assert "Prices in credits" not in text(client.get(NEW))
    tenant.policy.ticket_prices = {**tenant.policy.ticket_prices,
                                   "support": {"major": 3, "normal": 1, "minor": 0}}
    tenant.policy.hotrush_price = 5
    tenant.policy.save()
    page = text(client.get(NEW))
    assert "Prices in credits" in page
    assert "Tech support question 3 1 0" in page
    assert "Sales question 0 0 0" in page
    assert "HotRush adds 5 credits." in page


def test_an_unverified_email_is_told_and_refused(tenant, customer):
    support = support_type(tenant)
    customer.email_verified_at = None
    customer.save()
    client = host_client(tenant, customer)
    page = client.get(NEW).content.decode()
    assert "Verify your email address before you file tickets" in page
    assert reverse("accounts:resend_verification") in page
    assert re.search(r'id="send-ticket" disabled', page)
    assert str(errors.EMAIL_NOT_VERIFIED) in refused(client, tenant, fields(support))


def test_a_secondary_cannot_choose_a_priced_option(tenant, secondary):
    support = support_type(tenant)
    tenant.policy.ticket_prices = {**tenant.policy.ticket_prices,
                                   "support": {"major": 3, "normal": 0, "minor": 0}}
    tenant.policy.save()
    client = host_client(tenant, secondary)
    page = refused(client, tenant, fields(support, priority=Priority.MAJOR))
    assert str(errors.BUY_CAPABILITY) in page
    client.post(NEW, fields(support))
    assert len(tickets_of(tenant)) == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"subject": ""}, "This field is required."),
    ({"subject": "   "}, "This field is required."),
    ({"body": ""}, "This field is required."),
    ({"subject": "x" * 201}, "Ensure this value has at most 200 characters"),
    ({"priority": "urgent"}, "Select a valid choice."),
    ({"type": "abc"}, errors.TYPE_NOT_OFFERED),
    ({"product_version": "abc"}, errors.UNKNOWN_VERSION),
    ({"licenses": ["abc"]}, errors.NOT_YOUR_LICENSE),
])
def test_missing_or_malformed_fields_are_refused_clearly(tenant, customer, change, message):
    support = support_type(tenant)
    page = refused(host_client(tenant, customer), tenant, fields(support, **change))
    assert str(message) in page


@pytest.mark.parametrize("where", ["other company", "other tenant"])
def test_foreign_types_licenses_and_versions_are_refused(tenant, other_tenant, customer, where):
    support = support_type(tenant)
    elsewhere = tenant if where == "other company" else other_tenant
    foreign_license = LicenseFactory(company=CompanyFactory(tenant=elsewhere))
    client = host_client(tenant, customer)
    page = refused(client, tenant, fields(support, licenses=[foreign_license.pk]))
    assert str(errors.NOT_YOUR_LICENSE) in page
    if where == "other tenant":
        foreign_version = ProductVersionFactory(product__tenant=other_tenant)
        page = refused(client, tenant, fields(support, product_version=foreign_version.pk))
        assert str(errors.UNKNOWN_VERSION) in page
        foreign_type = TicketTypeFactory(department__tenant=other_tenant)
        assert str(errors.TYPE_NOT_OFFERED) in refused(client, tenant, fields(foreign_type))


def test_a_system_type_is_not_offered(tenant, customer):
    log = TicketTypeFactory(department__tenant=tenant, name="LOG", kind=Kind.LOG,
                            customer_selectable=False)
    client = host_client(tenant, customer)
    assert "LOG" not in text(client.get(NEW))
    assert str(errors.TYPE_NOT_OFFERED) in refused(client, tenant, fields(log))


def test_hotrush_on_a_sales_question_is_refused(tenant, customer):
    support_type(tenant)
    sales = sales_type(tenant)
    page = refused(host_client(tenant, customer), tenant, fields(sales, hotrush="on"))
    assert str(errors.HOTRUSH_ONLY_SUPPORT) in page


def test_the_hotrush_box_names_the_support_types_for_the_script(tenant, customer):
    support = support_type(tenant)
    sales_type(tenant)
    page = host_client(tenant, customer).get(NEW).content.decode()
    assert f'data-support-choices="{support.pk}"' in page


def test_hotrush_with_a_price_quote_is_refused(tenant, customer):
    support = support_type(tenant)
    page = refused(host_client(tenant, customer), tenant,
                   fields(support, hotrush="on", quote_requested="on"))
    assert str(errors.HOTRUSH_QUOTE) in page


@pytest.mark.parametrize(("files", "message"), [
    ([upload("screen.png", b"I am only text, not a PNG image.")],
     "“screen.png” does not contain what its name says (png)."),
    ([upload("tool.exe", b"MZ\x90\x00")], "“tool.exe”: files of this type are not accepted."),
    ([upload("empty.txt", b"")], "The submitted file is empty."),
])
def test_bad_attachments_are_refused_with_a_clear_message(tenant, customer, files, message):
    support = support_type(tenant)
    page = refused(host_client(tenant, customer), tenant, fields(support, files=files))
    assert message in page


def test_too_many_files_are_refused(tenant, customer):
    support = support_type(tenant)
    tenant.policy.max_attachments_per_message = 2
    tenant.policy.save()
    files = [upload(f"log{n}.txt") for n in range(3)]
    page = refused(host_client(tenant, customer), tenant, fields(support, files=files))
    assert "Attach at most 2 files to one message." in page


def test_a_file_over_the_tenants_size_limit_is_refused(tenant, customer):
    support = support_type(tenant)
    tenant.policy.max_attachment_mb = 1
    tenant.policy.save()
    big = upload("dump.txt", b"a" * (1024 * 1024 * 3 // 2))
    page = refused(host_client(tenant, customer), tenant, fields(support, files=[big]))
    assert "“dump.txt” is larger than 1 MB." in page


def test_a_path_in_a_file_name_is_dropped(tenant, customer, settings):
    support = support_type(tenant)
    media = settings.MEDIA_ROOT
    host_client(tenant, customer).post(NEW, fields(
        support, files=[upload("../../etc/passwd.txt", b"root:x:0:0\n")]))
    (ticket,) = tickets_of(tenant)
    attachment = ticket.messages.get().attachments.get()
    assert attachment.name == "passwd.txt"
    stored = (media / attachment.file.name).resolve()
    assert stored.is_relative_to(media.resolve()) and stored.name.startswith("passwd")


def test_another_tenants_customer_cannot_file_at_this_tenant(tenant, other_tenant):
    support = support_type(tenant)
    foreigner = customer_of(CompanyFactory(tenant=other_tenant), Role.PRIMARY)
    response = host_client(tenant, foreigner).post(NEW, fields(support))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert tickets_of(tenant) == []


def test_staff_get_the_customers_only_page(tenant, agent):
    response = host_client(tenant, agent).get(NEW)
    assert response.status_code == 403
    assert "Staff work in the admin" in text(response)


@pytest.mark.parametrize("field", ["licenses", "product_version", "type"])
def test_ids_beyond_the_database_range_are_refused_clearly(tenant, customer, field):
    support = support_type(tenant)
    page = refused(host_client(tenant, customer), tenant,
                   fields(support, **{field: "99999999999999999999"}))
    assert "Choose" in page
