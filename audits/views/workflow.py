"""The review workflow of an audit (submit, approve, return), new editions, the lineage and comparisons.

Every action is a POST from the audit page's workflow panel (``workflow/_actions.html``): the view checks the
member's role (403), calls one service, and redirects back with a message; a transition the audit's status
does not allow comes back as the service's ``WorkflowError`` message. Another organisation's audit is a 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audits import services, versions
from audits.access import audit_or_404
from audits.services import WorkflowError
from core.access import require_role
from core.models import Role


class ReturnForm(forms.Form):
    comment = forms.CharField(max_length=4000, strip=True)


class CopyToYearForm(forms.Form):
    year = forms.IntegerField(min_value=versions.MIN_YEAR, max_value=versions.MAX_YEAR)


def _back(audit):
    return redirect("audits:detail", audit.pk)


def _attempt(request, action):
    """Run one workflow call and return its result; its ``WorkflowError`` becomes the page's error message."""
    try:
        return action()
    except WorkflowError as error:
        messages.error(request, str(error))
        return None


@login_required
@require_POST
def audit_submit(request, pk):
    audit = audit_or_404(request, pk)
    require_role(request, Role.OFFICER, "submit an audit")
    if _attempt(request, lambda: services.audit_submit(audit=audit, user=request.user)):
        messages.success(request, "Submitted for review and being scored; reviewers can now approve or return it.")
    return _back(audit)


@login_required
@require_POST
def audit_approve(request, pk):
    audit = audit_or_404(request, pk)
    require_role(request, Role.REVIEWER, "approve an audit")
    if _attempt(request, lambda: services.audit_approve(audit=audit, user=request.user)):
        messages.success(request, "Approved and being scored. The audit is locked: start a new version to change it.")
    return _back(audit)


@login_required
@require_POST
def audit_return(request, pk):
    audit = audit_or_404(request, pk)
    require_role(request, Role.REVIEWER, "return an audit")
    form = ReturnForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    if _attempt(request, lambda: services.audit_return(audit=audit, user=request.user, comment=comment)):
        messages.success(request, "Returned to its officers with your comment; they can edit and submit it again.")
    return _back(audit)


@login_required
@require_POST
def audit_new_version(request, pk):
    audit = audit_or_404(request, pk)
    require_role(request, Role.OFFICER, "start a new version of an audit")
    edition = _attempt(request, lambda: versions.audit_new_version(audit=audit, user=request.user))
    if edition is None:
        return _back(audit)
    messages.success(request, f"Started {versions.lineage_label(edition)}: a draft with a copy of every asset.")
    return _back(edition)


@login_required
@require_POST
def audit_copy_to_year(request, pk):
    audit = audit_or_404(request, pk)
    require_role(request, Role.OFFICER, "copy an audit into a new year")
    form = CopyToYearForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Give the new year, between {versions.MIN_YEAR} and {versions.MAX_YEAR}.")
        return _back(audit)
    year = form.cleaned_data["year"]
    edition = _attempt(request, lambda: versions.audit_copy_to_year(audit=audit, user=request.user, year=year))
    if edition is None:
        return _back(audit)
    messages.success(request, f"Started the {year} audit from the {audit.year} one, with a copy of every asset.")
    return _back(edition)


@login_required
@require_GET
def audit_lineage(request, pk):
    """Every edition connected to the audit (versions and years), with links to compare them: a partial or a page."""
    audit = audit_or_404(request, pk)
    context = {"audit": audit, "editions": versions.lineage(audit=audit)}
    template = "audits/workflow/_lineage.html" if request.htmx else "audits/workflow/lineage.html"
    return render(request, template, context)


@login_required
@require_GET
def audit_compare(request, pk, other_pk):
    """What changed between two of the organisation's audits: assets per kind, and candidate scores."""
    audit = audit_or_404(request, pk)
    other = audit_or_404(request, other_pk)
    comparison = versions.audit_compare(audit=audit, other=other)
    return render(request, "audits/workflow/compare.html", {"audit": audit, "comparison": comparison})
