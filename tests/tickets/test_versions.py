"""The product-version drop-down's marks (SPEC T-11): none, obsolete, out of guarantee."""
import datetime

import pytest
import time_machine

from tests.licenses.factories import ProductFactory, ProductVersionFactory
from tickets.selectors import marked_versions
from tickets.versions import OBSOLETE, OUT_OF_GUARANTEE, version_marks

TODAY = datetime.date(2026, 6, 1)
D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC),
                             tick=False):
        yield


@pytest.fixture
def product(tenant):
    return ProductFactory(tenant=tenant, name="X-Cart")


def release(product, number, released_on):
    branch = number.rsplit(".", 1)[0]
    return ProductVersionFactory(product=product, branch=branch, number=number,
                                 released_on=released_on)


def marks(tenant) -> dict[str, str]:
    return {f"{v.product.name} {v.number}": mark for v, mark in marked_versions(tenant)}


def test_the_latest_of_the_latest_branch_has_no_mark(tenant, product):
    release(product, "4.10.1", D(2026, 1, 10))
    release(product, "4.10.2", D(2026, 5, 1))
    assert marks(tenant)["X-Cart 4.10.2"] == ""


def test_an_older_release_of_the_latest_branch_within_a_year_is_obsolete(tenant, product):
    release(product, "4.10.1", D(2025, 6, 1))
    release(product, "4.10.2", D(2026, 5, 1))
    assert marks(tenant)["X-Cart 4.10.1"] == OBSOLETE


def test_a_release_older_than_a_year_is_out_of_guarantee(tenant, product):
    release(product, "4.10.0", D(2025, 5, 31))
    release(product, "4.10.2", D(2026, 5, 1))
    assert marks(tenant)["X-Cart 4.10.0"] == OUT_OF_GUARANTEE


def test_an_earlier_branchs_older_release_is_out_of_guarantee(tenant, product):
    release(product, "4.9.4", D(2026, 1, 1))
    release(product, "4.9.5", D(2026, 2, 1))
    release(product, "4.10.2", D(2026, 5, 1))
    assert marks(tenant)["X-Cart 4.9.4"] == OUT_OF_GUARANTEE


def test_an_earlier_branchs_latest_within_a_year_is_obsolete(tenant, product):
    release(product, "4.9.4", D(2026, 1, 1))
    release(product, "4.9.5", D(2026, 2, 1))
    release(product, "4.10.2", D(2026, 5, 1))
    assert marks(tenant)["X-Cart 4.9.5"] == OBSOLETE


def test_an_earlier_branchs_latest_older_than_a_year_is_out_of_guarantee(tenant, product):
    release(product, "4.8.9", D(2025, 1, 1))
    release(product, "4.10.2", D(2026, 5, 1))
    assert marks(tenant)["X-Cart 4.8.9"] == OUT_OF_GUARANTEE


def test_branches_order_as_versions_not_as_text_or_release_dates(tenant, product):
    release(product, "4.10.2", D(2026, 3, 1))
    release(product, "4.9.6", D(2026, 5, 20))  # a maintenance release of the older branch
    assert marks(tenant) == {"X-Cart 4.10.2": "", "X-Cart 4.9.6": OBSOLETE}


def test_the_tenant_sets_the_guarantee_period(tenant, product):
    release(product, "4.10.1", D(2026, 1, 10))
    release(product, "4.10.2", D(2026, 5, 1))
    tenant.policy.out_of_guarantee_after_days = 90
    tenant.policy.save()
    assert marks(tenant)["X-Cart 4.10.1"] == OUT_OF_GUARANTEE
    tenant.policy.out_of_guarantee_after_days = 365
    tenant.policy.save()
    assert marks(tenant)["X-Cart 4.10.1"] == OBSOLETE


def test_products_are_marked_independently(tenant, product, other_tenant):
    release(product, "4.9.5", D(2025, 9, 1))
    release(product, "4.10.2", D(2026, 5, 1))
    addon = ProductFactory(tenant=tenant, name="Add-on")
    release(addon, "1.0.0", D(2020, 1, 1))
    release(ProductFactory(tenant=other_tenant), "9.0.0", D(2026, 5, 30))
    assert marks(tenant) == {"Add-on 1.0.0": "", "X-Cart 4.10.2": "",
                             "X-Cart 4.9.5": OBSOLETE}


def test_a_year_is_the_boundary():
    versions = [
        ProductVersionFactory.build(pk=1, product_id=1, branch="5.0", number="5.0.0",
                                    released_on=TODAY - datetime.timedelta(days=366)),
        ProductVersionFactory.build(pk=2, product_id=1, branch="5.0", number="5.0.1",
                                    released_on=TODAY - datetime.timedelta(days=365)),
        ProductVersionFactory.build(pk=3, product_id=1, branch="5.0", number="5.0.2",
                                    released_on=TODAY),
    ]
    assert version_marks(versions, today=TODAY, guarantee_days=365) == {
        1: OUT_OF_GUARANTEE, 2: OBSOLETE, 3: ""}


def test_two_releases_on_one_day_the_higher_number_is_the_latest():
    versions = [
        ProductVersionFactory.build(pk=1, product_id=1, branch="5.0", number="5.0.9",
                                    released_on=TODAY),
        ProductVersionFactory.build(pk=2, product_id=1, branch="5.0", number="5.0.10",
                                    released_on=TODAY),
    ]
    for order in (versions, versions[::-1]):
        assert version_marks(order, today=TODAY, guarantee_days=365) == {1: OBSOLETE, 2: ""}
