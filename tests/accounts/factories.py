"""Factories for accounts; SubFactories keep related rows inside one tenant."""
import factory
from django.utils import timezone

from accounts.models import (
    Company,
    Department,
    Domain,
    Holiday,
    Membership,
    Role,
    StaffRole,
    Tenant,
    TenantPolicy,
    User,
)


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"vendor{n}")
    name = factory.Sequence(lambda n: f"Vendor {n}")
    policy = factory.RelatedFactory("tests.accounts.factories.TenantPolicyFactory",
                                    factory_related_name="tenant")


class TenantPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantPolicy

    tenant = factory.SubFactory(TenantFactory, policy=None)


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    tenant = factory.SubFactory(TenantFactory)
    host = factory.Sequence(lambda n: f"support{n}.example.com")


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    tenant = factory.SubFactory(TenantFactory)
    date = factory.Sequence(lambda n: timezone.now().date().replace(month=1, day=1 + n % 28))
    name = "Holiday"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Company {n}")
    phone = "+39 02 1234567"
    address = "Via Roma 1"
    city = "Milano"
    postcode = "20100"
    country = "IT"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True
    staff_role = StaffRole.AGENT


class SuperuserFactory(UserFactory):
    tenant = None
    is_staff = True
    is_superuser = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    company = factory.SubFactory(CompanyFactory)
    tenant = factory.SelfAttribute("company.tenant")
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..company.tenant"))
    role = Role.SECONDARY


def customer_of(company: Company, role: str = Role.PRIMARY, **fields) -> User:
    """A person of ``company`` with ``role``, in the company's tenant."""
    user = UserFactory(tenant=company.tenant, **fields)
    MembershipFactory(user=user, company=company, tenant=company.tenant, role=role)
    return user
