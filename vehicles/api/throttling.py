"""Rate limits, counted in Django's cache (shared by every web process: the database cache, or Redis when
REDIS_URL is set).

Counting is a fixed window: one counter per client, scope and window *number* (`now // duration`), created with
`cache.add(key, 0, timeout=duration)` and raised with `cache.incr`, both atomic on every cache the project
supports — RedisCache's INCRBY keeps the TTL; the database cache is `fleet.cache.AtomicDatabaseCache`, whose incr
locks the row and keeps its expiry (Django's own incr rewrote the key with the default 300 s timeout, so an hour's
counter was forgotten after five idle minutes). A new window is a new key, so nothing has to be reset.

API clients (`ClientRateThrottle`): each view names its scope (`throttle_scope`: "status", "reports", or "api"
for the rest); rates come from REST_FRAMEWORK's DEFAULT_THROTTLE_RATES, read at each request. For large limits
each process adds its requests to the shared counter in small batches (at least once a second, and every 1% of
the limit; every request for limits under 200), so a process lets through at most 1% more than the limit before
it sees the others' counts. Over the limit: 429 with Retry-After (seconds to the end of the window).

The token endpoint (`token_attempts_refused`, `record_failed_token_attempt`): 10 failed attempts within 15
minutes for one client id or from one address, and further attempts are refused until that window ends.

A cache that cannot be reached never takes the API down: the throttle lets the request through and logs a warning.
"""

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)

_lock = threading.Lock()
# {cache key: [requests not yet added to the shared counter, shared count at the last sync, time of that sync]}
_local = {}
SYNC_SECONDS = 1.0


def clock():
    """Seconds since the epoch (a function of its own so that tests can move time)."""
    return time.time()


def reset():
    """Forget this process's unsynced counts (tests clear the cache between tests)."""
    with _lock:
        _local.clear()


class Window:
    """The fixed window containing `now`: its number, its cache key for `name`, and the seconds left in it."""

    def __init__(self, name, duration, now=None):
        now = clock() if now is None else now
        self.duration = duration
        self.number = int(now // duration)
        self.key = f"throttle:{name}:{duration}:{self.number}"
        self.seconds_left = (self.number + 1) * duration - now


def add_to_counter(key, amount, duration):
    """Atomically add `amount` to the window's counter and return its new value; None if the cache is unreachable
    (the caller lets the request through). The key lives `duration` seconds, at least to its window's end."""
    try:
        for _ in range(2):
            cache.add(key, 0, timeout=duration)
            try:
                return cache.incr(key, amount)
            except ValueError:  # gone between add and incr (culled or evicted): create it again
                continue
        return None
    except Exception as exc:  # noqa: BLE001 — any cache failure: fail open, loudly
        logger.warning("API throttle not applied: the cache is unreachable (request let through): %s", exc)
        return None


def read_counter(key):
    try:
        return cache.get(key, 0)
    except Exception as exc:  # noqa: BLE001
        logger.warning("API throttle not applied: the cache is unreachable (request let through): %s", exc)
        return 0


class ClientRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", "api")
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        client_id = getattr(request.user, "pk", None)
        if rate is None or client_id is None:
            return True
        limit, duration = SimpleRateThrottle.parse_rate(None, rate)
        now = clock()
        window = Window(f"{scope}:{client_id}", duration, now)
        self.wait_seconds = window.seconds_left
        key = window.key
        batch = max(1, limit // 100)

        with _lock:
            state = _local.get(key)
            if state is None:
                if len(_local) > 10_000:
                    _local.clear()
                state = _local[key] = [0, 0, now]
            state[0] += 1
            to_add = 0
            if state[0] >= batch or now - state[2] >= SYNC_SECONDS:
                to_add, state[0], state[2] = state[0], 0, now
            count = state[1] + state[0]

        if to_add:
            shared = add_to_counter(key, to_add, duration)
            if shared is None:
                return True
            with _lock:
                state[1] = shared
                count = shared + state[0]
        return count <= limit

    def wait(self):
        return self.wait_seconds


# --- The token endpoint: failed attempts per client id and per address ---


def _digest(text):
    """Client ids and addresses come from the request: hashed, they make safe cache keys of bounded length."""
    return hashlib.sha256(str(text).encode("utf-8", "backslashreplace")).hexdigest()[:32]


def _token_windows(client_id, address):
    duration = settings.API_TOKEN_FAILURE_WINDOW_SECONDS
    names = [f"token-failures:address:{_digest(address)}"]
    if client_id:
        names.append(f"token-failures:client:{_digest(client_id)}")
    return [Window(name, duration) for name in names]


def token_attempts_refused(client_id, address):
    """Seconds until attempts are allowed again if this client id or address has failed too often, else None."""
    limit = settings.API_TOKEN_MAX_FAILURES
    waits = [w.seconds_left for w in _token_windows(client_id, address) if read_counter(w.key) >= limit]
    return max(waits) if waits else None


def record_failed_token_attempt(client_id, address):
    for window in _token_windows(client_id, address):
        add_to_counter(window.key, 1, window.duration)
