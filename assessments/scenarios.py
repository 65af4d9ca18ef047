"""Scenarios: an audit plus overrides, scored like an audit and shown as a delta.

Overrides (``Scenario.overrides``)::

    {
      "add_anchors": [{"name", "anchor_type", "staff", "clusters": [codes], "latitude", "longitude"}],
      "add_jobs": [{"cluster": code, "jobs": int}],          # jobs may be negative
      "weights": {"<axis>.<group>": weight, "<indicator>": weight},
    }

How they change the engine's inputs (the pure ``apply_*`` functions; nothing is written to the audit):

* **add_anchors** — extra rows in ``AuditInputs.anchors`` with keys ``x:1``, ``x:2``, … (their stakeholder
  group follows the anchor type), tied to the given candidate clusters.
* **add_jobs** — ``jobs`` are added to the audit region × cluster employment of the statistics year, to the
  region's total for the cluster's scope (traded, local or all) and to its all-industry total; when the audit
  region belongs to the benchmark set they are added to the benchmark cluster employment and totals too, so
  LQ and scale stay consistent. The window-start employment is unchanged (the jobs are new), so growth moves
  with them; establishments and payroll are unchanged. The resulting employment may not fall below zero.
* **weights** — set group weights (``right_to_win.anchors``) and indicator weights (``lq``) in a copy of the
  methodology spec, which is then validated. (The stored explanation of a scenario's scores names the
  methodology version's own weights.)
"""

import copy
import dataclasses
import math

import numpy as np
import pandas as pd
from django.db import transaction

from anchors.models import ANCHOR_GROUPS, AnchorType
from assessments.models import AuditCluster, Scenario, Score, ScoreRun
from assessments.scoring.economic import _TOTAL_KEY
from assessments.scoring.methodology import AXES, MethodologyError, validate_spec
from assessments.services import ScoringError, methodology_default, score_run_request
from core.models import RunStatus

OVERRIDE_KEYS = ("add_anchors", "add_jobs", "weights")
MAX_ANCHORS = 50
MAX_JOBS = 10_000_000


class ScenarioError(ScoringError):
    """Overrides that cannot be applied, with a message the user can act on."""


# --------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------


def _number(value, where, *, minimum=None):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where} must be a number, not {value!r}.")
    if minimum is not None and value < minimum:
        raise ScenarioError(f"{where} must not be below {minimum}.")
    return value


def _cluster(code, where, clusters):
    code = str(code).strip() if code is not None else ""
    if not code:
        raise ScenarioError(f"{where}: choose a cluster.")
    if clusters is not None and code not in clusters:
        choices = ", ".join(sorted(clusters)) or "none"
        raise ScenarioError(f"{where}: unknown cluster {code!r}; pick one of the audit's candidates ({choices}).")
    return code


def validate_overrides(overrides, *, clusters=None, spec=None, employment=None):
    """The overrides, cleaned; raises ``ScenarioError``.

    ``clusters`` (codes allowed, e.g. the audit's candidates), ``spec`` (to check weights against) and
    ``employment`` (current employment by cluster code, to refuse a negative result) are checked when given.
    """
    if overrides in (None, ""):
        overrides = {}
    if not isinstance(overrides, dict):
        raise ScenarioError("Overrides must be an object.")
    unknown = sorted(set(overrides) - set(OVERRIDE_KEYS))
    if unknown:
        raise ScenarioError(f"Unknown override {unknown[0]!r}; use {', '.join(OVERRIDE_KEYS)}.")
    clean = {}

    anchors = overrides.get("add_anchors") or []
    if not isinstance(anchors, list):
        raise ScenarioError("add_anchors must be a list.")
    if len(anchors) > MAX_ANCHORS:
        raise ScenarioError(f"At most {MAX_ANCHORS} anchors can be added.")
    clean_anchors = []
    for n, anchor in enumerate(anchors, start=1):
        where = f"Added anchor {n}"
        if not isinstance(anchor, dict):
            raise ScenarioError(f"{where} must be an object.")
        name = str(anchor.get("name") or "").strip()
        if not name:
            raise ScenarioError(f"{where} needs a name.")
        anchor_type = anchor.get("anchor_type")
        if anchor_type not in AnchorType.values:
            raise ScenarioError(f"{where}: anchor type must be one of {', '.join(AnchorType.values)}.")
        staff = anchor.get("staff")
        staff = None if staff in (None, "") else _number(staff, f"{where}: staff", minimum=0)
        codes = anchor.get("clusters") or []
        if isinstance(codes, str):
            codes = [codes]
        if not codes:
            raise ScenarioError(f"{where} must anchor at least one cluster.")
        codes = sorted({_cluster(c, where, clusters) for c in codes})
        point = {}
        for key, limit in (("latitude", 90), ("longitude", 180)):
            value = anchor.get(key)
            if value in (None, ""):
                point[key] = None
                continue
            value = _number(value, f"{where}: {key}")
            if abs(value) > limit:
                raise ScenarioError(f"{where}: {key} must be between -{limit} and {limit}.")
            point[key] = float(value)
        clean_anchors.append(
            {"name": name[:200], "anchor_type": anchor_type, "staff": staff, "clusters": codes, **point}
        )
    if clean_anchors:
        clean["add_anchors"] = clean_anchors

    jobs = overrides.get("add_jobs") or []
    if not isinstance(jobs, list):
        raise ScenarioError("add_jobs must be a list.")
    totals = {}
    for n, item in enumerate(jobs, start=1):
        where = f"Added jobs {n}"
        if not isinstance(item, dict):
            raise ScenarioError(f"{where} must be an object.")
        code = _cluster(item.get("cluster"), where, clusters)
        value = item.get("jobs")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{where}: jobs must be a whole number, not {value!r}.")
        if abs(value) > MAX_JOBS:
            raise ScenarioError(f"{where}: jobs must be within ±{MAX_JOBS:,}.")
        totals[code] = totals.get(code, 0) + value
    for code, value in totals.items():
        if employment is not None and code in employment:
            current = employment[code] or 0.0
            if current + value < 0:
                raise ScenarioError(
                    f"Removing {-value:,} jobs from cluster {code} would leave negative employment "
                    f"(it has {current:,.0f})."
                )
    if totals:
        clean["add_jobs"] = [{"cluster": code, "jobs": value} for code, value in sorted(totals.items())]

    weights = overrides.get("weights") or {}
    if not isinstance(weights, dict):
        raise ScenarioError("weights must be an object of '<axis>.<group>' or '<indicator>' to a weight.")
    clean_weights = {}
    for key, value in weights.items():
        clean_weights[str(key)] = float(_number(value, f"Weight of {key}", minimum=0))
    if clean_weights:
        if spec is not None:
            apply_weights(spec, clean_weights)
        clean["weights"] = clean_weights
    return clean


# --------------------------------------------------------------------------------------------------------
# Applying overrides (pure)
# --------------------------------------------------------------------------------------------------------


def apply_anchors(anchors, add_anchors):
    """``anchors`` (an ``AuditInputs.anchors`` frame) with the added anchors as rows keyed ``x:<n>``."""
    if not add_anchors:
        return anchors
    rows = []
    for n, anchor in enumerate(add_anchors, start=1):
        rows.append(
            {
                "pk": None,
                "name": anchor["name"],
                "anchor_type": anchor["anchor_type"],
                "staff": anchor.get("staff"),
                "students": None,
                "research_spend": np.nan,
                "patents": None,
                "spinouts": None,
                "latitude": anchor.get("latitude"),
                "longitude": anchor.get("longitude"),
                "key": f"x:{n}",
                "group": ANCHOR_GROUPS[anchor["anchor_type"]],
                "clusters": list(anchor["clusters"]),
            }
        )
    extra = pd.DataFrame(rows, columns=list(anchors.columns) if len(anchors.columns) else None)
    frames = [f for f in (anchors, extra) if len(f)]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else extra.reset_index(drop=True)
    out["research_spend"] = out["research_spend"].astype(float)
    return out


def apply_jobs(panel, region_code, add_jobs, *, benchmark_includes_region):
    """A copy of ``panel`` with jobs added at ``region_code`` (see the module docstring for what changes)."""
    if not add_jobs:
        return panel
    if region_code not in panel.regions:
        raise ScenarioError(f"The audit region {region_code} is not in the panel.")
    r = panel.regions.get_loc(region_code)
    employment = panel.employment.copy()
    region_total = {k: np.array(v, dtype=np.float64, copy=True) for k, v in panel.region_total.items()}
    benchmark_cluster = np.array(panel.benchmark_cluster, dtype=np.float64, copy=True)
    benchmark_total = dict(panel.benchmark_total)
    for item in add_jobs:
        code, jobs = item["cluster"], item["jobs"]
        if code not in panel.clusters:
            raise ScenarioError(f"Unknown cluster {code!r}: it has no statistics in this region set.")
        c = panel.clusters.get_loc(code)
        current = 0.0 if np.isnan(employment[r, c]) else float(employment[r, c])
        if current + jobs < 0:
            raise ScenarioError(
                f"Removing {-jobs:,} jobs from cluster {code} would leave negative employment (it has {current:,.0f})."
            )
        employment[r, c] = current + jobs
        key = _TOTAL_KEY[str(panel.scope[c])]
        keys = {key, "all"}
        for k in keys:
            if k in region_total:
                region_total[k][r] = np.nan_to_num(region_total[k][r]) + jobs
        if benchmark_includes_region:
            benchmark_cluster[c] = np.nan_to_num(benchmark_cluster[c]) + jobs
            for k in keys:
                if k in benchmark_total:
                    benchmark_total[k] = benchmark_total[k] + jobs
    return dataclasses.replace(
        panel,
        employment=employment,
        region_total=region_total,
        benchmark_cluster=benchmark_cluster,
        benchmark_total=benchmark_total,
    )


def apply_weights(spec, weights):
    """A validated copy of ``spec`` with group (``<axis>.<group>``) and indicator (``<indicator>``) weights set."""
    if not weights:
        return spec
    out = copy.deepcopy(spec)
    axes = out.get("axes", {})
    for key, value in weights.items():
        value = float(_number(value, f"Weight of {key}", minimum=0))
        if "." in key:
            axis, group = key.split(".", 1)
            if axis not in AXES or group not in axes.get(axis, {}):
                raise ScenarioError(f"Unknown weight {key!r}: use '<axis>.<group>' such as 'right_to_win.anchors'.")
            axes[axis][group]["weight"] = value
            continue
        found = False
        for groups in axes.values():
            for group in groups.values():
                if key in group["indicators"]:
                    group["indicators"][key]["weight"] = value
                    found = True
        if not found:
            raise ScenarioError(f"Unknown indicator {key!r} in weights.")
    try:
        return validate_spec(out)
    except MethodologyError as error:
        raise ScenarioError(f"These weights make an invalid methodology: {error}") from error


def apply_overrides(panel, audit, spec, overrides, *, benchmark_includes_region):
    """``(panel, audit, spec)`` with the overrides applied; the inputs are left untouched."""
    clean = validate_overrides(overrides, clusters=set(audit.candidates) if audit is not None else None)
    if audit is not None:
        audit = dataclasses.replace(audit, anchors=apply_anchors(audit.anchors, clean.get("add_anchors")))
        panel = apply_jobs(
            panel, audit.region_code, clean.get("add_jobs"), benchmark_includes_region=benchmark_includes_region
        )
    return panel, audit, apply_weights(spec, clean.get("weights"))


def apply_to_run(run, panel, audit, spec):
    """What ``services._engine`` calls for a scenario run."""
    if audit is None:
        raise ScenarioError("A scenario needs an audit.")
    includes = run.region_set.benchmark_set.regions.filter(pk=run.audit.region_id).exists()
    return apply_overrides(panel, audit, spec, run.scenario.overrides, benchmark_includes_region=includes)


# --------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------


def baseline_run(audit):
    """The audit's latest succeeded run without a scenario (the "before" of every scenario), or None."""
    return (
        ScoreRun.objects.filter(audit=audit, scenario=None, status=RunStatus.SUCCEEDED)
        .order_by("is_stale", "-finished_at")
        .first()
    )


def candidate_codes(audit):
    return set(AuditCluster.objects.filter(audit=audit).values_list("cluster__code", flat=True))


def baseline_employment(audit):
    """Employment by candidate cluster code in the baseline run (empty if the audit has not been scored)."""
    run = baseline_run(audit)
    if run is None:
        return {}
    return dict(
        Score.objects.filter(run=run, region=audit.region_id, candidate=True).values_list("cluster__code", "employment")
    )


def scenario_validate(*, audit, overrides, methodology=None):
    """Cleaned overrides for ``audit``; raises ``ScenarioError`` with a message to show."""
    spec = (methodology or methodology_default()).spec
    return validate_overrides(
        overrides, clusters=candidate_codes(audit), spec=spec, employment=baseline_employment(audit)
    )


@transaction.atomic
def scenario_create(*, audit, name, overrides, methodology=None, user=None, description=""):
    """Validate and save a scenario of ``audit`` (in the audit's organisation)."""
    name = (name or "").strip()
    if not name:
        raise ScenarioError("A scenario needs a name.")
    if methodology is not None and methodology.organisation_id not in (None, audit.organisation_id):
        raise ScenarioError("That methodology belongs to another organisation.")
    clean = scenario_validate(audit=audit, overrides=overrides, methodology=methodology)
    if not clean:
        raise ScenarioError("Add an anchor, add jobs or change a weight: the scenario changes nothing yet.")
    return Scenario.objects.create(
        organisation=audit.organisation,
        audit=audit,
        name=name[:200],
        description=description,
        overrides=clean,
        methodology=methodology,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def scenario_score(*, scenario, user=None, force=False):
    """Request the scenario's run (and the audit's baseline if it has none); returns ``(run, created)``."""
    if baseline_run(scenario.audit) is None:
        score_run_request(
            audit=scenario.audit, methodology=scenario.methodology, trigger="scenario baseline", user=user
        )
    return score_run_request(
        audit=scenario.audit,
        scenario=scenario,
        methodology=scenario.methodology or None,
        trigger="scenario",
        user=user,
        force=force,
    )


def scenario_latest_run(scenario):
    return scenario.runs.order_by("-created_at").first()
