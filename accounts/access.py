"""Guards for portal views (a tenant host, a logged-in person, a role that can: ACC-1) and
authorised fetches that give the same 404 for missing and not-yours (TEN-2)."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from .models import Membership
from .permissions import Capability, can
from .sections import section_for


def customer_required(capability: Capability | None = None):
    """Decorate a portal view: 404 off a tenant host, login for visitors, 403 with a clear
    page for staff and for roles without ``capability``. Sets ``request.membership``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.tenant is None:
                raise Http404
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request.membership
            if membership is None:
                return forbidden(request, _("This page is for customers of %(tenant)s. Staff "
                                            "work in the admin.") % {"tenant": request.tenant})
            if capability is not None and not can(membership, capability):
                section = section_for(capability)
                return forbidden(request, _(
                    "Your account type (%(role)s) does not include “%(section)s”. Ask your "
                    "company's primary account holder.") % {
                        "role": membership.get_role_display(), "section": section})
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def forbidden(request, message: str):
    return render(request, "403.html", {"message": message}, status=403)


def tenant_host_required(view):
    """404 on the platform host: accounts live at a tenant (TEN-1)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.tenant is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def person_required(view):
    """Any logged-in person on the tenant's host, customer or staff (own password and 2FA)."""

    @tenant_host_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def access_person(membership: Membership, pk: int) -> Membership:
    """The membership of person ``pk`` (a user id) when ``membership`` may manage them.

    Raises Http404 alike for a missing person, another company's or another tenant's, and for a
    membership without "Manage accounts" (ACC-4, TEN-2).
    """
    if not can(membership, Capability.MANAGE_ACCOUNTS):
        raise Http404
    person = (Membership.objects.for_tenant(membership.tenant_id)
              .filter(company_id=membership.company_id, user_id=pk)
              .select_related("user", "company")
              .first())
    if person is None:
        raise Http404
    return person
