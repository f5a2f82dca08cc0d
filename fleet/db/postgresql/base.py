"""Django's PostgreSQL backend with a health check that costs no round trip while the connection is quiet.

Django documents subclassing a built-in backend (ENGINE names this package; fleet/settings.py sets it for a
PostgreSQL DATABASE_URL). The one change: `is_usable`, which Django asks before reusing a persistent connection in
a request (CONN_HEALTH_CHECKS) and after an error, sends `SELECT 1` only when the connection has something to say.

An idle connection that is fine has nothing to read: the server sends nothing between requests. When the server
drops it — a restart, a failover, `pg_terminate_backend`, an idle timeout — it sends its last message and closes
the socket, which makes the socket readable. So: libpq's own view of the connection is OK, no transaction is open,
and a zero-timeout `select` finds nothing to read → usable, without asking the server. Anything else — something
to read, a transaction left open or failed, libpq already knowing the connection is bad — asks as Django does
(`SELECT 1`), and Django replaces the connection when that fails. Measured: one round trip fewer on every
request that uses the database; Get Vehicle Status ÷ the bare view on PostgreSQL 0.53–0.62 → 0.63–0.65
(bench/api_bench.py, docs/bench-api.md). What it cannot see — a peer that vanished without closing the socket —
`SELECT 1` would not see either until the TCP timeout.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None:
            return False
        try:
            pgconn = self.connection.pgconn
            quiet = (
                pgconn.status == pq.ConnStatus.OK
                and pgconn.transaction_status == pq.TransactionStatus.IDLE
                and not select.select([pgconn.socket], [], [], 0)[0]
            )
        except (OSError, ValueError, self.Database.Error):  # a closed socket or connection: ask, and fail
            quiet = False
        return quiet or super().is_usable()
