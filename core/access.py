"""Who may do what: one rule for every page, API endpoint and service.

A member's power in the active organisation is their role (viewer < officer < reviewer < admin). Pages and the API
ask the same questions here: ``has_role`` (may this request act at ``minimum``?), ``require_role`` (a 403 with a
message that says who can), and ``visible_or_404`` (another organisation's row is a 404, never a 403). An API key
acts with the key's scope instead of a role (``core.api.permissions``), read keys as viewers, write keys as
officers.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from core.models import Role

ROLE_NOUNS = {Role.VIEWER: "viewers", Role.OFFICER: "officers", Role.REVIEWER: "reviewers", Role.ADMIN: "admins"}


def has_role(request, minimum):
    """True when the request's member of the active organisation has at least the ``minimum`` role."""
    membership = getattr(request, "membership", None)
    return membership is not None and membership.has_role(minimum)


def can_write(request):
    """Officers and above change an organisation's records (the API adds write-scoped keys)."""
    return has_role(request, Role.OFFICER)


def require_role(request, minimum, action):
    """Raise ``PermissionDenied`` ("Only officers and above can score an audit.") unless ``has_role``."""
    if has_role(request, minimum):
        return
    if minimum == Role.ADMIN:
        raise PermissionDenied(f"Only the organisation's admins can {action}.")
    raise PermissionDenied(f"Only {ROLE_NOUNS[minimum]} and above can {action}.")


def require_admin(request, action="manage the organisation"):
    require_role(request, Role.ADMIN, action)


def require_editable(record):
    """Raise ``PermissionDenied`` with the record's own reason when it cannot be changed now (a locked audit)."""
    if not record.is_editable:
        raise PermissionDenied(record.not_editable_reason)


def visible_or_404(request, queryset, **lookup):
    """The row of ``queryset`` (a model or queryset with ``for_user``) that the request may read, or a 404.

    Reads through ``for_user`` with the active organisation, so another organisation's row is not found.
    """
    manager = getattr(queryset, "objects", queryset)
    return get_object_or_404(manager.for_user(request.user, organisation=request.organisation), **lookup)
