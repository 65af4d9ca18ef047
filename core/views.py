"""Account views: the organisation switcher (sign-in and sign-out are Django's own views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.forms import OrganisationSwitchForm
from core.middleware import SESSION_KEY
from core.models import Membership


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
