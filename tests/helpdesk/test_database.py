"""The app's PostgreSQL connections: statements planned once per connection, not per run."""
import pytest
from django.db import connection

from accounts.models import Tenant


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_run_again_with_other_values_is_prepared_once():
    """Parameters travel apart from the SQL, so the text is the same whatever the values, and
    psycopg prepares it on its fifth run: PostgreSQL keeps its plan (issue 5)."""
    for number in range(6):
        list(Tenant.objects.filter(slug=f"vendor-{number}"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "accounts_tenant"' in statement and "vendor-" not in statement
               for statement in prepared), prepared
