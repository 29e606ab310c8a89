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


SECTIONS: tuple[Section, ...] = (
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
