"""Scenario overrides: the pure transforms that turn an audit's engine inputs into a what-if's.

Overrides (``Scenario.overrides``)::

    {
      "add_anchors": [{"name", "anchor_type", "staff", "clusters": [codes], "latitude", "longitude"}],
      "add_jobs": [{"cluster": code, "jobs": int}],          # jobs may be negative
      "weights": {"<axis>.<group>": weight, "<indicator>": weight},
    }

How they change the engine's inputs (nothing is written anywhere; every function returns new objects):

* **add_anchors** — extra rows in the audit's anchors frame with keys ``x:1``, ``x:2``, … (their stakeholder
  group follows the anchor type), tied to the given candidate clusters.
* **add_jobs** — ``jobs`` are added to the audit region × cluster employment of the statistics year, to the
  region's total for the cluster's scope (traded, local or all) and to its all-industry total; when the audit
  region belongs to the benchmark set they are added to the benchmark cluster employment and totals too, so
  LQ and scale stay consistent. The window-start employment is unchanged (the jobs are new), so growth moves
  with them; establishments and payroll are unchanged. The resulting employment may not fall below zero.
* **weights** — set group weights (``right_to_win.anchors``) and indicator weights (``lq``) in a copy of the
  methodology spec, which is then validated.

Pure: this module never imports Django.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from scoring.assets import ANCHOR_GROUPS, ANCHOR_TYPES
from scoring.economic import _TOTAL_KEY, EconomicPanel
from scoring.methodology import AXES, MethodologyError, validate_spec
from scoring.types import AuditFrames

OVERRIDE_KEYS = ("add_anchors", "add_jobs", "weights")
MAX_ANCHORS = 50
MAX_JOBS = 10_000_000
MAX_WEIGHT = 1_000.0

AuditT = TypeVar("AuditT", bound=AuditFrames)


class OverrideError(ValueError):
    """Overrides that cannot be applied, with a message the user can act on."""


# --------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------


def _number(value: Any, where: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OverrideError(f"{where} must be a number, not {value!r}.")
    number: float = value
    if minimum is not None and number < minimum:
        raise OverrideError(f"{where} must not be below {minimum:g}.")
    if maximum is not None and number > maximum:
        raise OverrideError(f"{where} must not be above {maximum:g}.")
    return number


def _cluster(code: Any, where: str, clusters: Collection[str] | None) -> str:
    text = str(code).strip() if code is not None else ""
    if not text:
        raise OverrideError(f"{where}: choose a cluster.")
    if clusters is not None and text not in clusters:
        choices = ", ".join(sorted(clusters)) or "none"
        raise OverrideError(f"{where}: unknown cluster {text!r}; pick one of the audit's candidates ({choices}).")
    return text


def _clean_anchor(n: int, anchor: Any, clusters: Collection[str] | None) -> dict[str, Any]:
    where = f"Added anchor {n}"
    if not isinstance(anchor, dict):
        raise OverrideError(f"{where} must be an object.")
    name = str(anchor.get("name") or "").strip()
    if not name:
        raise OverrideError(f"{where} needs a name.")
    anchor_type = anchor.get("anchor_type")
    if anchor_type not in ANCHOR_TYPES:
        raise OverrideError(f"{where}: anchor type must be one of {', '.join(ANCHOR_TYPES)}.")
    staff = anchor.get("staff")
    staff = None if staff in (None, "") else _number(staff, f"{where}: staff", minimum=0, maximum=MAX_JOBS)
    codes = anchor.get("clusters") or []
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not codes:
        raise OverrideError(f"{where} must anchor at least one cluster.")
    point: dict[str, float | None] = {}
    for key, limit in (("latitude", 90), ("longitude", 180)):
        value = anchor.get(key)
        point[key] = (
            None if value in (None, "") else float(_number(value, f"{where}: {key}", minimum=-limit, maximum=limit))
        )
    return {
        "name": name[:200],
        "anchor_type": anchor_type,
        "staff": staff,
        "clusters": sorted({_cluster(c, where, clusters) for c in codes}),
        **point,
    }


def _clean_jobs(
    jobs: Any, clusters: Collection[str] | None, employment: Mapping[str, float | None] | None
) -> list[dict[str, Any]]:
    if not isinstance(jobs, list):
        raise OverrideError("add_jobs must be a list.")
    totals: dict[str, int] = {}
    for n, item in enumerate(jobs, start=1):
        where = f"Added jobs {n}"
        if not isinstance(item, dict):
            raise OverrideError(f"{where} must be an object.")
        code = _cluster(item.get("cluster"), where, clusters)
        value = item.get("jobs")
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise OverrideError(f"{where}: jobs must be a whole number, not {value!r}.")
        if abs(value) > MAX_JOBS:
            raise OverrideError(f"{where}: jobs must be within ±{MAX_JOBS:,}.")
        totals[code] = totals.get(code, 0) + value
    for code, value in totals.items():
        if employment is not None and code in employment:
            current = employment[code] or 0.0
            if current + value < 0:
                raise OverrideError(
                    f"Removing {-value:,} jobs from cluster {code} would leave negative employment "
                    f"(it has {current:,.0f})."
                )
    return [{"cluster": code, "jobs": value} for code, value in sorted(totals.items())]


def validate_overrides(
    overrides: Any,
    *,
    clusters: Collection[str] | None = None,
    spec: Mapping[str, Any] | None = None,
    employment: Mapping[str, float | None] | None = None,
) -> dict[str, Any]:
    """The overrides, cleaned; raises ``OverrideError``.

    ``clusters`` (codes allowed, e.g. the audit's candidates), ``spec`` (to check weights against) and
    ``employment`` (current employment by cluster code, to refuse a negative result) are checked when given.
    """
    if overrides in (None, ""):
        overrides = {}
    if not isinstance(overrides, dict):
        raise OverrideError("Overrides must be an object.")
    unknown = sorted(set(overrides) - set(OVERRIDE_KEYS))
    if unknown:
        raise OverrideError(f"Unknown override {unknown[0]!r}; use {', '.join(OVERRIDE_KEYS)}.")
    clean: dict[str, Any] = {}

    anchors = overrides.get("add_anchors") or []
    if not isinstance(anchors, list):
        raise OverrideError("add_anchors must be a list.")
    if len(anchors) > MAX_ANCHORS:
        raise OverrideError(f"At most {MAX_ANCHORS} anchors can be added.")
    if anchors:
        clean["add_anchors"] = [_clean_anchor(n, a, clusters) for n, a in enumerate(anchors, start=1)]

    jobs = _clean_jobs(overrides.get("add_jobs") or [], clusters, employment)
    if jobs:
        clean["add_jobs"] = jobs

    weights = overrides.get("weights") or {}
    if not isinstance(weights, dict):
        raise OverrideError("weights must be an object of '<axis>.<group>' or '<indicator>' to a weight.")
    clean_weights = {
        str(key): float(_number(value, f"Weight of {key}", minimum=0, maximum=MAX_WEIGHT))
        for key, value in weights.items()
    }
    if clean_weights:
        if spec is not None:
            apply_weights(spec, clean_weights)
        clean["weights"] = clean_weights
    return clean


# --------------------------------------------------------------------------------------------------------
# Applying overrides
# --------------------------------------------------------------------------------------------------------


def apply_anchors(anchors: pd.DataFrame, add_anchors: list[dict[str, Any]] | None) -> pd.DataFrame:
    """``anchors`` (an audit's anchors frame) with the added anchors as rows keyed ``x:<n>``."""
    if not add_anchors:
        return anchors
    rows = [
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
        for n, anchor in enumerate(add_anchors, start=1)
    ]
    extra = pd.DataFrame(rows, columns=list(anchors.columns) if len(anchors.columns) else None)
    frames = [f for f in (anchors, extra) if len(f)]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else extra.reset_index(drop=True)
    out["research_spend"] = out["research_spend"].astype(float)
    return out


def apply_jobs(
    panel: EconomicPanel, region_code: str, add_jobs: list[dict[str, Any]] | None, *, benchmark_includes_region: bool
) -> EconomicPanel:
    """A copy of ``panel`` with jobs added at ``region_code`` (see the module docstring for what changes)."""
    if not add_jobs:
        return panel
    if region_code not in panel.regions:
        raise OverrideError(f"The audit region {region_code} is not in the panel.")
    r = panel.regions.get_loc(region_code)
    employment = panel.employment.copy()
    region_total = {k: np.array(v, dtype=np.float64, copy=True) for k, v in panel.region_total.items()}
    benchmark_cluster = np.array(panel.benchmark_cluster, dtype=np.float64, copy=True)
    benchmark_total = dict(panel.benchmark_total)
    for item in add_jobs:
        code, jobs = item["cluster"], item["jobs"]
        if code not in panel.clusters:
            raise OverrideError(f"Unknown cluster {code!r}: it has no statistics in this region set.")
        c = panel.clusters.get_loc(code)
        current = 0.0 if np.isnan(employment[r, c]) else float(employment[r, c])
        if current + jobs < 0:
            raise OverrideError(
                f"Removing {-jobs:,} jobs from cluster {code} would leave negative employment (it has {current:,.0f})."
            )
        employment[r, c] = current + jobs
        keys = {_TOTAL_KEY[str(panel.scope[c])], "all"}
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


def apply_weights(spec: Mapping[str, Any], weights: Mapping[str, float] | None) -> dict[str, Any]:
    """A validated copy of ``spec`` with group (``<axis>.<group>``) and indicator (``<indicator>``) weights set."""
    if not weights:
        return dict(spec)
    out = copy.deepcopy(dict(spec))
    axes = out.get("axes", {})
    for key, value in weights.items():
        value = float(_number(value, f"Weight of {key}", minimum=0, maximum=MAX_WEIGHT))
        if "." in key:
            axis, group = key.split(".", 1)
            if axis not in AXES or group not in axes.get(axis, {}):
                raise OverrideError(f"Unknown weight {key!r}: use '<axis>.<group>' such as 'right_to_win.anchors'.")
            axes[axis][group]["weight"] = value
            continue
        found = False
        for groups in axes.values():
            for group in groups.values():
                if key in group["indicators"]:
                    group["indicators"][key]["weight"] = value
                    found = True
        if not found:
            raise OverrideError(f"Unknown indicator {key!r} in weights.")
    try:
        return validate_spec(out)
    except MethodologyError as error:
        raise OverrideError(f"These weights make an invalid methodology: {error}") from error


def apply_overrides(
    panel: EconomicPanel,
    audit: AuditT | None,
    spec: Mapping[str, Any],
    overrides: Any,
    *,
    benchmark_includes_region: bool,
) -> tuple[EconomicPanel, AuditT | None, dict[str, Any]]:
    """``(panel, audit, spec)`` with the overrides applied; the inputs are left untouched.

    ``audit`` is the audit's inputs (any dataclass with ``candidates``, ``anchors`` and ``region_code``).
    """
    clean = validate_overrides(overrides, clusters=set(audit.candidates) if audit is not None else None)
    if audit is not None:
        audit = dataclasses.replace(audit, anchors=apply_anchors(audit.anchors, clean.get("add_anchors")))
        panel = apply_jobs(
            panel, audit.region_code, clean.get("add_jobs"), benchmark_includes_region=benchmark_includes_region
        )
    return panel, audit, apply_weights(spec, clean.get("weights"))
