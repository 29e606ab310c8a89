"""manage.py seed_demo: the two demo vendors of SPEC §0 (idempotent); prints URLs and logins."""
from django.core.management.base import BaseCommand

from helpdesk.demo import PASSWORD, demo_url, seed_demo


class Command(BaseCommand):
    help = "Create or complete the demo tenants qualiteam and magespecialist, and print logins."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000,
                            help="Port to show in the printed URLs (default 8000).")

    def handle(self, *args, port, **options):
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Password for every login: "
                                             f"{PASSWORD}"))
        for slug in dict.fromkeys(login.tenant for login in logins):
            url = demo_url(slug, port)
            title = f"{slug}: portal {url}" if slug else "platform (all tenants):"
            self.stdout.write(f"\n{title}   admin {url}admin/")
            for login in logins:
                if login.tenant == slug:
                    self.stdout.write(f"  {login.role:<20} {login.email}")
