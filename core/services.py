"""Writes for tenancy: creating organisations, inviting and managing members. Commands and views call these.

Nobody joins an organisation without consent: its admins invite (``invitation_create``) and the invited account
accepts. Operators may still add members directly from the command line (``membership_set``).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from core.models import Invitation, Membership, Organisation, Role


@transaction.atomic
def organisation_create(*, slug, name, description=""):
    """Create an organisation; returns ``(organisation, created)``. An existing slug with the same name is reused."""
    validate_slug(slug)
    if not name.strip():
        raise ValidationError("An organisation needs a name.")
    organisation, created = Organisation.objects.get_or_create(
        slug=slug, defaults={"name": name.strip(), "description": description}
    )
    if not created and organisation.name != name.strip():
        raise ValidationError(f"Organisation '{slug}' already exists with the name '{organisation.name}'.")
    return organisation, created


@transaction.atomic
def membership_set(*, organisation, username, role, password=None, email=""):
    """Make ``username`` a member of ``organisation`` with ``role``, creating the user if needed.

    Returns ``(membership, user_created)``. A password, when given, is validated and set.
    """
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    user_model = get_user_model()
    user, user_created = user_model.objects.get_or_create(username=username, defaults={"email": email})
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
    elif user_created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    existing = Membership.objects.filter(user=user, organisation=organisation).first()
    if existing is not None:
        return membership_change_role(membership=existing, role=role), user_created
    return Membership.objects.create(user=user, organisation=organisation, role=role), user_created


# --------------------------------------------------------------------------------------------------------
# Member administration by an organisation's admins
# --------------------------------------------------------------------------------------------------------


def _keep_an_admin(membership):
    """Refuse to take away the organisation's last admin (the organisation row is locked while counting).

    The lock serialises two admins demoting each other at once, so one of them always stays.
    """
    Organisation.objects.select_for_update().filter(pk=membership.organisation_id).first()
    others = Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError(
            f"{membership.user.username} is the last admin of {membership.organisation.name}; "
            "make another member an admin first."
        )


# --------------------------------------------------------------------------------------------------------
# Invitations: membership by consent
# --------------------------------------------------------------------------------------------------------


class InvitationError(ValidationError):
    """The invitation cannot be used (expired, used, meant for another account); the message says which."""


def invitation_create(*, organisation, role, username="", invited_by=None):
    """Invite ``username`` (or, without one, whoever holds the link) to join ``organisation`` with ``role``.

    Returns ``(invitation, token)``: the token is the link's secret, shown once; only its hash is kept. The answer
    is the same whether or not an account called ``username`` exists, so inviting reveals nothing about accounts.
    """
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    username = (username or "").strip()
    if username and Membership.objects.filter(organisation=organisation, user__username=username).exists():
        raise ValidationError(f"{username} is already a member; change their role in the list.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        role=role,
        username=username,
        token_hash=Invitation.hash_token(token),
        invited_by=invited_by if invited_by is not None and invited_by.pk else None,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    return invitation, token


def invitation_by_token(token):
    """The invitation a link's token opens, or ``None`` (a wrong token and a used one look the same)."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("organisation").filter(token_hash=Invitation.hash_token(token)).first()


def _usable(invitation, user):
    """Lock the invitation's row and check ``user`` may accept or decline it now; returns the locked row."""
    locked = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    if not locked.is_open:
        raise InvitationError("This invitation has expired or has already been used.")
    if not locked.is_for(user):
        raise InvitationError("This invitation is for another account: sign in as the person it was sent to.")
    return locked


@transaction.atomic
def invitation_accept(*, invitation, user):
    """``user`` accepts: they become a member with the invited role (a member already keeps their role).

    The organisation becomes their last-used one, so they land in it. Returns the membership.
    """
    invitation = _usable(invitation, user)
    now = timezone.now()
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role, "last_used_at": now}
    )
    if not created:
        Membership.objects.filter(pk=membership.pk).update(last_used_at=now)
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def invitation_decline(*, invitation, user):
    """``user`` declines an invitation addressed to them; it cannot be accepted afterwards."""
    invitation = _usable(invitation, user)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at", "updated_at"])
    return invitation


def invitation_revoke(*, invitation):
    """An admin withdraws an open invitation (it is simply deleted: nothing was accepted)."""
    invitation.delete()


def invitations_pending_for(user):
    """Open invitations addressed to ``user``'s username (link-only invitations are not listed anywhere)."""
    return Invitation.objects.open().filter(username=user.get_username()).select_related("organisation", "invited_by")


@transaction.atomic
def user_sign_up(*, username, password):
    """Create an account (the caller has validated the password with Django's validators); returns the user."""
    user_model = get_user_model()
    user = user_model(username=username)
    user.set_password(password)
    user.save()
    return user


def membership_mark_used(*, membership):
    """Remember that the user chose this organisation: after their next sign-in they land in it."""
    Membership.objects.filter(pk=membership.pk).update(last_used_at=timezone.now())


@transaction.atomic
def membership_change_role(*, membership, role):
    """Give a member another role; the last admin cannot step down."""
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership):
    """Remove a member from the organisation (their user account stays); never the last admin."""
    if membership.role == Role.ADMIN:
        _keep_an_admin(membership)
    membership.delete()
