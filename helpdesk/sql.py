"""Set-based writes the ORM lacks, built from ordinary querysets (§5: jobs never load the rows
they change into Python one by one)."""
import zlib

from django.db import connection, models

# The first key of PostgreSQL's two-key advisory locks: this project's jobs.
JOB_LOCK_SPACE = 0x4844  # "HD"


def insert_select(model: type[models.Model], source: models.QuerySet, columns: dict,
                  *, ignore_conflicts: bool = False) -> int:
    """``INSERT INTO model (columns) SELECT ... FROM source``: one statement, any row count.

    ``columns`` maps each field of ``model`` to an expression over ``source`` (F, Value,
    Concat ...). ``source`` may hold ``select_for_update()``: the rows it reads stay locked
    until the transaction ends. With ``ignore_conflicts`` a row that would break a unique
    constraint is skipped (``ON CONFLICT DO NOTHING``). Returns the number of rows inserted.
    """
    aliases = {f"c{i}": expression for i, expression in enumerate(columns.values())}
    select = source.annotate(**aliases).values(*aliases).order_by()
    sql, params = select.query.sql_with_params()
    targets = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column)
                        for name in columns)
    picked = ", ".join(connection.ops.quote_name(alias) for alias in aliases)
    table = connection.ops.quote_name(model._meta.db_table)
    # Only quoted names and the ORM's own SQL go in; every value is a parameter.
    statement = f"INSERT INTO {table} ({targets}) SELECT {picked} FROM ({sql}) AS source"  # noqa: S608
    statement += " WHERE true"  # keeps SQLite from reading ON CONFLICT as a join constraint
    if ignore_conflicts:
        statement += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def lock_jobs(name: str, scopes: list[int]) -> None:
    """Hold a lock named ``name`` for each of ``scopes`` (tenants, say) until the transaction
    ends, so that a second run of the same job (two workers, or beat and the command) for any
    of them waits and then finds its work done. The locks are taken in one order, so that two
    runs over overlapping scopes cannot deadlock. PostgreSQL: advisory locks. SQLite takes the
    whole database for every write transaction (``transaction_mode`` IMMEDIATE in settings),
    which is stronger.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted(zlib.crc32(f"{name}:{scope}".encode()) - 2**31 for scope in scopes)  # int4
    with connection.cursor() as cursor:
        # One statement: the function scan hands the sorted keys over in order.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS key",
                       [JOB_LOCK_SPACE, keys])


class Constant(models.Value):
    """A value written into the SQL on PostgreSQL instead of sent apart from it.

    PostgreSQL keeps one plan of a prepared statement for all its runs only where that plan
    serves any values of its parameters, and a partial index serves a condition such as
    ``NOT status = 'closed'`` only where 'closed' is in the SQL itself: sent as a parameter,
    the staff queue's statements were planned again on every run (issue 5)."""

    def as_postgresql(self, compiler, connection):
        sql, params = self.as_sql(compiler, connection)
        return connection.ops.compose_sql(sql, params), ()
