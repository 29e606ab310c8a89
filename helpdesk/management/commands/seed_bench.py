"""manage.py seed_bench: bench-* tenants with years of tickets for the performance benchmarks."""
from django.core.management.base import BaseCommand, CommandError

from bench.seed import BIG_THREAD, BenchError, seed_bench


class Command(BaseCommand):
    help = ("Fill PostgreSQL with bench-001 ... tenants, their companies, people and years of "
            "tickets (COPY; secondary indexes rebuilt after), and print the benchmark's logins.")

    def add_arguments(self, parser):
        parser.add_argument("--tenants", type=int, default=100, help="Tenants (default 100).")
        parser.add_argument("--tickets", type=int, default=1_000_000,
                            help="Tickets over all tenants (default 1,000,000).")
        parser.add_argument("--messages", type=int, default=5_000_000,
                            help="Messages over all tickets (default 5,000,000).")
        parser.add_argument("--seed", type=int, default=1,
                            help="Seed of the random data: the same seed makes the same rows.")
        parser.add_argument("--clear", action="store_true",
                            help="Remove the bench tenants of an earlier run first.")

    def handle(self, *args, tenants, tickets, messages, seed, clear, **options):
        try:
            report = seed_bench(tenants=tenants, tickets=tickets, messages=messages, seed=seed,
                                clear=clear, log=self.stdout.write)
        except BenchError as error:
            raise CommandError(str(error)) from error
        total = sum(report.seconds.values())
        self.stdout.write(self.style.SUCCESS(
            f"Bench data ready in {total:.1f} s; database size "
            f"{report.database_size / 2**30:.2f} GiB."))
        for table, count in report.counts.items():
            self.stdout.write(f"  {table:<12} {count:>12,}")
        self.stdout.write(f"Portal: http://{report.host}/  (password for every login: "
                          f"{report.password})")
        self.stdout.write(f"  customer {report.customer_email}")
        self.stdout.write(f"  agent    {report.agent_email}")
        self.stdout.write(f"  ticket with {BIG_THREAD} public messages: #{report.big_ticket}")
