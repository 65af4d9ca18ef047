"""Writes for tenancy: creating organisations and managing members. Commands and views call these."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from core.models import Membership, Organisation, Role


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


@transaction.atomic
def membership_add(*, organisation, username, role, password=None, email=""):
    """Add a member: an existing user by username, or a new user created with a validated password.

    An existing user's password is never set here: their account may belong to other organisations too.
    Returns ``(membership, user_created)``.
    """
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    user_model = get_user_model()
    username = username.strip()
    user = user_model.objects.filter(username=username).first()
    if user is not None:
        if password:
            raise ValidationError(
                f"A user called {username} already exists: add them without a password (they keep their own)."
            )
        if Membership.objects.filter(organisation=organisation, user=user).exists():
            raise ValidationError(f"{username} is already a member; change their role in the list.")
        return Membership.objects.create(organisation=organisation, user=user, role=role), False
    if not password:
        raise ValidationError(f"There is no user called {username}. Give a password to create the account.")
    user = user_model(username=username, email=email)
    user_model._meta.get_field("username").run_validators(username)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return Membership.objects.create(organisation=organisation, user=user, role=role), True


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
