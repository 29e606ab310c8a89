from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Communication Center")

    def ready(self):
        from helpdesk.outbox import register_renderer

        from . import notifications

        register_renderer("ticket", notifications.render)
