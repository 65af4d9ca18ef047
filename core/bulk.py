"""Bulk writes as fast as the database allows: COPY on PostgreSQL, one prepared INSERT on SQLite."""

from django.db import connection

# SQLite has no COPY; executemany of one prepared statement in large chunks is its fastest path.
SQLITE_BATCH = 50_000


def insert_rows(model, fields, rows):
    """Insert tuples of ``fields`` (attnames, e.g. "region_id") into ``model``'s table as fast as the backend allows.

    PostgreSQL: one COPY (psycopg 3). SQLite: ``executemany`` of one prepared INSERT in large chunks, because
    ``bulk_create`` there is capped at 999 parameters per statement (about 90 observation rows per batch), which
    made it 5× slower. Other backends: ``bulk_create``. Values must already be database-ready (ids, not
    instances). Returns the number of rows inserted.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif connection.vendor == "sqlite":
        statement = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(fields))})"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(rows), SQLITE_BATCH):
                cursor.cursor.executemany(statement, rows[start : start + SQLITE_BATCH])
    else:
        objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=SQLITE_BATCH)
    return len(rows)
