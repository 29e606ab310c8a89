"""Host → tenant resolution (TEN-1), and the person's tenant, company, language and time zone."""
import zoneinfo

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import DisallowedHost
from django.http import Http404
from django.http.request import split_domain_port
from django.shortcuts import render
from django.utils import timezone, translation

from .models import Domain, Tenant
from .selectors import offered_languages


def tenant_for_host(host: str) -> Tenant | None:
    """The active tenant serving ``host``; None for the bare base domain.

    Raises Http404 for any other host.
    """
    host, _port = split_domain_port(host)
    base = settings.BASE_DOMAIN
    if not host:
        raise Http404("malformed host")
    if host in (base, "127.0.0.1", "testserver"):
        return None
    if host.endswith(f".{base}"):
        slug = host.removesuffix(f".{base}")
        tenant = Tenant.objects.select_related("policy").filter(slug=slug, is_active=True).first()
    else:
        domain = (Domain.all_tenants.select_related("tenant__policy")
                  .filter(host=host, tenant__is_active=True).first())
        tenant = domain.tenant if domain else None
    if tenant is None:
        raise Http404("unknown host")
    return tenant


class TenantMiddleware:
    """Sets ``request.tenant`` (None on the platform host) and the tenant's languages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.tenant = tenant_for_host(request.get_host())
        except (Http404, DisallowedHost):
            return render(request, "404_host.html", status=404)
        return self.get_response(request)


class PersonMiddleware:
    """After authentication: refuse a session from another tenant, load the membership,
    and switch to the person's language and time zone (times stored UTC, shown local)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        tenant = request.tenant
        request.membership = None
        if user.is_authenticated and not user.is_superuser and user.tenant_id != (
                tenant.pk if tenant else None):
            # A session cookie carried to another vendor's host is not a login there (TEN-5).
            logout(request)
        elif user.is_authenticated and tenant is not None and not user.is_staff:
            # Loaded with the user (TenantEmailBackend.get_user); None for a person without.
            membership = getattr(user, "membership", None)
            if membership is not None and membership.tenant_id == tenant.pk:
                request.membership = membership
        zone = (user.is_authenticated and user.time_zone) or (tenant and tenant.policy.time_zone)
        timezone.activate(zoneinfo.ZoneInfo(zone or settings.TIME_ZONE))
        language = self._language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        timezone.deactivate()
        return response

    @staticmethod
    def _language(request) -> str | None:
        """The saved language of a logged-in person, else Django's; always one the tenant offers."""
        offered = offered_languages(request.tenant)
        user = request.user
        current = user.language if user.is_authenticated else translation.get_language()
        if current not in offered:
            return offered[0]
        return current
