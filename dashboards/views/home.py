"""The home page: the active organisation's audits and the reference data the platform holds."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from audits import selectors as audit_selectors
from core.services import invitations_pending_for
from dashboards import selectors


@login_required
def home(request):
    context = {
        "audits": audit_selectors.audit_list(user=request.user, organisation=request.organisation),
        "reference": selectors.reference_data_summary(user=request.user, organisation=request.organisation),
        "invitations": invitations_pending_for(request.user),
    }
    return render(request, "dashboards/home.html", context)
