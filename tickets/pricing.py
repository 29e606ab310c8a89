"""Prices of ticket options in credits (B-5), from the tenant's policy."""
from .models import Kind, Priority, Ticket


def ticket_price(policy, *, kind: str, priority: str) -> int:
    """Credits for a new ticket of ``kind`` at ``priority``; LOG tickets are never priced."""
    if kind == Kind.LOG:
        return 0
    return policy.ticket_prices[Kind(kind).value][Priority(priority).value]


def charge_credits(*, ticket: Ticket, credits: int, reason: str) -> dict:
    """The one place a ticket's costs are settled.

    Billing (SPEC §7, its own issue) will debit the company's ledger here under a lock.
    Until then nothing is debited: the price is returned for the ticket event's data, so
    staff and the customer's history show what the option costs. (Not under the key
    "reason": that would land in the event's own "why" column.)
    """
    return {"credits": credits, "charged": False, "charged_for": reason} if credits else {}
