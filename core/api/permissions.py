"""Who may do what over the API.

Reads need an authenticated caller (a key, or a signed-in user). Writes need a write-scoped key or a member
with at least the officer role in the active organisation. A view that needs more names it in ``required_role``
(webhooks: admins, as on the pages); a key acts with its role (``APIKey.role``: read keys as viewers, write keys
as officers), so no key manages webhooks. Another organisation's objects never reach a permission check: every
queryset is scoped to ``request.organisation``, so they are 404s.
"""

from django.core.exceptions import PermissionDenied
from rest_framework import permissions

from core import access
from core.models import Role
from integrations.models import APIKey


def has_role(request, minimum):
    """``core.access.has_role`` for the API: a signed-in member's role, or the role an API key acts with."""
    if isinstance(request.auth, APIKey):
        return Role.at_least(request.auth.role, minimum)
    return access.has_role(request, minimum)


def can_write(request):
    """True when the caller may change the organisation's data (write key, or officer and above)."""
    return has_role(request, Role.OFFICER)


class RequiredRole(permissions.BasePermission):
    """Every method of the view needs the view's ``required_role = (minimum, action)``, pages' words included."""

    def has_permission(self, request, view):
        minimum, action = view.required_role
        if has_role(request, minimum):
            return True
        if isinstance(request.auth, APIKey):
            self.message = (
                f"Only the organisation's admins can {action}; an API key acts as "
                f"{'an officer' if request.auth.can_write else 'a viewer'}."
            )
            return False
        try:
            access.require_role(request, minimum, action)
        except PermissionDenied as denied:
            self.message = str(denied)
        return False


class ReadOrWriteScope(permissions.BasePermission):
    """Safe methods for every authenticated caller; unsafe ones for write keys and officers and above."""

    message = "This API key is read-only (or your role cannot change data): writes need a write-scoped key."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_write(request)
