"""What-if scenarios of an audit: the list with its form, live validation and re-scoring.

Every read goes through ``for_user`` with the active organisation: another organisation's audit, scenario or
methodology is a 404. Officers and above create and re-score scenarios; viewers read (a write is a 403). Live
validation posts the form to ``…/validate/`` (htmx), which answers with messages only. A scenario's run is
requested on save; in the embedded mode it runs in-process on commit.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anchors.models import AnchorType
from assessments import forms
from assessments.models import Methodology, Scenario
from assessments.services import methodologies, scenarios
from audits.access import audit_or_404
from audits.models import AuditCluster
from core.access import can_write, require_role, visible_or_404
from core.api.throttling import ScoringRateThrottle, page_throttle
from core.models import Role
from scoring.methodology import validate_spec

WRITE = "create or re-score scenarios"
TEMPLATE = "assessments/scenarios/list.html"


def _methodology(request, pk):
    """Methodology ``pk`` if the user may see it (another organisation's is a 404), or None for the default."""
    return visible_or_404(request, Methodology, pk=pk) if pk else None


def _posted_methodology(request):
    """The methodology chosen in the posted form, or None for the default."""
    return _methodology(request, request.POST.get("methodology")) if request.method == "POST" else None


def _weights_basis(request):
    """The methodology whose weights the posted form showed (None: the default)."""
    return _methodology(request, request.POST.get("weights_basis"))


def _weights_context(basis, post=None):
    return {
        "weights": forms.weight_rows(_spec(basis), post),
        "weights_basis": basis.pk if basis else "",
        "weights_basis_label": basis.label if basis else "the default methodology",
    }


def _spec(methodology):
    return validate_spec((methodology or methodologies.methodology_default()).spec)


def _list_context(request, audit, basis, post=None, errors=()):
    candidates = AuditCluster.objects.filter(audit=audit).select_related("cluster").order_by("cluster__name")
    return {
        "audit": audit,
        "scenarios": Scenario.objects.filter(audit=audit).select_related("methodology", "created_by"),
        "baseline": scenarios.baseline_run(audit),
        "candidates": [c.cluster for c in candidates],
        "anchor_types": AnchorType.choices,
        **_weights_context(basis, post),
        "methodologies": Methodology.objects.for_user(request.user, organisation=request.organisation),
        "can_write": can_write(request),
        "post": post or {},
        "errors": list(errors),
    }


@login_required
@require_http_methods(["GET", "POST"])
@page_throttle(ScoringRateThrottle)
def scenario_list(request, pk):
    audit = audit_or_404(request, pk)
    if request.method == "GET":
        return render(request, TEMPLATE, _list_context(request, audit, None))
    require_role(request, Role.OFFICER, WRITE)
    methodology, basis = _posted_methodology(request), _weights_basis(request)
    try:
        scenario = scenarios.scenario_create(
            audit=audit,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            overrides=forms.overrides_from_post(request.POST, _spec(basis)),
            methodology=methodology,
            user=request.user,
        )
    except scenarios.ScenarioError as error:
        context = _list_context(request, audit, basis, request.POST, [str(error)])
        return render(request, TEMPLATE, context, status=400)
    scenarios.scenario_score(scenario=scenario, user=request.user)
    messages.success(request, f"Scenario “{scenario.name}” saved; its scores have been requested.")
    return redirect("dashboard_scenario", pk=scenario.pk)


@login_required
@require_POST
def scenario_validate(request, pk):
    audit = audit_or_404(request, pk)
    require_role(request, Role.OFFICER, WRITE)
    methodology = _posted_methodology(request)
    errors, clean = [], {}
    try:
        overrides = forms.overrides_from_post(request.POST, _spec(_weights_basis(request)))
        clean = scenarios.scenario_validate(audit=audit, overrides=overrides, methodology=methodology)
    except scenarios.ScenarioError as error:
        errors.append(str(error))
    return render(request, "assessments/_messages.html", {"errors": errors, "clean": clean})


@login_required
@require_GET
def scenario_weights(request, pk):
    """The form's weights as the methodology chosen in ``?methodology=`` has them (htmx swaps them in)."""
    audit_or_404(request, pk)
    basis = _methodology(request, request.GET.get("methodology"))
    return render(request, "assessments/scenarios/_weights.html", _weights_context(basis))


@login_required
@require_POST
@page_throttle(ScoringRateThrottle)
def scenario_rescore(request, pk):
    scenario = visible_or_404(request, Scenario, pk=pk)
    require_role(request, Role.OFFICER, WRITE)
    scenarios.scenario_score(scenario=scenario, user=request.user, force=True)
    messages.success(request, "The scenario's scores have been requested again.")
    return redirect("dashboard_scenario", pk=scenario.pk)
