"""Customer pages of the Communication Center (T-4, T-5, T-12)."""
from django.shortcuts import render

from accounts.access import customer_required
from accounts.permissions import Capability

from .selectors import tickets_for_company


@customer_required(Capability.TICKETS)
def ticket_index(request):
    tickets = tickets_for_company(request.tenant, request.membership.company)
    return render(request, "tickets/index.html", {"tickets": tickets})
