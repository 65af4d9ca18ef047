"""Methodologies: which indicators, how they are normalised, weighted and aggregated, and the quadrant thresholds.

A methodology is plain JSON-compatible data (stored on ``assessments.Methodology.spec``). ``DEFAULT_SPEC`` is
methodology v1; ``validate_spec`` checks an edited copy and returns it in canonical form, so a stored spec is
always complete and its fingerprint stable.
"""

import copy
import hashlib
import json

AXES = ("right_to_win", "want_to_win")
NORMALISATIONS = ("percentile", "minmax", "zscore", "target", "goalposts")
DEFAULT_NORMALISATIONS = ("percentile", "minmax", "zscore")  # the ones Monte Carlo may swap between
AGGREGATIONS = ("arithmetic", "geometric")
TRANSFORMS = ("none", "log1p")


class MethodologyError(ValueError):
    """A methodology spec that cannot be used; the message says which field and why."""


def _indicator(label, weight=1.0, direction=1, description="", **options):
    return {"label": label, "weight": weight, "direction": direction, "description": description, **options}


# Methodology v1. Group weights are relative within an axis and indicator weights relative within a group;
# both are renormalised over what is present for a unit, and the share of weight present is the coverage.
DEFAULT_SPEC = {
    "name": "Cluster Platform default",
    "version": 1,
    "normalisation": "percentile",
    "aggregation": "arithmetic",
    "outliers": {"enabled": True, "skew": 2.0, "kurtosis": 3.5, "winsorise_max_share": 0.05},
    "thresholds": {"right_to_win": 50.0, "want_to_win": 50.0},
    "uncertainty": {"draws": 200, "weight_noise": 0.25, "seed": 20161},
    "axes": {
        "right_to_win": {
            "specialisation": {
                "weight": 0.25,
                "indicators": {
                    "lq": _indicator(
                        "Location quotient",
                        0.6,
                        description="Cluster share of regional employment "
                        "relative to the benchmark's (traded/local denominators).",
                    ),
                    "scale": _indicator("Scale", 0.4, description="Share of the benchmark's cluster employment."),
                },
            },
            "momentum": {
                "weight": 0.10,
                "indicators": {
                    "competitive_shift": _indicator(
                        "Regional competitive effect",
                        description="Shift-share competitive effect per job at the window start.",
                    ),
                    "cagr": _indicator("Cluster employment growth", 0.5, description="Regional cluster CAGR."),
                },
            },
            "related": {
                "weight": 0.15,
                "indicators": {
                    "relatedness_density": _indicator(
                        "Relatedness density",
                        description="Related clusters in which the region is specialised, weighted by relatedness.",
                    ),
                    "related_strength": _indicator(
                        "Related-cluster strength", description="Relatedness-weighted LQ of related clusters."
                    ),
                },
            },
            "anchors": {
                "weight": 0.15,
                "indicators": {
                    "anchor_strength": _indicator(
                        "Anchor strength",
                        normalisation="goalposts",
                        goalposts=[0.0, 1.0],
                        description="Anchors tied to the cluster, weighted by type and size, saturating.",
                    ),
                },
            },
            "proximity": {
                "weight": 0.10,
                "indicators": {
                    "asset_proximity": _indicator(
                        "Proximity of assets",
                        normalisation="goalposts",
                        goalposts=[0.0, 1.0],
                        description="Share of the cluster's anchors and stakeholders within walking distance "
                        "of the densest point, and how close they are to one another.",
                    ),
                },
            },
            "ecosystem": {
                "weight": 0.15,
                "indicators": {
                    "ecosystem_completeness": _indicator(
                        "Ecosystem completeness",
                        normalisation="goalposts",
                        goalposts=[0.0, 1.0],
                        description="How many of the five stakeholder groups are present, and how evenly.",
                    ),
                    "collaboration_density": _indicator(
                        "Network density", 0.4, normalisation="goalposts", goalposts=[0.0, 0.5]
                    ),
                    "cross_sector_share": _indicator(
                        "Cross-sector ties", 0.3, normalisation="goalposts", goalposts=[0.0, 0.5]
                    ),
                    "largest_component_share": _indicator(
                        "Connected share", 0.3, normalisation="goalposts", goalposts=[0.0, 1.0]
                    ),
                },
            },
            "talent_innovation": {
                "weight": 0.10,
                "indicators": {
                    "talent": _indicator(
                        "Relevant graduates per 10,000 jobs",
                        normalisation="goalposts",
                        goalposts=[0.0, 6.0],
                        transform="log1p",
                    ),
                    "innovation": _indicator(
                        "Patents per 10,000 jobs", normalisation="goalposts", goalposts=[0.0, 5.0], transform="log1p"
                    ),
                    "research_intensity": _indicator(
                        "Research spend per job (thousands)",
                        normalisation="goalposts",
                        goalposts=[0.0, 4.0],
                        transform="log1p",
                    ),
                },
            },
        },
        "want_to_win": {
            "market_growth": {
                "weight": 0.30,
                "indicators": {
                    "national_growth": _indicator(
                        "National cluster growth", description="Benchmark cluster employment CAGR over the window."
                    ),
                    "industry_mix": _indicator(
                        "Industry-mix effect", 0.5, description="National cluster growth above overall growth."
                    ),
                },
            },
            "projected_growth": {
                "weight": 0.20,
                "indicators": {
                    "projected_growth": _indicator(
                        "Projected growth",
                        normalisation="goalposts",
                        goalposts=[-0.02, 0.08],
                        description="Annual growth implied by a sourced forecast.",
                    ),
                },
            },
            "job_quality": {
                "weight": 0.15,
                "indicators": {
                    "job_quality": _indicator("Job quality", description="Cluster wage relative to all industries."),
                },
            },
            "priority": {
                "weight": 0.20,
                "indicators": {
                    "priority_alignment": _indicator(
                        "Priority alignment",
                        normalisation="goalposts",
                        goalposts=[0.0, 1.0],
                        description="Weight of the cluster in the selected priority frameworks.",
                    ),
                },
            },
            "trends": {
                "weight": 0.10,
                "indicators": {
                    "trend_score": _indicator(
                        "Trend themes",
                        normalisation="goalposts",
                        goalposts=[1.0, 5.0],
                        description="Mean expert rating (1–5) against the trend themes.",
                    ),
                },
            },
            "investment": {
                "weight": 0.05,
                "indicators": {
                    "investment_momentum": _indicator(
                        "Investment momentum",
                        normalisation="goalposts",
                        goalposts=[-0.25, 0.5],
                        description="Year-on-year change in venture investment.",
                    ),
                },
            },
        },
    },
}


def default_spec():
    """A fresh copy of methodology v1."""
    return copy.deepcopy(DEFAULT_SPEC)


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MethodologyError(f"{where} must be a number, not {value!r}.")
    if value != value or value in (float("inf"), float("-inf")):
        raise MethodologyError(f"{where} must be finite.")
    return float(value)


def _choice(value, choices, where):
    if value not in choices:
        raise MethodologyError(f"{where} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def validate_spec(spec):
    """Check a methodology spec and return it in canonical form (defaults filled in, numbers as floats).

    Raises ``MethodologyError`` naming the first problem: unknown axes, negative or non-numeric weights, an
    axis with no positive weight, bad normalisation/aggregation names, goalposts that are not increasing,
    thresholds outside 0–100.
    """
    if not isinstance(spec, dict):
        raise MethodologyError("A methodology must be an object.")
    base = default_spec()
    out = {
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
    seen = set()
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
            clean = {}
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
                entry = {
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


def spec_fingerprint(spec):
    """SHA-256 of the canonical spec: two specs with the same meaning have the same fingerprint."""
    text = json.dumps(validate_spec(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def indicator_table(spec):
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
