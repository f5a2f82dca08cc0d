"""Rate limits per API client, counted in Django's cache (shared by every web process: the database cache, or
Redis when REDIS_URL is set). Each view names its scope; rates come from REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES (read at each request, so settings changes apply)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """`throttle_scope` of the view (default "api") per ApiClient; DRF answers 429 with Retry-After."""

    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self):
        pass  # the rate depends on the view's scope, known only in allow_request

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", "api")
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        client_id = getattr(request.user, "pk", None)
        if client_id is None:
            return None  # unauthenticated requests are refused with 401 before any work
        return self.cache_format % {"scope": self.scope, "ident": client_id}
