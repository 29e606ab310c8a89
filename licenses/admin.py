"""Django admin for the tenant's product catalogue and its companies' licenses (L-1, T-11)."""
from django.contrib import admin

from accounts.admin_base import TenantScopedAdmin

from .models import License, Product, ProductVersion


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "kind"]


@admin.register(ProductVersion)
class ProductVersionAdmin(TenantScopedAdmin):
    list_display = ["number", "product", "branch", "released_on"]
    list_select_related = ["product"]
    list_filter = ["product", "branch"]
    search_fields = ["number", "branch", "product__name"]
    autocomplete_fields = ["product"]
    fields = ["product", "branch", "number", "released_on"]
    date_hierarchy = "released_on"


@admin.register(License)
class LicenseAdmin(TenantScopedAdmin):
    list_display = ["key", "company", "product", "status", "url", "parent", "purchased_on"]
    list_select_related = ["company", "product", "parent__product"]
    list_filter = ["status", "product"]
    search_fields = ["key", "company__name", "url"]
    autocomplete_fields = ["company", "parent"]
    fields = ["company", "product", "key", "url", "status", "parent", "purchased_on"]
