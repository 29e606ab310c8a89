"""Template helpers: the same `can` predicate the views use (ACC-1)."""
from django import template

from ..permissions import can as can_predicate

register = template.Library()


@register.filter
def can(membership, capability: str) -> bool:
    """``{% if request.membership|can:"invoices" %}``"""
    return can_predicate(membership, capability)
