"""Shared fixtures: personas (owner, member, outsider) and the services a test run requires.

With ``CI=true`` a missing PostgreSQL or Redis is a failure, never a skip.
"""

import os

import pytest

from core.models import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(name, reason):
    """Skip a test locally when ``name`` is unavailable; fail it in CI."""
    message = f"{name} is required: {reason}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with the production hasher costs ~0.5 s a user; tests don't need that strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organisation(db):
    return OrganisationFactory(slug="acme", name="Acme Development Agency")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(slug="rival", name="Rival Council")


@pytest.fixture
def owner(organisation):
    """An admin of ``organisation``."""
    return MembershipFactory(organisation=organisation, role=Role.ADMIN, user=UserFactory(username="owner")).user


@pytest.fixture
def member(organisation):
    """A viewer of ``organisation``."""
    return MembershipFactory(organisation=organisation, role=Role.VIEWER, user=UserFactory(username="member")).user


@pytest.fixture
def officer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.OFFICER, user=UserFactory(username="officer")).user


@pytest.fixture
def outsider(other_organisation):
    """An admin of another organisation."""
    return MembershipFactory(
        organisation=other_organisation, role=Role.ADMIN, user=UserFactory(username="outsider")
    ).user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the public reference data (fixtures/) once per test session, quietly."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
