"""Membership needs consent: an admin invites, the invited account accepts (home page or link), once, before the
invitation expires; inviting reveals nothing about accounts; a user lands in the organisation they used last,
never in one they have not accepted."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from core import services
from core.middleware import SESSION_KEY
from core.models import Invitation, Membership, Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

INVITE = reverse("member_invite")
LINK = re.compile(r'id="invitation-link"[^>]*>([^<]+)</code>')
NEW_PASSWORD = "tulips in the westerly wind"


@pytest.fixture
def admin_client(client, owner):
    client.force_login(owner)
    return client


def invite(admin_client, username="", role=Role.OFFICER):
    response = admin_client.post(INVITE, {"username": username, "role": role})
    assert response.status_code == 200, response.content.decode()
    return response, LINK.search(response.content.decode()).group(1).strip()


def path_of(link):
    return link.split("testserver", 1)[1]


def test_the_answer_is_the_same_for_an_existing_and_an_unknown_username(admin_client, organisation):
    UserFactory(username="victim", email="victim@elsewhere.example")
    existing, _ = invite(admin_client, "victim")
    unknown, _ = invite(admin_client, "no-such-user")

    def shape(response):
        """The answer to the POST: its status and the new invitation's card, the name and link aside."""
        card = re.search(r'data-testid="new-invitation">(.*?)</div>\s*</div>', response.content.decode(), re.S)
        return response.status_code, re.sub(r"(victim|no-such-user)", "NAME", LINK.sub("LINK", card.group(1)))

    assert shape(existing) == shape(unknown)
    assert "victim@elsewhere.example" not in existing.content.decode()
    assert not Membership.objects.filter(organisation=organisation, user__username="victim").exists()


def test_the_link_is_shown_once_and_only_its_hash_is_kept(admin_client):
    response, link = invite(admin_client, "alice")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == Invitation.hash_token(token) and token not in invitation.token_hash
    assert token not in admin_client.get(reverse("members")).content.decode()


def test_an_invited_user_accepts_from_their_home_page_and_lands_in_the_organisation(client, admin_client, organisation):
    victim = UserFactory(username="victim")
    invite(admin_client, "victim", Role.REVIEWER)
    client.force_login(victim)
    home = client.get(reverse("home")).content.decode()
    assert "Invitations waiting for you" in home and organisation.name in home
    invitation = Invitation.objects.get()
    response = client.post(reverse("invitation_respond", args=[invitation.pk]), {"action": "accept"})
    assert response["Location"] == reverse("home")
    assert Membership.objects.get(user=victim, organisation=organisation).role == Role.REVIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_by == victim and invitation.accepted_at is not None
    assert "Invitations waiting for you" not in client.get(reverse("home")).content.decode()


def test_an_invited_user_may_decline_and_the_invitation_is_then_spent(client, admin_client, organisation):
    victim = UserFactory(username="victim")
    _, link = invite(admin_client, "victim")
    client.force_login(victim)
    invitation = Invitation.objects.get()
    client.post(reverse("invitation_respond", args=[invitation.pk]), {"action": "decline"})
    assert not Membership.objects.filter(user=victim).exists()
    assert client.post(path_of(link)).status_code == 404


def test_an_invitation_for_x_cannot_be_accepted_by_anyone_else(client, admin_client, organisation):
    _, link = invite(admin_client, "victim")
    UserFactory(username="victim")
    other = UserFactory(username="mallory")
    client.force_login(other)
    invitation = Invitation.objects.get()
    assert client.post(reverse("invitation_respond", args=[invitation.pk]), {"action": "accept"}).status_code == 404
    response = client.post(path_of(link))
    assert response.status_code == 403 and "for another account" in response.content.decode()
    assert not Membership.objects.filter(user=other, organisation=organisation).exists()
    # Nor by signing up under another name with the link.
    client.logout()
    response = client.post(
        path_of(link) + "sign-up/", {"username": "mallory2", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 400 and "This invitation is for victim" in response.content.decode()
    assert not get_user_model().objects.filter(username="mallory2").exists()


def test_a_link_only_invitation_is_accepted_once_by_whoever_holds_it(client, admin_client, organisation):
    _, link = invite(admin_client, "", Role.VIEWER)
    first, second = UserFactory(username="first"), UserFactory(username="second")
    client.force_login(first)
    page = client.get(path_of(link)).content.decode()
    assert "Accept as first" in page
    assert client.post(path_of(link))["Location"] == reverse("home")
    assert Membership.objects.get(user=first, organisation=organisation).role == Role.VIEWER
    client.force_login(second)
    assert client.post(path_of(link)).status_code == 404
    assert not Membership.objects.filter(user=second).exists()


def test_an_expired_invitation_cannot_be_accepted(client, admin_client, organisation):
    _, link = invite(admin_client, "")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(UserFactory(username="late"))
    response = client.post(path_of(link))
    assert response.status_code == 404 and "cannot be used" in response.content.decode()
    assert not Membership.objects.filter(organisation=organisation, user__username="late").exists()


def test_a_newcomer_signs_up_from_the_link_and_joins(client, admin_client, organisation):
    _, link = invite(admin_client, "newcomer", Role.OFFICER)
    client.logout()
    page = client.get(path_of(link)).content.decode()
    assert "Create the account and join" in page and "Sign in to accept" in page
    short = client.post(
        path_of(link) + "sign-up/", {"username": "newcomer", "password1": "short", "password2": "short"}
    )
    assert short.status_code == 400 and "too short" in short.content.decode()
    differ = client.post(
        path_of(link) + "sign-up/", {"username": "newcomer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"}
    )
    assert differ.status_code == 400 and not get_user_model().objects.filter(username="newcomer").exists()
    response = client.post(
        path_of(link) + "sign-up/", {"username": "newcomer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("home")
    user = get_user_model().objects.get(username="newcomer")
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).organisation == organisation
    assert client.get(reverse("home")).context["user"] == user


def test_a_signed_out_holder_signs_in_and_comes_back_to_accept(client, admin_client, organisation):
    _, link = invite(admin_client, "consultant")
    UserFactory(username="consultant")
    client.logout()
    page = client.get(path_of(link)).content.decode()
    login = f"{reverse('login')}?next={path_of(link)}"
    assert login.replace("/", "%2F").split("?next=")[1] in page or login in page
    response = client.post(
        reverse("login") + f"?next={path_of(link)}", {"username": "consultant", "password": PASSWORD}
    )
    assert response["Location"] == path_of(link)
    assert client.post(path_of(link))["Location"] == reverse("home")
    assert Membership.objects.filter(user__username="consultant", organisation=organisation).exists()


def test_after_a_fresh_login_a_user_lands_in_their_last_used_organisation(client, organisation, other_organisation):
    """Never the first by name: 'Acme' sorts before 'Rival', yet the user last worked in Rival."""
    consultant = UserFactory(username="consultant")
    MembershipFactory(organisation=organisation, user=consultant, role=Role.VIEWER)
    MembershipFactory(organisation=other_organisation, user=consultant, role=Role.OFFICER)
    client.force_login(consultant)
    client.post(reverse("switch_organisation"), {"organisation": other_organisation.pk})
    client.logout()
    client.force_login(consultant)
    assert SESSION_KEY not in client.session
    assert client.get(reverse("home")).wsgi_request.organisation == other_organisation


def test_an_invitation_never_changes_where_a_user_lands_until_they_accept(client, organisation, other_organisation):
    """An admin of Acme (first by name) invites Rival's admin: after a fresh login they still land in Rival."""
    victim = UserFactory(username="victim")
    MembershipFactory(organisation=other_organisation, user=victim, role=Role.ADMIN)
    services.invitation_create(organisation=organisation, role=Role.VIEWER, username="victim")
    client.force_login(victim)
    assert client.get(reverse("home")).wsgi_request.organisation == other_organisation
    assert list(Membership.objects.filter(user=victim).values_list("organisation", flat=True)) == [
        other_organisation.pk
    ]


def test_a_members_email_is_shown_only_to_admins_of_an_organisation_they_joined(
    admin_client, organisation, other_organisation
):
    from django.test import Client

    victim = UserFactory(username="victim", email="victim@rival.example")
    MembershipFactory(organisation=other_organisation, user=victim, role=Role.ADMIN)
    invite(admin_client, "victim")
    assert "victim@rival.example" not in admin_client.get(reverse("members")).content.decode()
    client = Client()
    client.force_login(victim)
    client.post(reverse("invitation_respond", args=[Invitation.objects.get().pk]), {"action": "accept"})
    assert "victim@rival.example" in admin_client.get(reverse("members")).content.decode()


def test_an_admin_withdraws_an_open_invitation(admin_client, client, organisation):
    _, link = invite(admin_client, "")
    invitation = Invitation.objects.get()
    assert admin_client.post(reverse("invitation_revoke", args=[invitation.pk]))["Location"] == reverse("members")
    client.force_login(UserFactory(username="late"))
    assert client.post(path_of(link)).status_code == 404


def test_operators_still_add_members_directly_from_the_command_line(organisation):
    from django.core.management import call_command

    call_command(
        "add_member", "--org", "acme", "--username", "ops-added", "--role", "viewer", "--password", NEW_PASSWORD
    )
    assert Membership.objects.filter(organisation=organisation, user__username="ops-added").exists()
