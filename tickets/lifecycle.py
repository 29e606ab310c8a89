"""The ticket status machine of SPEC T-3: one transition table and pure checks, no ORM.

`change_status` (services) and the timed jobs' bulk change both read this table:
two doors, one rulebook.
"""
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.formats import choice_label


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_QUOTE = "awaiting_quote", _("Awaiting quote")
    QUOTE_SENT = "quote_sent", _("Quote sent")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PRE_CLOSED = "pre_closed", _("Pre-closed")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Re-opened")


class Actor(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


S, A = Status, Actor

# TRANSITIONS[from][to] = the actors who may make that move.
TRANSITIONS: dict[Status, dict[Status, frozenset[Actor]]] = {
    S.SUBMITTED: {
        S.ASSIGNED: frozenset({A.STAFF}),
        S.IN_PROGRESS: frozenset({A.STAFF}),
        S.PRE_CLOSED: frozenset({A.STAFF, A.SYSTEM}),
        S.CLOSED: frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    },
    # A quote blocks work until the customer answers on the website (T-8); AUTO rules skip it.
    S.AWAITING_QUOTE: {
        S.QUOTE_SENT: frozenset({A.STAFF}),
        S.CLOSED: frozenset({A.CUSTOMER, A.STAFF}),
    },
    S.QUOTE_SENT: {
        S.SUBMITTED: frozenset({A.CUSTOMER}),  # quote accepted: into the queue
        S.AWAITING_QUOTE: frozenset({A.STAFF}),  # staff withdraw the estimate to revise it
        S.CLOSED: frozenset({A.CUSTOMER, A.STAFF}),  # declined
    },
    S.ASSIGNED: {
        S.SUBMITTED: frozenset({A.STAFF}),  # unassigned, back to the queue
        S.IN_PROGRESS: frozenset({A.STAFF}),
        S.PRE_CLOSED: frozenset({A.STAFF, A.SYSTEM}),
        S.CLOSED: frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    },
    S.IN_PROGRESS: {
        S.ASSIGNED: frozenset({A.STAFF}),
        S.PRE_CLOSED: frozenset({A.STAFF, A.SYSTEM}),
        S.CLOSED: frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    },
    S.PRE_CLOSED: {
        S.IN_PROGRESS: frozenset({A.CUSTOMER, A.STAFF}),
        S.CLOSED: frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    },
    S.CLOSED: {
        S.REOPENED: frozenset({A.CUSTOMER, A.STAFF}),
    },
    S.REOPENED: {
        S.ASSIGNED: frozenset({A.STAFF}),
        S.IN_PROGRESS: frozenset({A.STAFF}),
        S.PRE_CLOSED: frozenset({A.STAFF, A.SYSTEM}),
        S.CLOSED: frozenset({A.CUSTOMER, A.STAFF, A.SYSTEM}),
    },
}

# Statuses whose tickets the customer may still write in (T-4).
ACCEPTS_MESSAGES = frozenset(set(Status) - {S.CLOSED})


def can_move(current: Status | str, target: Status | str, actor: Actor) -> bool:
    """True when ``actor`` may move a ticket from ``current`` to ``target``."""
    return actor in TRANSITIONS.get(Status(current), {}).get(Status(target), frozenset())


def allowed_moves(current: Status | str, actor: Actor) -> list[Status]:
    """The statuses ``actor`` may move a ticket to from ``current``, in table order."""
    return [target for target, actors in TRANSITIONS.get(Status(current), {}).items()
            if actor in actors]


def sources_for(target: Status, actor: Actor) -> frozenset[Status]:
    """Every status from which ``actor`` may move to ``target``: what a bulk job may touch."""
    return frozenset(current for current, moves in TRANSITIONS.items()
                     if actor in moves.get(target, frozenset()))


def customer_label(status: Status | str, *, simple: bool) -> str:
    """The status as the tenant shows it to customers: Open/Closed for a simple tenant (T-3)."""
    if not simple:
        return choice_label(Status, status)
    return _("Closed") if status == S.CLOSED else _("Open")
