"""Factories for licenses; rows stay inside the company's tenant."""
import datetime

import factory

from licenses.models import License, LicenseStatus, Product, ProductVersion
from tests.accounts.factories import CompanyFactory, TenantFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Product {n}")


class ProductVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVersion

    product = factory.SubFactory(ProductFactory)
    tenant = factory.SelfAttribute("product.tenant")
    branch = "4.7"
    number = factory.Sequence(lambda n: f"4.7.{n}")
    released_on = datetime.date(2026, 1, 1)


class LicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = License

    company = factory.SubFactory(CompanyFactory)
    tenant = factory.SelfAttribute("company.tenant")
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..company.tenant"))
    key = factory.Sequence(lambda n: f"KEY-{n:06d}")
    url = factory.Sequence(lambda n: f"https://shop{n}.example.com/store")
    status = LicenseStatus.ACTIVE
