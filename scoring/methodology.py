"""Methodologies: which indicators, how they are normalised, weighted and aggregated, and the quadrant thresholds.

A methodology is plain JSON-compatible data (stored on ``assessments.Methodology.spec``). ``DEFAULT_SPEC`` is
methodology v1, read from the JSON file shipped beside this module; ``validate_spec`` checks an edited copy
and returns it in canonical form, so a stored spec is always complete and its fingerprint stable.
"""

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from scoring.types import Json, Spec

AXES = ("right_to_win", "want_to_win")
NORMALISATIONS = ("percentile", "minmax", "zscore", "target", "goalposts")
DEFAULT_NORMALISATIONS = ("percentile", "minmax", "zscore")  # the ones Monte Carlo may swap between
AGGREGATIONS = ("arithmetic", "geometric")
TRANSFORMS = ("none", "log1p")


class MethodologyError(ValueError):
    """A methodology spec that cannot be used; the message says which field and why."""


# Methodology v1 ships as data (``methodologies/default-v1.json``). Group weights are relative within an axis and
# indicator weights relative within a group; both are renormalised over what is present for a unit, and the
# share of weight present is the coverage. A new default is a new file and a new version, never an edit.
DEFAULT_SPEC_PATH = Path(__file__).with_name("methodologies") / "default-v1.json"
DEFAULT_SPEC: Json = json.loads(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))


def default_spec() -> Json:
    """A fresh copy of methodology v1."""
    return copy.deepcopy(DEFAULT_SPEC)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MethodologyError(f"{where} must be a number, not {value!r}.")
    if value != value or value in (float("inf"), float("-inf")):
        raise MethodologyError(f"{where} must be finite.")
    return float(value)


def _choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise MethodologyError(f"{where} must be one of {', '.join(choices)}; got {value!r}.")
    return str(value)


def validate_spec(spec: Any) -> Json:
    """Check a methodology spec and return it in canonical form (defaults filled in, numbers as floats).

    Raises ``MethodologyError`` naming the first problem: unknown axes, negative or non-numeric weights, an
    axis with no positive weight, bad normalisation/aggregation names, goalposts that are not increasing,
    thresholds outside 0–100.
    """
    if not isinstance(spec, dict):
        raise MethodologyError("A methodology must be an object.")
    base = default_spec()
    out: Json = {
        "name": str(spec.get("name", base["name"])),
        "version": int(spec.get("version", 1)),
        "normalisation": _choice(
            spec.get("normalisation", base["normalisation"]), NORMALISATIONS[:3] + ("target",), "normalisation"
        ),
        "aggregation": _choice(spec.get("aggregation", base["aggregation"]), AGGREGATIONS, "aggregation"),
    }
    outliers = {**base["outliers"], **(spec.get("outliers") or {})}
    out["outliers"] = {
        "enabled": bool(outliers["enabled"]),
        "skew": _number(outliers["skew"], "outliers.skew"),
        "kurtosis": _number(outliers["kurtosis"], "outliers.kurtosis"),
        "winsorise_max_share": _number(outliers["winsorise_max_share"], "outliers.winsorise_max_share"),
    }
    if not 0 <= out["outliers"]["winsorise_max_share"] <= 0.5:
        raise MethodologyError("outliers.winsorise_max_share must be between 0 and 0.5.")
    thresholds = {**base["thresholds"], **(spec.get("thresholds") or {})}
    out["thresholds"] = {}
    for axis in AXES:
        value = _number(thresholds[axis], f"thresholds.{axis}")
        if not 0 < value < 100:
            raise MethodologyError(f"thresholds.{axis} must be between 0 and 100 (exclusive).")
        out["thresholds"][axis] = value
    uncertainty = {**base["uncertainty"], **(spec.get("uncertainty") or {})}
    draws = uncertainty["draws"]
    if isinstance(draws, bool) or not isinstance(draws, int) or not 0 <= draws <= 10000:
        raise MethodologyError("uncertainty.draws must be a whole number from 0 to 10,000.")
    noise = _number(uncertainty["weight_noise"], "uncertainty.weight_noise")
    if not 0 <= noise < 1:
        raise MethodologyError("uncertainty.weight_noise must be at least 0 and below 1.")
    out["uncertainty"] = {"draws": draws, "weight_noise": noise, "seed": int(uncertainty["seed"])}

    axes = spec.get("axes")
    if not isinstance(axes, dict) or set(axes) != set(AXES):
        raise MethodologyError("axes must have exactly right_to_win and want_to_win.")
    out["axes"] = {}
    seen: set[str] = set()
    for axis in AXES:
        groups = axes[axis]
        if not isinstance(groups, dict) or not groups:
            raise MethodologyError(f"axes.{axis} needs at least one group.")
        out["axes"][axis] = {}
        axis_weight = 0.0
        for group_key, group in groups.items():
            where = f"axes.{axis}.{group_key}"
            weight = _number(group.get("weight"), f"{where}.weight")
            if weight < 0:
                raise MethodologyError(f"{where}.weight must not be negative.")
            indicators = group.get("indicators")
            if not isinstance(indicators, dict) or not indicators:
                raise MethodologyError(f"{where} needs at least one indicator.")
            clean: dict[str, Json] = {}
            group_weight = 0.0
            for key, indicator in indicators.items():
                iwhere = f"{where}.indicators.{key}"
                if key in seen:
                    raise MethodologyError(f"{iwhere}: indicator {key!r} appears twice.")
                seen.add(key)
                iweight = _number(indicator.get("weight", 1.0), f"{iwhere}.weight")
                if iweight < 0:
                    raise MethodologyError(f"{iwhere}.weight must not be negative.")
                direction = indicator.get("direction", 1)
                if direction not in (1, -1):
                    raise MethodologyError(f"{iwhere}.direction must be 1 or -1.")
                entry: Json = {
                    "label": str(indicator.get("label", key)),
                    "weight": iweight,
                    "direction": direction,
                    "description": str(indicator.get("description", "")),
                    "transform": _choice(indicator.get("transform", "none"), TRANSFORMS, f"{iwhere}.transform"),
                }
                if "normalisation" in indicator:
                    entry["normalisation"] = _choice(
                        indicator["normalisation"], NORMALISATIONS, f"{iwhere}.normalisation"
                    )
                if entry.get("normalisation") == "goalposts":
                    posts = indicator.get("goalposts")
                    if not (isinstance(posts, list | tuple) and len(posts) == 2):
                        raise MethodologyError(f"{iwhere}.goalposts must be [low, high].")
                    low, high = (_number(p, f"{iwhere}.goalposts") for p in posts)
                    if not low < high:
                        raise MethodologyError(f"{iwhere}.goalposts must be increasing.")
                    entry["goalposts"] = [low, high]
                if entry.get("normalisation") == "target" or out["normalisation"] == "target":
                    if "target" in indicator:
                        entry["target"] = _number(indicator["target"], f"{iwhere}.target")
                        if entry["target"] <= 0:
                            raise MethodologyError(f"{iwhere}.target must be positive.")
                    elif entry.get("normalisation") == "target":
                        raise MethodologyError(f"{iwhere} uses target normalisation but has no target.")
                clean[key] = entry
                group_weight += iweight
            if group_weight <= 0:
                raise MethodologyError(f"{where}: at least one indicator needs a positive weight.")
            out["axes"][axis][group_key] = {"weight": weight, "indicators": clean}
            axis_weight += weight
        if axis_weight <= 0:
            raise MethodologyError(f"axes.{axis}: at least one group needs a positive weight.")
    return out


def spec_fingerprint(spec: Spec) -> str:
    """SHA-256 of the canonical spec: two specs with the same meaning have the same fingerprint."""
    text = json.dumps(validate_spec(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def indicator_table(spec: Spec) -> list[tuple[str, str, str, float, Json]]:
    """One row per indicator: (axis, group, key, effective nominal weight within its axis, entry).

    The effective weight is group share × indicator share within the group; it sums to 1 over an axis.
    """
    rows = []
    for axis in AXES:
        groups = spec["axes"][axis]
        total = sum(g["weight"] for g in groups.values())
        for group_key, group in groups.items():
            inner = sum(i["weight"] for i in group["indicators"].values())
            for key, entry in group["indicators"].items():
                effective = (group["weight"] / total) * (entry["weight"] / inner) if total and inner else 0.0
                rows.append((axis, group_key, key, effective, entry))
    return rows
