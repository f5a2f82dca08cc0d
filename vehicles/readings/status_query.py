"""The one-row queries that run on every API request (the bearer token's lookup, the data gate's status query).

Plain `connection.cursor()` queries, written as SQL once per database vendor by their callers (the ORM's
compilation would cost more than running them). What makes them cheap on PostgreSQL is configuration, not code:
planning these joins costs more than running them (about 0.7 ms of planning against 0.1 ms of execution,
measured in issue 6), so fleet/settings.py turns on Django's documented PostgreSQL options
`OPTIONS["server_side_binding"]` and `OPTIONS["prepare_threshold"]`: psycopg prepares a statement on a connection
after it has run `DB_PREPARE_THRESHOLD` times and later runs execute it by name (see docs/bench-api.md;
`DB_PREPARED_STATEMENTS=0` turns preparation off behind PgBouncer older than 1.21 in transaction mode).
Django's own health check of a reused connection (CONN_HEALTH_CHECKS) runs as for every other query.

SQLite needs nothing more: Python's sqlite3 keeps a statement cache per connection, and the connection stays
open between requests (CONN_MAX_AGE in fleet/settings.py).
"""

from django.db import connection


def fetch_one(sql, params):
    """The first row of `sql` (with %s placeholders) run with `params` on the default database, or None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
