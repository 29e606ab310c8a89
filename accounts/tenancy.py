"""The tenant-owned base model: queries must name their tenant (TEN-2).

``Model.objects`` answers only ``for_tenant(tenant)``; anything else raises
``UnscopedQuery``. Platform code that truly spans tenants (the superuser's admin,
data migrations, the demo seeder) writes ``Model.all_tenants`` on purpose, which is
easy to grep for and to review. Django internals (related managers, model forms,
the admin) use ``all_tenants`` as the default manager and are scoped by their callers.
"""
from django.db import models


class UnscopedQuery(Exception):
    """A query on tenant-owned rows that did not say which tenant."""


class TenantManager(models.Manager):
    def for_tenant(self, tenant) -> models.QuerySet:
        if tenant is None:
            raise UnscopedQuery(f"{self.model.__name__}.objects.for_tenant() needs a tenant")
        return super().get_queryset().filter(tenant=tenant)

    def for_tenants(self, tenants) -> models.QuerySet:
        """The rows of several tenants at once (tenants or their ids), for the timed jobs that
        run one statement over every tenant sharing a rule's policy numbers (§5)."""
        ids = [getattr(tenant, "pk", tenant) for tenant in tenants]
        if not ids or None in ids:
            raise UnscopedQuery(f"{self.model.__name__}.objects.for_tenants() needs tenants")
        return super().get_queryset().filter(tenant_id__in=ids)

    def create(self, **kwargs):
        if kwargs.get("tenant") is None and kwargs.get("tenant_id") is None:
            raise UnscopedQuery(f"{self.model.__name__}.objects.create() needs a tenant")
        return super().get_queryset().create(**kwargs)

    def get_queryset(self):
        raise UnscopedQuery(
            f"{self.model.__name__}.objects needs .for_tenant(tenant); "
            f"use {self.model.__name__}.all_tenants only for platform-wide code"
        )


class TenantOwned(models.Model):
    """A row that belongs to one tenant; no foreign key may point into another tenant."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")

    # Declared first, so that it is the default manager even where a subclass replaces Meta.
    all_tenants = models.Manager()
    objects = TenantManager()

    class Meta:
        abstract = True
        default_manager_name = "all_tenants"
