"""What-if scenarios of an audit and the methodology editor.

Every read goes through ``for_user`` with the active organisation: another organisation's audit, scenario or
methodology is a 404. Officers, reviewers and admins create scenarios and edit methodologies; viewers read
(a write is a 403). Live validation posts the form to a ``…/validate/`` endpoint (htmx) that answers with
messages only. A scenario's run is requested on save; in the embedded mode it runs in-process on commit.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anchors.models import AnchorType
from assessments.models import Methodology, Scenario, Score
from assessments.services import ScoringError, methodologies, scenarios
from audits import selectors as audit_selectors
from audits.models import AuditCluster
from core.models import Role, RunStatus
from dashboards import scenario_charts
from dashboards.region import thresholds_of
from scoring.methodology import AXES, MethodologyError, indicator_table, validate_spec

AXIS_LABELS = {"right_to_win": "Right to win", "want_to_win": "Want to win"}


# --------------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------------


def _can_write(request):
    membership = getattr(request, "membership", None)
    return membership is not None and Role.rank(membership.role) >= Role.rank(Role.OFFICER)


def _require_write(request):
    if not _can_write(request):
        raise PermissionDenied("Viewers can read scenarios and methodologies but not change them.")


def _audit(request, pk):
    return get_object_or_404(
        audit_selectors.audit_queryset(user=request.user, organisation=request.organisation), pk=pk
    )


def _scenario(request, pk):
    return get_object_or_404(
        Scenario.objects.for_user(request.user, organisation=request.organisation).select_related(
            "audit", "audit__region", "methodology"
        ),
        pk=pk,
    )


def _methodologies(request):
    return Methodology.objects.for_user(request.user, organisation=request.organisation)


# --------------------------------------------------------------------------------------------------------
# Scenario form
# --------------------------------------------------------------------------------------------------------


def _number(value):
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return value  # validate_overrides says what is wrong with it
    return int(number) if number.is_integer() else number


def overrides_from_post(post, spec):
    """Overrides from the what-if form: one anchor, one jobs change, and the group weights that differ from ``spec``."""
    overrides = {}
    anchor_name = (post.get("anchor_name") or "").strip()
    if anchor_name:
        overrides["add_anchors"] = [
            {
                "name": anchor_name,
                "anchor_type": post.get("anchor_type") or "",
                "staff": _number(post.get("anchor_staff")),
                "clusters": [c for c in post.getlist("anchor_clusters") if c],
                "latitude": _number(post.get("anchor_latitude")),
                "longitude": _number(post.get("anchor_longitude")),
            }
        ]
    jobs = _number(post.get("jobs"))
    if jobs not in (None, 0):
        overrides["add_jobs"] = [{"cluster": post.get("jobs_cluster") or "", "jobs": jobs}]
    weights = {}
    for axis in AXES:
        for group, entry in spec["axes"][axis].items():
            value = _number(post.get(f"weight_{axis}.{group}"))
            if value is not None and value != entry["weight"]:
                weights[f"{axis}.{group}"] = value
    if weights:
        overrides["weights"] = weights
    return overrides


def _weight_rows(spec, post=None):
    rows = []
    for axis in AXES:
        for group, entry in spec["axes"][axis].items():
            name = f"weight_{axis}.{group}"
            value = post.get(name) if post is not None and name in post else entry["weight"]
            rows.append({"axis": AXIS_LABELS[axis], "group": group, "name": name, "value": value})
    return rows


def _form_methodology(request, audit):
    pk = request.POST.get("methodology") if request.method == "POST" else None
    if pk:
        return get_object_or_404(_methodologies(request), pk=pk)
    return None


def _scenario_context(request, audit, post=None, errors=None):
    methodology = _form_methodology(request, audit)
    spec = validate_spec((methodology or methodologies.methodology_default()).spec)
    candidates = list(AuditCluster.objects.filter(audit=audit).select_related("cluster").order_by("cluster__name"))
    return {
        "audit": audit,
        "scenarios": Scenario.objects.filter(audit=audit).select_related("methodology", "created_by"),
        "baseline": scenarios.baseline_run(audit),
        "candidates": [c.cluster for c in candidates],
        "anchor_types": AnchorType.choices,
        "weights": _weight_rows(spec, post),
        "methodologies": _methodologies(request),
        "can_write": _can_write(request),
        "post": post or {},
        "errors": errors or [],
    }


@login_required
@require_http_methods(["GET", "POST"])
def scenario_list(request, pk):
    audit = _audit(request, pk)
    if request.method == "POST":
        _require_write(request)
        methodology = _form_methodology(request, audit)
        spec = validate_spec((methodology or methodologies.methodology_default()).spec)
        try:
            scenario = scenarios.scenario_create(
                audit=audit,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
                overrides=overrides_from_post(request.POST, spec),
                methodology=methodology,
                user=request.user,
            )
        except scenarios.ScenarioError as error:
            context = _scenario_context(request, audit, request.POST, [str(error)])
            return render(request, "dashboards/scenarios/list.html", context, status=400)
        scenarios.scenario_score(scenario=scenario, user=request.user)
        messages.success(request, f"Scenario “{scenario.name}” saved; its scores have been requested.")
        return redirect("dashboard_scenario", pk=scenario.pk)
    return render(request, "dashboards/scenarios/list.html", _scenario_context(request, audit))


@login_required
@require_POST
def scenario_validate(request, pk):
    audit = _audit(request, pk)
    _require_write(request)
    methodology = _form_methodology(request, audit)
    spec = validate_spec((methodology or methodologies.methodology_default()).spec)
    errors, clean = [], {}
    try:
        clean = scenarios.scenario_validate(
            audit=audit, overrides=overrides_from_post(request.POST, spec), methodology=methodology
        )
    except scenarios.ScenarioError as error:
        errors.append(str(error))
    return render(request, "dashboards/scenarios/_messages.html", {"errors": errors, "clean": clean})


def scenario_comparison(scenario):
    """``(before run, after run, delta rows)`` for a scenario's candidate clusters."""
    before = scenarios.baseline_run(scenario.audit)
    after = scenarios.scenario_latest_run(scenario)

    def candidates(run):
        if run is None or run.status != RunStatus.SUCCEEDED:
            return []
        return list(Score.objects.filter(run=run, candidate=True).select_related("cluster"))

    return before, after, scenario_charts.deltas(candidates(before), candidates(after))


@login_required
def scenario_detail(request, pk):
    scenario = _scenario(request, pk)
    before, after, rows = scenario_comparison(scenario)
    chart = ""
    ready = after is not None and after.status == RunStatus.SUCCEEDED and before is not None
    if ready and any(d.placed for d in rows):
        chart = scenario_charts.arrow_chart(rows, thresholds_of(after))
    context = {
        "scenario": scenario,
        "audit": scenario.audit,
        "before": before,
        "after": after,
        "rows": rows,
        "chart": chart,
        "overrides": scenario.overrides,
        "can_write": _can_write(request),
    }
    return render(request, "dashboards/scenarios/detail.html", context)


@login_required
@require_POST
def scenario_rescore(request, pk):
    scenario = _scenario(request, pk)
    _require_write(request)
    scenarios.scenario_score(scenario=scenario, user=request.user, force=True)
    messages.success(request, "The scenario's scores have been requested again.")
    return redirect("dashboard_scenario", pk=scenario.pk)


# --------------------------------------------------------------------------------------------------------
# Methodology editor
# --------------------------------------------------------------------------------------------------------


@login_required
def methodology_list(request):
    methodologies.methodology_default()
    context = {
        "methodologies": _methodologies(request).select_related("organisation", "parent"),
        "can_write": _can_write(request) and request.organisation is not None,
    }
    return render(request, "dashboards/scenarios/methodologies.html", context)


@login_required
@require_POST
def methodology_clone(request, pk):
    _require_write(request)
    if request.organisation is None:
        raise PermissionDenied("Choose an organisation first.")
    source = get_object_or_404(_methodologies(request), pk=pk)
    name = (request.POST.get("name") or "").strip()[:120] or None
    clone = methodologies.methodology_clone(methodology=source, organisation=request.organisation, name=name)
    messages.success(request, f"Cloned {source.label} as {clone.label}; edit its weights below.")
    return redirect("dashboard_methodology_edit", pk=clone.pk)


def spec_from_post(spec, post):
    """A copy of ``spec`` with group and indicator weights from the editor form (values left as typed)."""
    out = {**spec, "axes": {}}
    for axis in AXES:
        out["axes"][axis] = {}
        for group, entry in spec["axes"][axis].items():
            indicators = {}
            for key, indicator in entry["indicators"].items():
                indicators[key] = {**indicator, "weight": _number(post.get(f"i:{axis}.{group}.{key}"))}
            out["axes"][axis][group] = {
                **entry,
                "weight": _number(post.get(f"g:{axis}.{group}")),
                "indicators": indicators,
            }
    return out


def _editor_rows(spec, post=None):
    """Groups with their indicators and the current (or posted) weights, and each indicator's effective share."""
    effective = {(axis, group, key): share for axis, group, key, share, _ in indicator_table(spec)}
    axes = []
    for axis in AXES:
        groups = []
        for group, entry in spec["axes"][axis].items():
            name = f"g:{axis}.{group}"
            indicators = []
            for key, indicator in entry["indicators"].items():
                iname = f"i:{axis}.{group}.{key}"
                indicators.append({
                    "key": key,
                    "label": indicator.get("label", key),
                    "name": iname,
                    "value": post.get(iname) if post is not None else indicator["weight"],
                    "effective": effective.get((axis, group, key), 0.0) * 100,
                })  # fmt: skip
            groups.append({"key": group, "label": group.replace("_", " ").capitalize(), "name": name,
                           "indicators": indicators,
                           "value": post.get(name) if post is not None else entry["weight"]})  # fmt: skip
        axes.append({"key": axis, "label": AXIS_LABELS[axis], "groups": groups})
    return axes


def _editable(request, pk):
    methodology = get_object_or_404(_methodologies(request), pk=pk)
    return methodology, methodology.organisation_id is not None and _can_write(request)


@login_required
@require_http_methods(["GET", "POST"])
def methodology_edit(request, pk):
    methodology, editable = _editable(request, pk)
    spec = validate_spec(methodology.spec)
    errors = []
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("The shipped methodology is read-only; clone it to edit a copy.")
        try:
            revised = methodologies.methodology_revise(methodology=methodology, spec=spec_from_post(spec, request.POST))
        except (MethodologyError, ScoringError) as error:
            errors.append(str(error))
        else:
            messages.success(request, f"Saved {revised.label}; audits that used it are being re-scored.")
            return redirect("dashboard_methodology_edit", pk=revised.pk)
    context = {
        "methodology": methodology,
        "editable": editable,
        "axes": _editor_rows(spec, request.POST if errors else None),
        "errors": errors,
        "versions": Methodology.objects.filter(organisation=methodology.organisation, name=methodology.name).order_by(
            "-version"
        ),
    }
    return render(request, "dashboards/scenarios/methodology_edit.html", context, status=400 if errors else 200)


@login_required
@require_POST
def methodology_validate(request, pk):
    methodology, editable = _editable(request, pk)
    if not editable:
        raise PermissionDenied("The shipped methodology is read-only.")
    errors = []
    try:
        validate_spec(spec_from_post(validate_spec(methodology.spec), request.POST))
    except MethodologyError as error:
        errors.append(str(error))
    return render(request, "dashboards/scenarios/_messages.html", {"errors": errors, "clean": not errors})
