"""Who may do what over the API.

Reads need an authenticated caller (a key, or a signed-in user). Writes need a write-scoped key or a member
with at least the officer role in the active organisation. Another organisation's objects never reach a
permission check: every queryset is scoped to ``request.organisation``, so they are 404s.
"""

from rest_framework import permissions

from core import access
from integrations.models import APIKey


def can_write(request):
    """True when the caller may change the organisation's data (write key, or officer and above)."""
    if isinstance(request.auth, APIKey):
        return request.auth.can_write
    return access.can_write(request)


class ReadOrWriteScope(permissions.BasePermission):
    """Safe methods for every authenticated caller; unsafe ones for write keys and officers and above."""

    message = "This API key is read-only (or your role cannot change data): writes need a write-scoped key."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_write(request)
