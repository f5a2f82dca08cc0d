"""Django's database cache with an atomic `incr` that keeps the key's expiry.

Django's BaseCache.incr reads the value, adds, and writes it back with `set(key, value)`: not atomic across
processes (two increments can make one), and the write gives the key the *default* timeout (300 s), so a counter
meant to last an hour is forgotten five idle minutes later. Here one transaction first touches the row with a
no-op UPDATE — which locks it on PostgreSQL and takes SQLite's write lock — then reads and writes the new value
with the row's expiry untouched. RedisCache needs none of this: its INCRBY is atomic and keeps the TTL.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        q = connection.ops.quote_name
        table, cache_key, value, expires = q(self._table), q("cache_key"), q("value"), q("expires")
        current = connection.ops.adapt_datetimefield_value(now())
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {expires} = {expires} WHERE {cache_key} = %s AND {expires} > %s", [key, current]
            )
            if cursor.rowcount != 1:
                raise ValueError(f"Key '{key}' not found")
            cursor.execute(f"SELECT {value} FROM {table} WHERE {cache_key} = %s", [key])
            stored = connection.ops.process_clob(cursor.fetchone()[0])
            new_value = pickle.loads(base64.b64decode(stored.encode())) + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {value} = %s WHERE {cache_key} = %s", [encoded, key])
        return new_value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)
