"""Authentication within the request's tenant (TEN-5): one email at two vendors is two people."""
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


class TenantEmailBackend(ModelBackend):
    """Email and password, looked up in ``request.tenant``; platform superusers log in anywhere."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip().lower()
        if request is None or not email or password is None:
            return None
        tenant = getattr(request, "tenant", None)
        scope = Q(tenant__isnull=True, is_superuser=True)
        if tenant is not None:
            scope |= Q(tenant=tenant)
        candidates = list(User.objects.filter(scope, email__iexact=email))
        # A tenant's own person wins over a platform superuser with the same email.
        candidates.sort(key=lambda u: u.tenant_id is None)
        if not candidates:
            User().set_password(password)  # spend the time of a real check: no timing oracle
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's person, with their tenant and (customers) their membership and company
        in the same query: the middleware and every portal page need them."""
        user = (User._default_manager.select_related("tenant", "membership__company")
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None
