"""Queries that run on every API request (the bearer token's lookup, the data gate's status query), planned once
per database connection. Issue 6 (docs/bench-api.md).

On PostgreSQL, planning these joins costs more than running them (about 0.7 ms of planning against 0.1 ms of
execution, measured). Django turns psycopg's prepared statements off (`prepare_threshold=None`, so that
transaction-mode connection poolers keep working) and binds parameters on the client, so `fetch_one` runs its
statement through a server-binding psycopg cursor with preparation on for that one statement: the first run on a
connection prepares it, later runs execute it by name. psycopg keeps the list of prepared statements per connection
and forgets them when they may be invalid (after a ROLLBACK or DDL). Set `API_PREPARED_STATEMENTS = False` to turn
this off (for example behind PgBouncer older than 1.21 in transaction mode).

Django's health check of a reused connection (CONN_HEALTH_CHECKS) is one more round trip (`SELECT 1`) before the
first query of each request. For these read-only queries the query itself is the check: when it fails and the
connection turns out to be unusable, the connection is closed and the query runs once more on a new one — what the
health check would have done, without its round trip when the connection is fine. Inside a transaction (tests,
atomic blocks) Django's own check runs as usual.

SQLite needs none of this: Python's sqlite3 keeps a statement cache per connection (which now stays open between
requests, see CONN_MAX_AGE in fleet/settings.py) and has no server to lose.
"""

from django.conf import settings
from django.db import Error, connection


def fetch_one(sql, params):
    """The first row of `sql` (with %s placeholders) run with `params`, or None."""
    if connection.vendor == "postgresql" and getattr(settings, "API_PREPARED_STATEMENTS", True):
        return _fetch_one_prepared(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _fetch_one_prepared(sql, params):
    check_by_use = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
        and not connection.pool  # the pool hands out healthy connections only
    )
    if not check_by_use:
        connection.close_if_health_check_failed()
    connection.ensure_connection()
    try:
        row = _run_prepared(sql, params)
    except Error:
        if not check_by_use or connection.is_usable():
            raise  # a real error of the query, not a lost connection
        connection.close()
        connection.ensure_connection()
        row = _run_prepared(sql, params)
    if check_by_use:
        connection.health_check_done = True
    return row


def _run_prepared(sql, params):
    import psycopg

    connection.validate_thread_sharing()
    raw = connection.connection
    server_binding = psycopg.Cursor(raw)
    # Django's wrapper, as for its own cursors: database errors as Django's, queries logged when DEBUG is on.
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(server_binding)
    else:
        cursor = connection.make_cursor(server_binding)
    threshold = raw.prepare_threshold
    raw.prepare_threshold = 0  # this statement only: a connection is used by one thread at a time
    try:
        with cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    finally:
        raw.prepare_threshold = threshold
