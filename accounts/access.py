"""Guards for portal views: a tenant host, a logged-in customer, and a role that can (ACC-1)."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

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
