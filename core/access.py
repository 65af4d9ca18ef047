"""Who may do what: one rule for every page, API endpoint and service.

A member's power in the active organisation is their role (viewer < officer < reviewer < admin). Pages and the API
ask the same questions here: ``has_role`` (may this request act at ``minimum``?), ``require_role`` (a 403 with a
message that says who can), and ``visible_or_404`` (another organisation's row is a 404, never a 403). An API key
acts with the key's scope instead of a role (``core.api.permissions``), read keys as viewers, write keys as
officers.
"""

from typing import Any, Protocol, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404

from core.models import Membership, Organisation, Role

M = TypeVar("M", bound=models.Model)


class MemberRequest(Protocol):
    """A page or API request after ``core.middleware``: the user and the organisation it acts for."""

    @property
    def user(self) -> AbstractBaseUser | AnonymousUser: ...

    @property
    def organisation(self) -> Organisation | None: ...


class Editable(Protocol):
    """A record that may be locked (an audit past draft): whether it can change now, and why not."""

    @property
    def is_editable(self) -> bool: ...

    @property
    def not_editable_reason(self) -> str: ...


ROLE_NOUNS = {Role.VIEWER: "viewers", Role.OFFICER: "officers", Role.REVIEWER: "reviewers", Role.ADMIN: "admins"}


def has_role(request: object, minimum: Role) -> bool:
    """True when the request's member of the active organisation has at least the ``minimum`` role."""
    membership: Membership | None = getattr(request, "membership", None)
    return membership is not None and bool(membership.has_role(minimum))


def can_write(request: object) -> bool:
    """Officers and above change an organisation's records (the API adds write-scoped keys)."""
    return has_role(request, Role.OFFICER)


def require_role(request: object, minimum: Role, action: str) -> None:
    """Raise ``PermissionDenied`` ("Only officers and above can score an audit.") unless ``has_role``."""
    if has_role(request, minimum):
        return
    if minimum == Role.ADMIN:
        raise PermissionDenied(f"Only the organisation's admins can {action}.")
    raise PermissionDenied(f"Only {ROLE_NOUNS[minimum]} and above can {action}.")


def require_admin(request: object, action: str = "manage the organisation") -> None:
    require_role(request, Role.ADMIN, action)


def require_editable(record: Editable) -> None:
    """Raise ``PermissionDenied`` with the record's own reason when it cannot be changed now (a locked audit)."""
    if not record.is_editable:
        raise PermissionDenied(record.not_editable_reason)


def visible_or_404(request: MemberRequest, queryset: type[M] | models.QuerySet[M], **lookup: Any) -> M:
    """The row of ``queryset`` (a model or queryset with ``for_user``) that the request may read, or a 404.

    Reads through ``for_user`` with the active organisation, so another organisation's row is not found.
    """
    # The scoped querysets are built per model (core.querysets.scoped_queryset), so the stubs cannot see for_user.
    manager: Any = getattr(queryset, "objects", queryset)
    row: M = get_object_or_404(manager.for_user(request.user, organisation=request.organisation), **lookup)
    return row
