"""Customer pages for licenses: "My licenses" (L-1; the actions of SPEC §6 come later)."""
from django.shortcuts import render

from accounts.access import customer_required
from accounts.permissions import Capability

from .selectors import licenses_for_company


@customer_required(Capability.LICENSES_VIEW)
def license_list(request):
    return render(request, "licenses/list.html",
                  {"licenses": licenses_for_company(request.tenant, request.membership.company)})
