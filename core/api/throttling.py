"""Per-caller rate limits, counted in the shared cache (Redis in production, so every web worker agrees).

A key is counted by its prefix, a signed-in user by id, anyone else by address (``NUM_PROXIES`` decides which
``X-Forwarded-For`` entry is trusted).

The count is a sliding window over two fixed windows: one counter per caller and window, raised with the cache's
atomic ``incr``, and the previous window's count weighted by how much of it the sliding window still covers.
Unlike DRF's ``SimpleRateThrottle`` (which reads, appends to and writes back a list of every timestamp in the
window), concurrent requests cannot overshoot the limit, and a request costs a few small cache calls whatever the
rate.
"""

import math
from functools import wraps

from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import APIKey


def seconds_until_allowed(*, limit, current, previous, elapsed, window):
    """Seconds until one more request fits, if none arrive meanwhile.

    ``current`` requests were counted in this window (``elapsed`` seconds into it) and ``previous`` in the one
    before; the estimate is ``previous × (1 - elapsed / window) + current``.
    """
    room = limit - 1
    if current <= room and previous > 0:
        # Still in this window: the previous window's weight falls until the estimate leaves room.
        wait = window * (1 - (room - current) / previous) - elapsed
        if wait < window - elapsed:
            return max(wait, 0.0)
    # In the next window this one becomes the previous: its weight falls from 1 to 0 across that window.
    into_next = window * (1 - room / current) if current > 0 else 0.0
    return window - elapsed + into_next


class CallerRateThrottle(SimpleRateThrottle):
    """The ``partner`` rate per key (or per user); the ``anon`` rate for unauthenticated callers."""

    scope = "partner"

    def get_cache_key(self, request, view):
        if isinstance(getattr(request, "auth", None), APIKey):
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
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        return self._count()

    def _window(self):
        """``(counter key of this window, elapsed seconds into it, previous window's count)``."""
        window = self.duration
        now = self.timer()
        index = int(now // window)
        return f"{self.key}:{index}", now - index * window, self.cache.get(f"{self.key}:{index - 1}", 0)

    def _fits(self, current, previous, elapsed):
        """True when ``current`` requests in this window (the previous one weighted) stay within the limit."""
        if previous * (1 - elapsed / self.duration) + current <= self.num_requests:
            return True
        self._wait = seconds_until_allowed(
            limit=self.num_requests, current=current - 1, previous=previous, elapsed=elapsed, window=self.duration
        )
        return False

    def _count(self):
        """Count one request for ``self.key`` atomically; refuse it (uncounted) past the limit."""
        counter, elapsed, previous = self._window()
        try:
            current = self.cache.incr(counter)
        except ValueError:  # the window's first request; the counter lives on as the next window's previous one
            self.cache.add(counter, 0, timeout=2 * self.duration + 1)
            current = self.cache.incr(counter)
        if self._fits(current, previous, elapsed):
            return True
        self.cache.decr(counter)  # a refused request does not count against the caller
        return False

    def wait(self):
        return math.ceil(self._wait) or 1


class ScoringRateThrottle(CallerRateThrottle):
    """A tighter rate for requests that start work (score runs, scenarios), on top of ``partner``.

    The pages that start runs count against the same rate and the same counter (``page_throttle``), so a user
    has one budget whether they press "Score now" or call the API.
    """

    scope = "scoring"


class ScoresCSVThrottle(CallerRateThrottle):
    """The full scores CSV (every matching row, seconds of a worker each) per key or user, on top of ``partner``."""

    scope = "scores_csv"


def page_throttle(throttle_class):
    """A page view's POSTs count against ``throttle_class``'s rate, shared with the API's counter for the same user.

    Past the limit the page answers 429 with ``Retry-After`` and says when to try again; GETs are not counted.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                throttle = throttle_class()
                if not throttle.allow_request(request, None):
                    wait = throttle.wait()
                    response = render(request, "429.html", {"wait": wait}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class BadKeyThrottle(CallerRateThrottle):
    """Failed API-key authentications per client address (``bad_key`` rate): guessing keys is refused with a 429.

    Only failures are counted (``record_failure``); while an address is over the limit, every request from it that
    sends a key is refused before the key is even looked up (``refuses``), so a good key from that address waits
    too, and guessing costs no hashing.
    """

    scope = "bad_key"

    def _key_for(self, request):
        self.key = self.cache_format % {"scope": self.scope, "ident": f"addr-{self.get_ident(request)}"}

    def refuses(self, request):
        """True while the address has used up its failures (``wait()`` then says for how long)."""
        if self.rate is None:
            return False
        self._key_for(request)
        counter, elapsed, previous = self._window()
        return not self._fits(self.cache.get(counter, 0) + 1, previous, elapsed)

    def record_failure(self, request):
        if self.rate is not None:
            self._key_for(request)
            self._count()
