"""Queries that run on every API request (the bearer token's lookup, the data gate's status query), planned once
per database connection.

On PostgreSQL, planning these joins costs more than running them (about 0.7 ms of planning against 0.1 ms of
execution, measured for issue 6). Django turns psycopg's prepared statements off (`prepare_threshold=None`, so that
transaction-mode connection poolers keep working) and binds parameters on the client, so `fetch_one` runs its
statement through a server-binding psycopg cursor with preparation on for that one statement: the first run on a
connection prepares it, later runs execute it by name. psycopg keeps the list of prepared statements per connection
and forgets them when they may be invalid (after a ROLLBACK or DDL). Set `API_PREPARED_STATEMENTS = False` to turn
this off (for example behind PgBouncer older than 1.21 in transaction mode). SQLite needs nothing: Python's sqlite3
keeps its own statement cache per connection (which stays open between requests, see CONN_MAX_AGE).
"""

from django.conf import settings
from django.db import connection


def fetch_one(sql, params):
    """The first row of `sql` (with %s placeholders) run with `params`, or None."""
    if connection.vendor == "postgresql" and getattr(settings, "API_PREPARED_STATEMENTS", True):
        connection.close_if_health_check_failed()  # as Django's own cursors do, once per request
        connection.ensure_connection()
        raw = connection.connection
        if hasattr(raw, "prepare_threshold"):  # psycopg 3
            return _fetch_one_prepared(raw, sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _fetch_one_prepared(raw, sql, params):
    import psycopg

    connection.validate_thread_sharing()
    server_binding = psycopg.Cursor(raw)
    # Django's wrapper, as for its own cursors: database errors as Django's, queries logged when DEBUG is on.
    cursor = (
        connection.make_debug_cursor(server_binding)
        if connection.queries_logged
        else connection.make_cursor(server_binding)
    )
    threshold = raw.prepare_threshold
    raw.prepare_threshold = 0  # this statement only: the connection is used by one thread at a time
    try:
        with cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    finally:
        raw.prepare_threshold = threshold
