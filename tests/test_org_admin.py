"""Organisation admin: admins list, add, re-role and remove members of the active organisation, and only that."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from core.middleware import SESSION_KEY
from core.models import Membership, Role
from tests.factories import PASSWORD, AuditFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBERS = reverse("members")
ADD = reverse("member_invite")


def role_url(membership):
    return reverse("member_role", args=[membership.pk])


def remove_url(membership):
    return reverse("member_remove", args=[membership.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def admin_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def viewer_membership(member, organisation):
    return Membership.objects.get(user=member, organisation=organisation)


@pytest.fixture
def owner_membership(owner, organisation):
    return Membership.objects.get(user=owner, organisation=organisation)


# --- Listing ------------------------------------------------------------------------------------------------


def test_an_admin_sees_the_members_and_their_roles_and_no_one_elses(admin_client, member, officer, outsider):
    page = admin_client.get(MEMBERS).content.decode()
    for username in ("owner", "member", "officer"):
        assert username in page
    assert "outsider" not in page and "Rival Council" not in page


def test_the_navigation_links_to_member_admin_for_admins_only(client, owner, member):
    client.force_login(owner)
    assert MEMBERS in client.get(reverse("audits:list")).content.decode()
    client.force_login(member)
    assert MEMBERS not in client.get(reverse("audits:list")).content.decode()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OFFICER, Role.REVIEWER])
def test_every_other_role_gets_403(client, organisation, owner, viewer_membership, role):
    user = UserFactory(username=f"a-{role}")
    MembershipFactory(organisation=organisation, user=user, role=role)
    client.force_login(user)
    assert client.get(MEMBERS).status_code == 403
    assert client.post(ADD, {"username": "someone", "role": "viewer"}).status_code == 403
    assert client.post(role_url(viewer_membership), {"role": Role.ADMIN}).status_code == 403
    assert client.post(remove_url(viewer_membership)).status_code == 403
    viewer_membership.refresh_from_db()
    assert viewer_membership.role == Role.VIEWER


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(MEMBERS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Inviting (adding needs the invited account's consent: tests/test_invitations.py) -----------------------


def test_inviting_an_existing_user_does_not_make_them_a_member(admin_client, organisation):
    consultant = UserFactory(username="consultant")
    response = admin_client.post(ADD, {"username": "consultant", "role": Role.REVIEWER})
    assert response.status_code == 200 and "Invitation ready" in response.content.decode()
    assert not Membership.objects.filter(organisation=organisation, user=consultant).exists()
    consultant.refresh_from_db()
    assert consultant.check_password(PASSWORD)  # their own password is untouched


def test_a_member_cannot_be_invited_twice(admin_client, member):
    response = admin_client.post(ADD, {"username": "member", "role": Role.ADMIN})
    assert response.status_code == 400 and "member is already a member" in response.content.decode()
    assert Membership.objects.get(user=member).role == Role.VIEWER


def test_an_unknown_role_is_refused_when_inviting(admin_client):
    response = admin_client.post(ADD, {"username": "nobody", "role": "superuser"})
    assert response.status_code == 400 and not get_user_model().objects.filter(username="nobody").exists()


# --- Roles and removal --------------------------------------------------------------------------------------


def test_an_admin_changes_a_role(admin_client, viewer_membership):
    response = admin_client.post(role_url(viewer_membership), {"role": Role.REVIEWER})
    viewer_membership.refresh_from_db()
    assert response["Location"] == MEMBERS and viewer_membership.role == Role.REVIEWER
    assert messages_of(response) == ["member is now reviewer."]


def test_an_unknown_role_is_refused(admin_client, viewer_membership):
    admin_client.post(role_url(viewer_membership), {"role": "superuser"})
    viewer_membership.refresh_from_db()
    assert viewer_membership.role == Role.VIEWER


def test_an_admin_removes_a_member_but_keeps_their_account(admin_client, member, viewer_membership):
    response = admin_client.post(remove_url(viewer_membership))
    assert response["Location"] == MEMBERS
    assert not Membership.objects.filter(pk=viewer_membership.pk).exists()
    assert get_user_model().objects.filter(pk=member.pk).exists()


def test_the_last_admin_can_neither_step_down_nor_be_removed(admin_client, owner_membership):
    response = admin_client.post(role_url(owner_membership), {"role": Role.VIEWER})
    assert messages_of(response) == [
        "owner is the last admin of Acme Development Agency; make another member an admin first."
    ]
    response = admin_client.post(remove_url(owner_membership))
    assert "last admin" in messages_of(response)[-1]
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.ADMIN


def test_with_a_second_admin_an_admin_may_step_down_and_loses_the_page(
    admin_client, owner_membership, viewer_membership
):
    admin_client.post(role_url(viewer_membership), {"role": Role.ADMIN})
    response = admin_client.post(role_url(owner_membership), {"role": Role.OFFICER})
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OFFICER and response["Location"] == reverse("home")
    assert admin_client.get(MEMBERS).status_code == 403


def test_an_admin_who_leaves_goes_home(admin_client, owner_membership, viewer_membership):
    admin_client.post(role_url(viewer_membership), {"role": Role.ADMIN})
    response = admin_client.post(remove_url(owner_membership))
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=owner_membership.pk).exists()


def test_another_organisations_membership_is_404_and_unchanged(admin_client, outsider, other_organisation):
    foreign = Membership.objects.get(user=outsider, organisation=other_organisation)
    assert admin_client.post(role_url(foreign), {"role": Role.VIEWER}).status_code == 404
    assert admin_client.post(remove_url(foreign)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.ADMIN


def test_an_admin_of_two_organisations_manages_only_the_active_one(client, owner, organisation, other_organisation):
    MembershipFactory(organisation=other_organisation, user=owner, role=Role.ADMIN)
    rival = MembershipFactory(organisation=other_organisation, user=UserFactory(username="rival-viewer"), role="viewer")
    client.force_login(owner)
    session = client.session
    session[SESSION_KEY] = organisation.pk
    session.save()
    assert "rival-viewer" not in client.get(MEMBERS).content.decode()
    assert client.post(remove_url(rival)).status_code == 404
    client.post(reverse("switch_organisation"), {"organisation": other_organisation.pk})
    assert "rival-viewer" in client.get(MEMBERS).content.decode()


# --- The command line keeps the same rule -------------------------------------------------------------------


def test_the_add_member_service_will_not_demote_the_last_admin(organisation, owner):
    from django.core.exceptions import ValidationError

    from core.services import membership_set

    with pytest.raises(ValidationError, match="last admin"):
        membership_set(organisation=organisation, username="owner", role=Role.VIEWER)


# --- A consultant in several organisations ------------------------------------------------------------------


def test_switching_organisation_changes_what_the_audit_list_shows(client, organisation, other_organisation):
    consultant = UserFactory(username="consultant")
    MembershipFactory(organisation=organisation, user=consultant, role=Role.VIEWER)
    MembershipFactory(organisation=other_organisation, user=consultant, role=Role.OFFICER)
    AuditFactory(organisation=organisation, title="Acme cluster audit")
    AuditFactory(organisation=other_organisation, title="Rival cluster audit")
    client.force_login(consultant)

    client.post(reverse("switch_organisation"), {"organisation": organisation.pk})
    page = client.get(reverse("audits:list")).content.decode()
    assert "Acme cluster audit" in page and "Rival cluster audit" not in page

    client.post(reverse("switch_organisation"), {"organisation": other_organisation.pk})
    page = client.get(reverse("audits:list")).content.decode()
    assert "Rival cluster audit" in page and "Acme cluster audit" not in page
