"""The capability matrix of SPEC ACC-1, written once; views, templates and navigation ask `can`."""
from enum import StrEnum

from .models import Membership, Role


class Capability(StrEnum):
    TICKETS = "tickets"
    KNOWLEDGE_BASE = "knowledge_base"
    BUY = "buy"
    INVOICES = "invoices"
    PROJECTS = "projects"
    PROJECTS_MANAGE = "projects_manage"
    FILE_AREA = "file_area"
    LICENSES_VIEW = "licenses_view"
    LICENSES_MANAGE = "licenses_manage"
    MANAGE_ACCOUNTS = "manage_accounts"
    LEDGER_VIEW = "ledger_view"
    COMPLAINTS = "complaints"
    AFFILIATE = "affiliate"
    OWN_PROFILE = "own_profile"
    ACCESS_INFO = "access_info"  # T-10: see and post a ticket's server access


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.PRIMARY: frozenset(Capability),
    Role.ADVANCED: frozenset({
        C.TICKETS, C.KNOWLEDGE_BASE, C.BUY, C.INVOICES, C.PROJECTS, C.FILE_AREA,
        C.LICENSES_VIEW, C.LEDGER_VIEW, C.OWN_PROFILE, C.ACCESS_INFO,
    }),
    Role.SECONDARY: frozenset({C.TICKETS, C.KNOWLEDGE_BASE, C.OWN_PROFILE}),
}


def can(membership: Membership | None, capability: Capability | str) -> bool:
    """True when an active person's role in their company grants ``capability``."""
    if membership is None or not membership.user.is_active:
        return False
    return Capability(capability) in ROLE_CAPABILITIES[membership.role]
