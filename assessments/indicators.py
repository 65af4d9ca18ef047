"""What each indicator is, for the people reading it: how its raw value reads, what gives it a value, and which
audit checks feed it. One table for the score pages, the completeness meter, the maps and the API.

Labels, weights and axes belong to the methodology (``scoring.methodology``); this is the rest.
"""

from dataclasses import dataclass

# Kinds: ``ratio`` (2 decimals), ``share`` (0–1 as %), ``rate`` (a yearly change as %/yr), ``points`` (a yearly
# difference in percentage points), ``index`` (0–1, 2 decimals), ``count`` (thousands separators), ``stars`` (of 5).


@dataclass(frozen=True)
class Indicator:
    kind: str
    unit: str
    fed_by: str  # what would give a missing value one, in the words of the audit pages
    checks: tuple[str, ...] = ()  # the completeness checks (``audits.completeness``) that feed it


_STATISTICS = "employment statistics for this region and cluster"
_WINDOW = "statistics for the start of the growth window in this peer group"
_RELATED = "employment statistics for the related clusters"
_NETWORK = "record partnerships between the cluster's anchors and stakeholders"
_NATIONAL = "national statistics over a growth window for this classification"

INDICATORS = {
    "lq": Indicator("ratio", "", _STATISTICS),
    "scale": Indicator("share", " of national jobs", _STATISTICS),
    "competitive_shift": Indicator("share", " of start jobs", _WINDOW),
    "cagr": Indicator("rate", "/yr", _WINDOW),
    "relatedness_density": Indicator("share", "", _RELATED),
    "related_strength": Indicator("ratio", "", _RELATED),
    "anchor_strength": Indicator("index", " / 1", "record anchor institutions tied to this cluster", ("anchors",)),
    "asset_proximity": Indicator(
        "index", " / 1", "give the cluster's anchors and stakeholders a location", ("located",)
    ),
    "ecosystem_completeness": Indicator(
        "index", " / 1", "record stakeholders tied to this cluster, ideally in all five groups", ("groups",)
    ),
    "collaboration_density": Indicator("share", "", _NETWORK, ("partnerships",)),
    "cross_sector_share": Indicator("share", "", _NETWORK, ("partnerships",)),
    "largest_component_share": Indicator("share", "", _NETWORK, ("partnerships",)),
    "talent": Indicator(
        "count", " per 10k jobs", "enter relevant graduates a year for this candidate cluster", ("talent",)
    ),
    "innovation": Indicator(
        "count", " per 10k jobs", "enter patents a year for this candidate cluster", ("innovation",)
    ),
    "research_intensity": Indicator(
        "count", "k per job", "enter research spend for this candidate cluster", ("innovation",)
    ),
    "national_growth": Indicator("rate", "/yr", _NATIONAL),
    "industry_mix": Indicator("points", " pp/yr", _NATIONAL),
    "projected_growth": Indicator("rate", "/yr", "add a sourced market forecast for this cluster", ("forecast",)),
    "job_quality": Indicator("ratio", "× avg wage", "wage statistics for this cluster"),
    "priority_alignment": Indicator(
        "share", "", "select priority frameworks that include this cluster", ("frameworks", "priority")
    ),
    "trend_score": Indicator(
        "stars", " / 5", "rate this cluster against the trend themes (1–5, with evidence)", ("ratings",)
    ),
    "investment_momentum": Indicator(
        "rate", " y/y", "enter the year-on-year change in investment for this candidate cluster", ("investment",)
    ),
}
_UNKNOWN = Indicator("ratio", "", "data for this indicator")

AXIS_LABELS = {"right_to_win": "Right to win", "want_to_win": "Want to win"}
_GROUP_LABELS = {"talent_innovation": "Talent & innovation", "market_growth": "Market growth"}


def group_label(group):
    """A methodology group's name for people ("market_growth" → "Market growth")."""
    return _GROUP_LABELS.get(group, group.replace("_", " ").capitalize())


def indicator(key):
    """The metadata of indicator ``key`` (a plain ratio for an indicator this table does not know)."""
    return INDICATORS.get(key, _UNKNOWN)


def fed_by_check(check):
    """The indicators that the completeness check ``check`` feeds, in table order."""
    return tuple(key for key, meta in INDICATORS.items() if check in meta.checks)


def format_indicator(key, value):
    """An indicator's raw value in words and units, e.g. ``1.79``, ``3.7%``, ``+2.4%/yr``, ``3.8 / 5``."""
    if value is None or value != value:
        return "—"
    meta = indicator(key)
    kind, unit = meta.kind, meta.unit
    if kind == "share":
        percent = value * 100
        return f"{percent:,.{2 if abs(percent) < 1 and percent else 1}f}%{unit}"
    if kind == "rate":
        return f"{value * 100:+,.1f}%{unit}".replace("-", "−")
    if kind == "points":
        return f"{value * 100:+,.1f}{unit}".replace("-", "−")
    if kind == "count":
        return f"{value:,.{0 if abs(value) >= 100 else 1}f}{unit}"
    if kind == "stars":
        return f"{value:.1f}{unit}"
    return f"{value:,.2f}{unit}"
