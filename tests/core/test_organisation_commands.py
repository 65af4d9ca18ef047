"""The create_organisation and add_member commands."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from core.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def test_it_creates_an_organisation_once(capsys):
    call_command("create_organisation", slug="west-midlands", name="West Midlands Combined Authority")
    call_command("create_organisation", slug="west-midlands", name="West Midlands Combined Authority")
    assert Organisation.objects.filter(slug="west-midlands").count() == 1
    out = capsys.readouterr().out
    assert "Created organisation 'west-midlands'" in out and "Already exists" in out


def test_it_refuses_a_bad_slug_or_a_clashing_name():
    with pytest.raises(CommandError, match="slug"):
        call_command("create_organisation", slug="not a slug", name="X")
    call_command("create_organisation", slug="acme", name="Acme")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_organisation", slug="acme", name="Another name")


def test_it_adds_a_member_who_can_log_in(client):
    call_command("create_organisation", slug="acme", name="Acme")
    call_command("add_member", org="acme", username="officer1", role="officer", password="a-long-secret-phrase")
    membership = Membership.objects.get(user__username="officer1")
    assert membership.role == "officer" and membership.organisation.slug == "acme"
    assert client.login(username="officer1", password="a-long-secret-phrase")


def test_it_changes_a_role_without_duplicating_the_membership():
    call_command("create_organisation", slug="acme", name="Acme")
    call_command("add_member", org="acme", username="u", role="viewer")
    call_command("add_member", org="acme", username="u", role="reviewer")
    assert Membership.objects.filter(user__username="u").count() == 1
    assert Membership.objects.get(user__username="u").role == "reviewer"
    assert not get_user_model().objects.get(username="u").has_usable_password()


def test_it_explains_what_is_wrong():
    with pytest.raises(CommandError, match="No organisation with slug 'missing'"):
        call_command("add_member", org="missing", username="u", role="viewer")
    call_command("create_organisation", slug="acme", name="Acme")
    with pytest.raises(CommandError, match="too short"):
        call_command("add_member", org="acme", username="u", role="viewer", password="short")
    assert not get_user_model().objects.filter(username="u").exists()
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("add_member", org="acme", username="u", role="emperor")
