"""Account views: the organisation switcher, member administration and invitations (sign-in and sign-out are
Django's own).

Member administration acts on the active organisation only: its admins list, invite, re-role and remove members;
every other role gets a 403, and another organisation's membership is a 404. Nobody is added without consent: an
invitation is accepted by the account it names (from its home page or the link) or, without a name, by whoever
holds the link, once, before it expires.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import services
from core.access import require_admin
from core.forms import InvitationForm, MemberRoleForm, OrganisationSwitchForm, SignUpForm
from core.middleware import SESSION_KEY
from core.models import Invitation, Membership, Role


@login_required
@require_POST
def switch_organisation(request):
    """Make one of the user's organisations the active one; any other organisation is a 404."""
    form = OrganisationSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404("No such organisation.")
    membership = get_object_or_404(
        Membership.objects.select_related("organisation"),
        user=request.user,
        organisation_id=form.cleaned_data["organisation"],
    )
    request.session[SESSION_KEY] = membership.organisation_id
    services.membership_mark_used(membership=membership)
    messages.success(request, f"You are now working in {membership.organisation.name}.")
    target = form.cleaned_data["next"]
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("home")


def _member_or_404(request, pk):
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"), pk=pk, organisation=request.organisation
    )


def _after_change(request):
    """Back to the member list, or home if the acting admin has just given up the admin role."""
    if Membership.objects.filter(pk=request.membership.pk, role=Role.ADMIN).exists():
        return redirect("members")
    return redirect("home")


def _members_page(request, invite_form=None, created=None, status=200):
    memberships = list(
        Membership.objects.filter(organisation=request.organisation).select_related("user").order_by("user__username")
    )
    admin_count = sum(1 for m in memberships if m.role == Role.ADMIN)
    for membership in memberships:
        membership.is_last_admin = membership.role == Role.ADMIN and admin_count == 1
    context = {
        "memberships": memberships,
        "invitations": Invitation.objects.open().filter(organisation=request.organisation).select_related("invited_by"),
        "invite_form": invite_form or InvitationForm(),
        "created": created,
        "roles": Role.choices,
    }
    return render(request, "core/members.html", context, status=status)


@login_required
@require_GET
def members(request):
    """The active organisation's members with their roles, its open invitations, and a form to invite someone."""
    require_admin(request, "manage its members")
    return _members_page(request)


@never_cache
@login_required
@require_POST
def member_invite(request):
    """Make an invitation and answer with the page itself, its link shown once (the same answer for any username)."""
    require_admin(request, "manage its members")
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = services.invitation_create(
                organisation=request.organisation,
                role=form.cleaned_data["role"],
                username=form.cleaned_data["username"],
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            link = request.build_absolute_uri(reverse("invitation", args=[token]))
            return _members_page(request, created={"invitation": invitation, "link": link})
    return _members_page(request, invite_form=form, status=400)


@login_required
@require_POST
def invitation_revoke(request, pk):
    require_admin(request, "manage its members")
    invitation = get_object_or_404(Invitation.objects.open(), pk=pk, organisation=request.organisation)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, "Withdrew the invitation: its link no longer works.")
    return redirect("members")


# --------------------------------------------------------------------------------------------------------
# Accepting an invitation
# --------------------------------------------------------------------------------------------------------


def _land_in(request, membership):
    """Work in the organisation just joined, now and after the next sign-in."""
    request.session[SESSION_KEY] = membership.organisation_id
    messages.success(request, f"You joined {membership.organisation.name} as {membership.get_role_display().lower()}.")
    return redirect("home")


def _invitation_page(request, invitation, token, sign_up_form=None, status=200):
    context = {
        "invitation": invitation,
        "token": token,
        "usable": invitation is not None and invitation.is_open,
        "sign_up_form": sign_up_form or SignUpForm(initial={"username": getattr(invitation, "username", "")}),
    }
    return render(request, "core/invitation.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The link of an invitation: signed in, accept it (POST); signed out, sign up below or sign in and come back.

    A wrong, used or expired link is a 404 with the same page, so a link says nothing about other invitations.
    """
    invitation = services.invitation_by_token(token)
    if invitation is None or not invitation.is_open:
        return _invitation_page(request, None, token, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _invitation_page(request, invitation, token, status=403)
        return _land_in(request, membership)
    return _invitation_page(request, invitation, token)


@never_cache
@require_POST
def invitation_sign_up(request, token):
    """Make an account (username, password twice, validated), sign in with it and accept the invitation."""
    invitation = services.invitation_by_token(token)
    if invitation is None or not invitation.is_open:
        return _invitation_page(request, None, token, status=404)
    if request.user.is_authenticated:
        return redirect("invitation", token=token)
    form = SignUpForm(request.POST)
    if invitation.username and request.POST.get("username", "").strip() != invitation.username:
        form.add_error("username", f"This invitation is for {invitation.username}: sign up with that username.")
    if not form.is_valid():
        return _invitation_page(request, invitation, token, sign_up_form=form, status=400)
    with transaction.atomic():
        user = services.user_sign_up(username=form.cleaned_data["username"], password=form.cleaned_data["password1"])
        membership = services.invitation_accept(invitation=invitation, user=user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return _land_in(request, membership)


@login_required
@require_POST
def invitation_respond(request, pk):
    """Accept or decline, from the home page, an invitation addressed to the signed-in user's username."""
    invitation = get_object_or_404(services.invitations_pending_for(request.user), pk=pk)
    try:
        if request.POST.get("action") == "accept":
            return _land_in(request, services.invitation_accept(invitation=invitation, user=request.user))
        services.invitation_decline(invitation=invitation, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, f"Declined the invitation to {invitation.organisation.name}.")
    return redirect("home")


@login_required
@require_POST
def member_role(request, pk):
    require_admin(request, "manage its members")
    membership = _member_or_404(request, pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("members")
    try:
        services.membership_change_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.username} is now {membership.get_role_display().lower()}.")
    return _after_change(request)


@login_required
@require_POST
def member_remove(request, pk):
    require_admin(request, "manage its members")
    membership = _member_or_404(request, pk)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("members")
    messages.success(request, f"Removed {membership.user.username} from {request.organisation.name}.")
    if membership.user_id == request.user.pk:  # an admin who left this organisation
        return redirect("home")
    return redirect("members")
