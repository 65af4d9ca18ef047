"""API-key authentication: ``Authorization: Api-Key <key>`` makes the request act for the key's organisation.

``djangorestframework-api-key`` ships only a permission class (the request would stay anonymous, so throttles
and logs would have no actor); this authentication class returns a :class:`KeyPrincipal` instead, and sets
``request.organisation`` so the API reads the same attribute whether a key or a browser session is used.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from core.api.throttling import BadKeyThrottle
from integrations.models import APIKey

logger = logging.getLogger("clusterplatform.api")

KEYWORD = "Api-Key"
# ``last_used_at`` is refreshed at most this often, so reading the API does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class KeyPrincipal:
    """The partner system behind an API key: authenticated, acting for one organisation, with no user account."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key):
        self.key = key
        self.organisation = key.organisation

    def get_username(self):
        return f"api-key:{self.key.prefix}"

    def __str__(self):
        return self.get_username()


class APIKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate ``Authorization: Api-Key <prefix>.<secret>``; a bad, revoked or expired key is a 401."""

    def authenticate_header(self, request):
        return KEYWORD

    def authenticate(self, request):
        """The key's principal; a failure is counted against the client's address (``BadKeyThrottle``)."""
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        throttle = BadKeyThrottle()
        if throttle.refuses(request):
            raise exceptions.Throttled(throttle.wait(), detail="Too many failed API keys from this address.")
        try:
            return self._authenticate_key(request, key)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise

    def _authenticate_key(self, request, key):
        key = key.strip()
        if not key or "." not in key:
            raise exceptions.AuthenticationFailed("Malformed API key: expected 'Api-Key <prefix>.<secret>'.")
        prefix = key.partition(".")[0]
        api_key = next(iter(APIKey.objects.select_related("organisation").filter(prefix=prefix)[:1]), None)
        if api_key is None or not api_key.is_valid(key):
            logger.warning("api key rejected", extra={"key_prefix": prefix[:8]})
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if api_key.revoked:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            APIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        request._request.organisation = api_key.organisation
        request._request.membership = None
        return KeyPrincipal(api_key), api_key


def acting_user(request):
    """The user account behind a request, for history and ``requested_by``; ``None`` for an API key."""
    user = request.user
    return user if user.is_authenticated and not isinstance(user, KeyPrincipal) else None


def actor_label(request):
    """Who acted, as history and logs record it: the username, or ``api-key:<prefix>``."""
    return request.user.get_username() if request.user.is_authenticated else "anonymous"
