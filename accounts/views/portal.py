"""The portal's front page and the health check."""
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render

from licenses.selectors import pending_license_count
from tickets.selectors import latest_tickets, open_ticket_count

from ..access import customer_required
from ..permissions import Capability, can


def dashboard(request):
    """The front page: the customer dashboard; staff and the platform host go to the admin."""
    if request.tenant is None or (request.user.is_authenticated and request.user.is_staff):
        return redirect("admin:index")
    return customer_dashboard(request)


@customer_required()
def customer_dashboard(request):
    membership = request.membership
    tenant, company = request.tenant, membership.company
    sees_tickets = can(membership, Capability.TICKETS)
    return render(request, "accounts/dashboard.html", {
        "company": company,
        "pending_licenses": (pending_license_count(tenant, company)
                             if can(membership, Capability.LICENSES_VIEW) else None),
        "open_tickets": open_ticket_count(tenant, company) if sees_tickets else None,
        "latest_tickets": latest_tickets(tenant, company) if sees_tickets else [],
    })


def healthz(request):
    """Liveness for load balancers: the database answers."""
    if request.method not in ("GET", "HEAD"):
        raise Http404
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def logo(request):
    """The tenant's logo: public branding of this host only."""
    if request.tenant is None or not request.tenant.policy.logo:
        raise Http404
    return FileResponse(request.tenant.policy.logo.open("rb"))
