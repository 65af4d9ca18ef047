"""Cluster organisation maturity: a transparent, cumulative rule set (DESIGN.md §3; anchors.md §13, §16).

Pure Python: never imports Django. Stages, each requiring the one before it:

* **organised** — the ECCP profile baseline: at least 0.5 FTE of cluster management, at least 15 members and at
  least 2 member types (triple helix).
* **emerging** — at least 25 members (Strategy Tools: an emerging cluster has 25–50, up to about 100, members).
* **growth** — stable or mixed funding (not project-only), a formal legal entity, at least 50 members and annual
  reporting.
* **supercluster** — a board, a CEO, at least 3 FTE of staff, a budget, all five stakeholder groups among the
  members or the ecosystem, members across regions or borders, and a strong economic cluster (the CMP "strong"
  flag; ``None`` = not known, which leaves the criterion unmet and marked ``unknown``).

A missing fact (``None``) is treated the same way: the criterion is unmet and ``unknown`` is True, so the
explanation can say "not recorded" rather than "no".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from scoring.types import Json

GROUPS = ("corporate", "capital", "government", "academia", "entrepreneurship")
STAGES = ("organised", "emerging", "growth", "supercluster")

ORGANISED_FTE = 0.5
ORGANISED_MEMBERS = 15
ORGANISED_MEMBER_TYPES = 2
EMERGING_MEMBERS = 25
GROWTH_MEMBERS = 50
GROWTH_FUNDING = ("stable", "mixed")
SUPERCLUSTER_FTE = 3.0


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _fmt(x: object) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _criterion(
    criterion: str, required: str, value: str | None, met: bool, unknown: bool = False, step: str = ""
) -> Json:
    return {
        "criterion": criterion,
        "required": required,
        "value": "not recorded" if unknown and value is None else value,
        "met": bool(met) and not unknown,
        "unknown": bool(unknown),
        "step": step,
    }


def _at_least(criterion: str, raw: Any, threshold: float, unit: str, step: str) -> Json:
    """A numeric ``≥ threshold`` criterion; None → unknown."""
    value = _number(raw)
    if value is None:
        return _criterion(criterion, f"at least {_fmt(threshold)} {unit}", None, False, True, step)
    shown = _fmt(int(value) if value.is_integer() else value)
    return _criterion(criterion, f"at least {_fmt(threshold)} {unit}", f"{shown} {unit}", value >= threshold, step=step)


def _yes(criterion: str, raw: Any, step: str) -> Json:
    """A yes/no criterion; None → unknown."""
    if raw is None:
        return _criterion(criterion, "yes", None, False, True, step)
    return _criterion(criterion, "yes", "yes" if raw else "no", bool(raw), step=step)


def _criteria(
    facts: Mapping[str, Any], stakeholder_groups: Iterable[str] | None, strong_cluster: bool | None
) -> dict[str, list[Json]]:
    members = facts.get("members_count")
    types = facts.get("member_types")
    distinct = sorted({str(t) for t in types if t}) if types is not None else None
    fte = facts.get("management_fte")

    organised = [
        _at_least(
            "Cluster management staff",
            fte,
            ORGANISED_FTE,
            "FTE",
            f"Dedicate at least {ORGANISED_FTE:g} FTE to managing the cluster.",
        ),
        _at_least(
            "Committed members",
            members,
            ORGANISED_MEMBERS,
            "members",
            f"Sign up at least {ORGANISED_MEMBERS} committed members.",
        ),
        _criterion(
            "Types of member (triple helix)",
            f"at least {ORGANISED_MEMBER_TYPES} types",
            None if distinct is None else f"{len(distinct)} ({', '.join(distinct) or 'none'})",
            distinct is not None and len(distinct) >= ORGANISED_MEMBER_TYPES,
            distinct is None,
            "Recruit members of at least two types (e.g. firms and a university or public body).",
        ),
    ]
    emerging = [
        _at_least(
            "Members", members, EMERGING_MEMBERS, "members", f"Grow the membership to at least {EMERGING_MEMBERS}."
        ),
    ]
    funding = facts.get("funding_model")
    growth = [
        _criterion(
            "Funding model",
            "stable or mixed funding",
            funding or None,
            funding in GROWTH_FUNDING,
            not funding,  # None or "" = not recorded
            "Move from project-only funding to stable or mixed funding (e.g. membership fees plus grants).",
        ),
        _yes(
            "Formal organisation (legal entity)",
            facts.get("formal_legal_entity"),
            "Constitute the cluster organisation as a legal entity.",
        ),
        _at_least("Members", members, GROWTH_MEMBERS, "members", f"Grow the membership to at least {GROWTH_MEMBERS}."),
        _yes("Annual reporting", facts.get("annual_reporting"), "Publish an annual report on activities and results."),
    ]
    groups = None if stakeholder_groups is None else {str(g) for g in stakeholder_groups}
    missing = [g for g in GROUPS if groups is not None and g not in groups]
    regions = _number(facts.get("regions_spanned"))
    cross_border = facts.get("cross_border")
    reach_unknown = regions is None and cross_border is None
    reach_value = None
    if not reach_unknown:
        parts = [f"{_fmt(int(regions))} region(s)" if regions is not None else "regions not recorded"]
        parts.append("cross-border" if cross_border else "not cross-border")
        reach_value = ", ".join(parts)
    budget = _number(facts.get("annual_budget"))
    supercluster = [
        _yes("Board", facts.get("has_board"), "Set up a formal board."),
        _yes("Chief executive", facts.get("has_ceo"), "Appoint a chief executive."),
        _at_least(
            "Staff",
            fte,
            SUPERCLUSTER_FTE,
            "FTE",
            f"Build a secretariat of at least {SUPERCLUSTER_FTE:g} FTE.",
        ),
        _criterion(
            "Budget",
            "an annual budget",
            None if budget is None else f"{budget:,.0f}",
            budget is not None and budget > 0,
            budget is None,
            "Agree an annual budget.",
        ),
        _criterion(
            "All five stakeholder groups",
            "corporate, capital, government, academia and entrepreneurship",
            None
            if groups is None
            else f"{5 - len(missing)} of 5" + (f" (missing {', '.join(missing)})" * bool(missing)),
            groups is not None and not missing,
            groups is None,
            "Bring in the missing stakeholder groups: " + ", ".join(missing or GROUPS) + ".",
        ),
        _criterion(
            "Members across regions or borders",
            "members in at least 2 regions, or cross-border",
            reach_value,
            (regions is not None and regions >= 2) or bool(cross_border),
            reach_unknown,
            "Recruit members from neighbouring regions or across the border.",
        ),
        _criterion(
            "Strong economic cluster",
            "a strong cluster (U.S. Cluster Mapping rule)",
            None if strong_cluster is None else ("strong" if strong_cluster else "not strong"),
            strong_cluster is True,
            strong_cluster is None,
            "Build the underlying economic cluster to a strong position (specialisation, scale).",
        ),
    ]
    return {"organised": organised, "emerging": emerging, "growth": growth, "supercluster": supercluster}


def maturity_stage(
    facts: Mapping[str, Any] | None, stakeholder_groups: Iterable[str] | None, strong_cluster: bool | None
) -> Json:
    """The stage a cluster organisation has reached, with every criterion shown, and the next steps.

    ``facts``: members_count, member_types (list), management_fte, has_board, has_ceo, annual_budget, funding_model
    ("project"/"mixed"/"stable"/""), formal_legal_entity, annual_reporting, regions_spanned, cross_border (missing
    keys or None = not recorded). ``stakeholder_groups``: the groups present among members/ecosystem.
    ``strong_cluster``: True/False, None if unknown.

    Returns ``{"stage", "stages": [{"stage", "reached", "criteria": [{"criterion", "required", "value", "met",
    "unknown", "step"}]}], "next_steps": [...]}``; ``next_steps`` are the unmet criteria of the first stage not
    reached (empty at supercluster).
    """
    criteria = _criteria(dict(facts or {}), stakeholder_groups, strong_cluster)
    stage, reached_so_far = "none", True
    stages: list[Json] = []
    next_steps: list[str] = []
    for name in STAGES:
        own = criteria[name]
        reached = reached_so_far and all(c["met"] for c in own)
        if reached:
            stage = name
        elif reached_so_far:  # the first stage not reached: its unmet criteria are the next steps
            next_steps = [
                f"{c['criterion']}: not recorded yet. {c['step']}" if c["unknown"] else c["step"]
                for c in own
                if not c["met"]
            ]
        reached_so_far = reached
        stages.append({"stage": name, "reached": reached, "criteria": own})
    return {"stage": stage, "stages": stages, "next_steps": next_steps}
