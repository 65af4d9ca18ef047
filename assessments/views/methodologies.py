"""The methodology editor: the shipped methodology (read-only), an organisation's clones, and new versions.

Another organisation's methodology is a 404. Officers and above clone and revise; a revision is a new version and
re-scores the audits that used the methodology. Live validation (``…/validate/``, htmx) answers with messages only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments import forms
from assessments.models import Methodology
from assessments.services import ScoringError, methodologies
from core.access import can_write, require_role, visible_or_404
from core.models import Role
from scoring.methodology import MethodologyError, validate_spec

WRITE = "clone or edit methodologies"


def _editable(request, pk):
    """The methodology ``pk`` and whether this user may revise it (an organisation's own, by an officer or above)."""
    methodology = visible_or_404(request, Methodology, pk=pk)
    return methodology, methodology.organisation_id is not None and can_write(request)


@login_required
def methodology_list(request):
    methodologies.methodology_default()
    context = {
        "methodologies": Methodology.objects.for_user(request.user, organisation=request.organisation).select_related(
            "organisation", "parent"
        ),
        "can_write": can_write(request) and request.organisation is not None,
    }
    return render(request, "assessments/methodologies/list.html", context)


@login_required
@require_POST
def methodology_clone(request, pk):
    require_role(request, Role.OFFICER, WRITE)
    if request.organisation is None:
        raise PermissionDenied("Choose an organisation first.")
    source = visible_or_404(request, Methodology, pk=pk)
    name = (request.POST.get("name") or "").strip()[:120] or None
    clone = methodologies.methodology_clone(methodology=source, organisation=request.organisation, name=name)
    messages.success(request, f"Cloned {source.label} as {clone.label}; edit its weights below.")
    return redirect("dashboard_methodology_edit", pk=clone.pk)


@login_required
@require_http_methods(["GET", "POST"])
def methodology_edit(request, pk):
    methodology, editable = _editable(request, pk)
    spec, errors = validate_spec(methodology.spec), []
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("The shipped methodology is read-only; clone it to edit a copy.")
        try:
            edited = forms.spec_from_post(spec, request.POST)
            revised = methodologies.methodology_revise(methodology=methodology, spec=edited)
        except (MethodologyError, ScoringError) as error:
            errors.append(str(error))
        else:
            messages.success(request, f"Saved {revised.label}; audits that used it are being re-scored.")
            return redirect("dashboard_methodology_edit", pk=revised.pk)
    context = {
        "methodology": methodology,
        "editable": editable,
        "axes": forms.editor_rows(spec, request.POST if errors else None),
        "errors": errors,
        "versions": Methodology.objects.filter(organisation=methodology.organisation, name=methodology.name).order_by(
            "-version"
        ),
    }
    return render(request, "assessments/methodologies/edit.html", context, status=400 if errors else 200)


@login_required
@require_POST
def methodology_validate(request, pk):
    methodology, editable = _editable(request, pk)
    if not editable:
        raise PermissionDenied("The shipped methodology is read-only.")
    errors = []
    try:
        validate_spec(forms.spec_from_post(validate_spec(methodology.spec), request.POST))
    except MethodologyError as error:
        errors.append(str(error))
    return render(request, "assessments/_messages.html", {"errors": errors, "clean": not errors})
