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
from django.db import DEFAULT_DB_ALIAS, Error, connections


def fetch_one(sql, params):
    """The first row of `sql` (with %s placeholders) run with `params` on the default database, or None."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each attribute read through django.db.connection looks it up again
    if db.vendor == "postgresql" and settings.API_PREPARED_STATEMENTS:
        return _fetch_one_prepared(db, sql, params)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _fetch_one_prepared(db, sql, params):
    check_by_use = (
        db.connection is not None
        and db.health_check_enabled
        and not db.health_check_done
        and not db.in_atomic_block
        and not db.pool  # the pool hands out healthy connections only
    )
    if not check_by_use:
        db.close_if_health_check_failed()
    db.ensure_connection()
    try:
        row = _run_prepared(db, sql, params)
    except Error:
        if not check_by_use or db.is_usable():
            raise  # a real error of the query, not a lost connection
        db.close()
        db.ensure_connection()
        row = _run_prepared(db, sql, params)
    if check_by_use:
        db.health_check_done = True
    return row


def _run_prepared(db, sql, params):
    import psycopg

    db.validate_thread_sharing()
    raw = db.connection
    # One server-binding cursor per connection, kept with it; a new connection gets a new one.
    raw_cursor, cursor = getattr(db, "hot_queries_cursor", (None, None))
    if raw_cursor is not raw or cursor.closed:
        cursor = psycopg.Cursor(raw)
        db.hot_queries_cursor = (raw, cursor)
    threshold = raw.prepare_threshold
    raw.prepare_threshold = 0  # this statement only: a connection is used by one thread at a time
    try:
        if db.queries_logged:  # DEBUG, or a test counting queries: Django's wrapper logs it
            db.make_debug_cursor(cursor).execute(sql, params)
            return cursor.fetchone()
        with db.wrap_database_errors:  # psycopg's errors as Django's, as for Django's own cursors
            cursor.execute(sql, params)
            return cursor.fetchone()
    finally:
        raw.prepare_threshold = threshold
