"""Account emails (verification, reset, invitation): multipart text + HTML from templates,
in the recipient's language, from the tenant's address. Ticket notifications get their
transactional outbox in the lifecycle issue; these are sent straight after commit."""
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import Tenant


def send_account_email(*, tenant: Tenant, to: str, template: str, context: dict,
                       language: str) -> None:
    """Render ``templates/<template>_subject.txt``, ``.txt`` and ``.html`` and send after commit.

    ``context`` gets ``tenant``; links in it must already be absolute.
    """
    with translation.override(language):
        context = {"tenant": tenant, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    sender = tenant.policy.support_email or settings.DEFAULT_FROM_EMAIL
    message = EmailMultiAlternatives(subject, text, f"{tenant.name} <{sender}>", [to])
    message.attach_alternative(html, "text/html")
    transaction.on_commit(message.send)
