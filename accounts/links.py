"""Links and redirects of portal views: absolute links to this tenant's site, a safe `next`,
and where a person lands after logging in."""
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Tenant, User


def landing_url(user: User) -> str:
    """Where a person goes after logging in: staff to the admin, customers to the dashboard."""
    return reverse("admin:index") if user.is_staff else resolve_url(settings.LOGIN_REDIRECT_URL)


def site_url(request) -> str:
    """Scheme and host of this request; the tenant middleware has matched the host to the
    tenant, so links built on it lead back to the same tenant."""
    return f"{request.scheme}://{request.get_host()}"


def tenant_url(tenant: Tenant, path: str = "/") -> str:
    """An absolute link to ``path`` on the tenant's site, for emails sent without a request."""
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{tenant.host}{port}{path}"


def safe_next(request) -> str:
    """The `next` parameter when it points at this host, else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return ""
