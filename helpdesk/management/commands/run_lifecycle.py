"""`manage.py run_lifecycle [--tenant SLUG] [--dry-run]`: the timed rules of §5, now, by the
same code as Celery beat's run; prints what each rule did (or would do)."""
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from helpdesk import lifecycle


class Command(BaseCommand):
    help = "Run the timed ticket rules (pre-close, close, reminders, housekeeping) now."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG",
                            help="only this tenant (default: every active tenant)")
        parser.add_argument("--dry-run", action="store_true",
                            help="count what each rule would change; change nothing")

    def handle(self, *args, tenant=None, dry_run=False, **options):
        tenants = None
        if tenant is not None:
            found = Tenant.objects.filter(slug=tenant).select_related("policy").first()
            if found is None:
                raise CommandError(f"No tenant with the host name {tenant!r}.")
            tenants = [found]
        results = lifecycle.run_all(tenants=tenants, dry_run=dry_run)
        verb = "would change" if dry_run else "changed"
        for slug, counts in results.items():
            if not counts:
                self.stdout.write(f"{slug}: no rules switched on")
            for name, count in counts.items():
                self.stdout.write(f"{slug}: {name}: {verb} {count}")
