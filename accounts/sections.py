"""The portal's sections: the navigation and the role checks read this one list (ACC-1)."""
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .permissions import Capability, can


@dataclass(frozen=True)
class Section:
    url_name: str
    label: Promise
    capability: Capability
    # A few labels are worded by the tenant (SPEC §11): the key in the context's `labels`.
    tenant_label: str = ""


SECTIONS: tuple[Section, ...] = (
    Section("tickets:index", _("Communication Center"), Capability.TICKETS, "help_desk"),
    Section("licenses:list", _("My licenses"), Capability.LICENSES_VIEW),
    Section("accounts:people", _("Manage accounts"), Capability.MANAGE_ACCOUNTS),
    Section("accounts:profile", _("Edit self profile"), Capability.OWN_PROFILE),
    Section("accounts:two_factor", _("Two-factor authentication"), Capability.OWN_PROFILE),
)


def section_for(capability: Capability):
    """The label customers know a capability by, for messages."""
    for section in SECTIONS:
        if section.capability == capability:
            return section.label
    return capability.value


def sections_for(membership) -> list[Section]:
    return [s for s in SECTIONS if can(membership, s.capability)]


def navigation(membership, labels: dict) -> list[tuple[str, str]]:
    """(url name, label) of the sections ``membership`` may open, in the tenant's words."""
    return [(s.url_name, labels.get(s.tenant_label) or s.label) for s in sections_for(membership)]
