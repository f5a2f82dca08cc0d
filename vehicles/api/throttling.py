"""Rate limits per API client, counted in Django's cache (shared by every web process: the database cache, or
Redis when REDIS_URL is set).

Each view names its scope (`throttle_scope`: "status", "reports", or "api" for the rest); rates come from
REST_FRAMEWORK's DEFAULT_THROTTLE_RATES, read at each request. Counting is a fixed window per client and
scope (one counter per hour for "20000/hour"). DRF's own SimpleRateThrottle keeps the list of every request's
time in the cache and rewrites it on each request — up to 20,000 floats here — so instead each process adds its
requests to the shared counter in small batches: at least once a second, and every 1% of the limit (every
request for small limits). A process may therefore let through at most 1% more than the limit before it sees
the others' counts. Over the limit: 429 with Retry-After (seconds to the end of the window).
"""

import logging
import threading
import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)
_lock = threading.Lock()
# {cache key: [requests not yet added to the shared counter, shared count at the last sync, time of that sync]}
_local = {}
SYNC_SECONDS = 1.0


def reset():
    """Forget this process's unsynced counts (tests clear the cache between tests)."""
    with _lock:
        _local.clear()


class ClientRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", "api")
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        client_id = getattr(request.user, "pk", None)
        if rate is None or client_id is None:
            return True
        limit, duration = SimpleRateThrottle.parse_rate(None, rate)
        now = time.time()
        window = int(now // duration)
        self.wait_seconds = (window + 1) * duration - now
        key = f"throttle:{scope}:{client_id}:{duration}:{window}"
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
            shared = self._add(key, to_add, duration)
            if shared is None:
                return True  # the cache is unreachable: fail open rather than refuse every client
            with _lock:
                state[1] = shared
                count = shared + state[0]
        return count <= limit

    @staticmethod
    def _add(key, amount, duration):
        """The shared count after adding `amount`, or None when the cache cannot be reached."""
        try:
            cache.add(key, 0, timeout=duration + 60)
            try:
                return cache.incr(key, amount)
            except ValueError:  # expired between add and incr
                cache.set(key, amount, timeout=duration + 60)
                return amount
        except Exception as exc:  # Redis down, the cache table missing or the database unreachable
            logger.warning("API throttle not applied: the cache is unreachable (%s: %s)", type(exc).__name__, exc)
            return None

    def wait(self):
        return self.wait_seconds
