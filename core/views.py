"""Account views: the organisation switcher and member administration (sign-in and sign-out are Django's own).

Member administration acts on the active organisation only: its admins list, add, re-role and remove members;
every other role gets a 403, and another organisation's membership is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core import services
from core.access import require_admin
from core.forms import MemberAddForm, MemberRoleForm, OrganisationSwitchForm
from core.middleware import SESSION_KEY
from core.models import Membership, Role


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


def _members_page(request, add_form=None, status=200):
    memberships = list(
        Membership.objects.filter(organisation=request.organisation).select_related("user").order_by("user__username")
    )
    admin_count = sum(1 for m in memberships if m.role == Role.ADMIN)
    for membership in memberships:
        membership.is_last_admin = membership.role == Role.ADMIN and admin_count == 1
    context = {"memberships": memberships, "add_form": add_form or MemberAddForm(), "roles": Role.choices}
    return render(request, "core/members.html", context, status=status)


@login_required
@require_GET
def members(request):
    """The active organisation's members with their roles, and a form to add one."""
    require_admin(request, "manage its members")
    return _members_page(request)


@login_required
@require_POST
def member_add(request):
    require_admin(request, "manage its members")
    form = MemberAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership, created = services.membership_add(
                organisation=request.organisation,
                username=data["username"],
                role=data["role"],
                password=data["password1"] or None,
                email=data["email"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            account = "a new account" if created else "their existing account"
            messages.success(
                request, f"Added {membership.user.username} as {membership.get_role_display().lower()} ({account})."
            )
            return redirect("members")
    return _members_page(request, add_form=form, status=400)


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
