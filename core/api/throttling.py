"""Per-caller rate limits, counted in the shared cache (Redis in production, so every web worker agrees).

A key is counted by its prefix, a signed-in user by id, anyone else by address (``NUM_PROXIES`` decides which
``X-Forwarded-For`` entry is trusted). Throttles are fairness, not security: DRF's counter is not atomic, so
concurrent bursts can overshoot slightly; hard limits belong in the proxy.
"""

from rest_framework.throttling import SimpleRateThrottle

from core.models import APIKey


class CallerRateThrottle(SimpleRateThrottle):
    """The ``partner`` rate per key (or per user); the ``anon`` rate for unauthenticated callers."""

    scope = "partner"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, APIKey):
            ident = f"key-{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        if not (request.user and request.user.is_authenticated):
            self.scope = "anon"
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ScoringRateThrottle(CallerRateThrottle):
    """A tighter rate for requests that start work (score runs, scenarios), on top of ``partner``."""

    scope = "scoring"
