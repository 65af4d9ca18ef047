"""Writes for tenancy: creating organisations and managing members. Commands and views call these."""

from django.contrib.auth import get_user_model
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
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
    elif user_created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    return membership, user_created
