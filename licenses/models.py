"""The tenant's products and versions, and the licenses its companies hold (SPEC §6 core)."""
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwned


class ProductKind(models.TextChoices):
    MAIN = "main", _("Software")
    ADDON = "addon", _("Add-on")
    SKIN = "skin", _("Skin")


class Product(TenantOwned):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=ProductKind.choices,
                            default=ProductKind.MAIN)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"],
                                    name="product_name_unique_per_tenant"),
        ]

    def __str__(self):
        return self.name


class ProductVersion(TenantOwned):
    """A released version of a product, in a branch (T-11 marks versions from these)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    branch = models.CharField(_("branch"), max_length=20, help_text=_("e.g. 4.7"))
    number = models.CharField(_("version"), max_length=30, help_text=_("e.g. 4.7.12"))
    released_on = models.DateField(_("released"))

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "-released_on"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "product", "number"],
                                    name="product_version_unique_per_tenant"),
        ]

    def __str__(self):
        return f"{self.product} {self.number}"


class LicenseStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")


class License(TenantOwned):
    """A company's license of a product; add-ons and skins hang under a main license (L-1)."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE,
                                related_name="licenses", verbose_name=_("company"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="licenses",
                                verbose_name=_("product"))
    key = models.CharField(_("license key"), max_length=64)
    url = models.CharField(_("URL"), max_length=255, blank=True,
                           help_text=_("Domain and folder the software runs at."))
    status = models.CharField(_("status"), max_length=12, choices=LicenseStatus.choices,
                              default=LicenseStatus.PENDING)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="addons", verbose_name=_("main license"))
    purchased_on = models.DateField(_("purchased"), null=True, blank=True)

    class Meta:
        verbose_name = _("license")
        verbose_name_plural = _("licenses")
        ordering = ["company", "key"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="license_key_unique_per_tenant"),
        ]
        indexes = [models.Index(fields=["tenant", "company"])]

    def __str__(self):
        return f"{self.product} ({self.key})"

    def clean(self):
        if self.parent_id is not None and (
                self.parent.parent_id is not None or self.parent.company_id != self.company_id):
            raise ValidationError({"parent": _("An add-on hangs under a main license of the "
                                               "same company.")})
