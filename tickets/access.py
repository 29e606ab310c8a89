"""Authorised fetches of tickets: the same 404 for missing and not-yours (TEN-2)."""
from django.db.models import Exists, OuterRef
from django.http import Http404

from accounts.models import Membership

from .models import AccessInfo, Ticket, TicketFollower


def access_ticket(membership: Membership, number: int) -> Ticket:
    """The ticket ``number`` of the person's company at their tenant, or Http404; its
    ``following`` says whether the person gets its emails (N-1)."""
    following = (TicketFollower.objects.for_tenant(membership.tenant_id)
                 .filter(ticket=OuterRef("pk"), user_id=membership.user_id))
    ticket = (Ticket.objects.for_tenant(membership.tenant_id)
              # What the customer's pages show; every join here costs planning time (issue 5),
              # so the tickets it was split from or merged into, which few tickets have,
              # load only where there is one.
              .select_related("type", "department", "product_version__product")
              .annotate(following=Exists(following))
              .filter(company_id=membership.company_id, number=number).first())
    if ticket is None:
        raise Http404
    return ticket


def access_access_info(membership: Membership, ticket: Ticket, pk: int) -> AccessInfo:
    info = (AccessInfo.objects.for_tenant(membership.tenant_id).select_related("ticket")
            .filter(ticket=ticket, pk=pk).first())
    if info is None:
        raise Http404
    return info
