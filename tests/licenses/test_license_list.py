"""My licenses (L-1): the company's own licenses with their add-ons, never anyone else's."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from licenses.models import LicenseStatus, ProductKind
from licenses.selectors import licenses_for_company
from tests.accounts.factories import CompanyFactory, customer_of
from tests.conftest import host_client
from tests.licenses.factories import LicenseFactory, ProductFactory

MY_LICENSES = reverse("licenses:list")
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def rows(response) -> list[str]:
    return ROW.findall(response.content.decode())[1:]  # after the header row


def licenses_of(company, count: int, addons_each: int = 1):
    addon_product = ProductFactory(tenant=company.tenant, kind=ProductKind.ADDON)
    for _ in range(count):
        main = LicenseFactory(company=company)
        for _ in range(addons_each):
            LicenseFactory(company=company, parent=main, product=addon_product)


def test_my_licenses_lists_the_companys_licenses_with_add_ons_under_their_main_license(
        tenant, company, customer):
    main = LicenseFactory(company=company, key="MAIN-0001")
    other_main = LicenseFactory(company=company, key="MAIN-0002", status=LicenseStatus.PENDING)
    addon = LicenseFactory(company=company, parent=main, key="ADDON-0001",
                           product=ProductFactory(tenant=tenant, name="Skin pack",
                                                  kind=ProductKind.SKIN))
    response = host_client(tenant, customer).get(MY_LICENSES)
    assert response.status_code == 200
    table = rows(response)
    assert len(table) == 2  # add-ons are not rows of their own
    (main_row,) = [row for row in table if main.key in row]
    (other_row,) = [row for row in table if other_main.key in row]
    assert addon.key in main_row
    assert "Skin pack" in main_row
    assert addon.key not in other_row
    assert "Pending" in other_row


@pytest.mark.parametrize("where", ["other company", "other vendor"])
def test_my_licenses_never_shows_another_companys_licenses(
        tenant, other_tenant, company, customer, where):
    LicenseFactory(company=company, key="MINE-0001")
    elsewhere = CompanyFactory(tenant=tenant if where == "other company" else other_tenant)
    marker = LicenseFactory(company=elsewhere, key="MARKER-NOT-YOURS")
    LicenseFactory(company=elsewhere, parent=marker, key="MARKER-ADDON-NOT-YOURS")
    body = host_client(tenant, customer).get(MY_LICENSES).content.decode()
    assert "MINE-0001" in body
    assert "MARKER" not in body
    assert marker.product.name not in body


def test_licenses_for_company_keeps_to_the_company_and_tenant(tenant, other_tenant, company):
    mine = LicenseFactory(company=company)
    LicenseFactory(company=company, parent=mine)
    LicenseFactory(company=CompanyFactory(tenant=tenant))
    LicenseFactory(company=CompanyFactory(tenant=other_tenant))
    assert list(licenses_for_company(tenant, company)) == [mine]


def test_a_company_without_licenses_is_told_so(tenant, customer):
    response = host_client(tenant, customer).get(MY_LICENSES)
    assert "Your company holds no licenses yet." in response.content.decode()


def test_advanced_secondary_reads_my_licenses_too(tenant, company, advanced):
    LicenseFactory(company=company, key="MINE-0001")
    response = host_client(tenant, advanced).get(MY_LICENSES)
    assert response.status_code == 200
    assert "MINE-0001" in response.content.decode()


def test_my_licenses_takes_the_same_few_queries_for_2_and_20_licenses(
        tenant, django_assert_max_num_queries):
    counts = []
    for count in (2, 20):
        company = CompanyFactory(tenant=tenant)
        licenses_of(company, count, addons_each=2)
        client = host_client(tenant, customer_of(company, Role.PRIMARY))
        with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as queries:
            response = client.get(MY_LICENSES)
        assert len(rows(response)) == count
        counts.append(len(queries))
    assert counts[0] == counts[1]
