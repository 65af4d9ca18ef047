"""The engine end to end: an economic panel (and optionally an audit's assets and market inputs) to scores.

``run`` computes the economic indicators for every region × cluster of the peer group, adds the audit's
asset and market indicators to the audited region's rows, and scores everything under the methodology.
Monte Carlo can run inline or be split by region chunks (``monte_carlo_rows``) so several workers share it;
the draws are seeded and sampled up front, so a split run gives the same numbers as an inline one.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scoring import composite
from scoring.assets import asset_indicators
from scoring.economic import EconomicPanel, economic_indicators
from scoring.market import market_indicators
from scoring.maturity import maturity_stage
from scoring.partners import partner_strategy
from scoring.types import AuditFrames, Json, Spec

STRONG_FLAGS = ("strong", "strong10", "significant", "qualifying")


@dataclass
class EngineResult:
    """Everything a run stores: per-unit economics, composite inputs and scores, and run-level results."""

    economics: pd.DataFrame  # (region, cluster) -> economic indicators
    inputs: pd.DataFrame  # (region, cluster) -> the methodology's raw indicator values
    scores: pd.DataFrame  # (region, cluster) -> axes, coverage, quadrant, strategy, rank (+ intervals)
    prepared: composite.Prepared
    results: Json = field(default_factory=dict)  # coverage, treatment, maturity, partner strategy


def composite_inputs(
    economics: pd.DataFrame,
    national_growth: "pd.Series[float] | None" = None,
    national_overall: float | None = None,
) -> pd.DataFrame:
    """The raw values of the economic and market indicators the methodology names, per unit.

    ``national_growth`` (a Series by cluster) replaces the panel's own national CAGR when the panel has no
    growth window (U.S. Cluster Mapping data carries one year; growth then comes from another source).
    """
    frame = pd.DataFrame(index=economics.index)
    frame["lq"] = economics["lq"]
    frame["scale"] = economics["scale"]
    start = economics["employment"] - economics["job_creation"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["competitive_shift"] = np.where(start > 0, economics["ss_competitive"] / start, np.nan)
        frame["industry_mix"] = np.where(start > 0, economics["ss_industry_mix"] / start, np.nan)
    frame["cagr"] = economics["cagr"]
    frame["relatedness_density"] = economics["relatedness_density"]
    frame["related_strength"] = economics["related_strength"]
    frame["national_growth"] = economics["national_cagr"]
    frame["job_quality"] = economics["job_quality"]
    if national_growth is not None and frame["national_growth"].isna().all():
        clusters = economics.index.get_level_values("cluster")
        frame["national_growth"] = national_growth.reindex(clusters).to_numpy()
        if national_overall is not None:
            frame["industry_mix"] = frame["national_growth"] - national_overall
    return frame


def _audit_indicators(audit: AuditFrames, economics: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Asset and market indicators for the audited region's candidate clusters (rows of that region only)."""
    region = audit.region_code
    regional = economics.xs(region, level="region") if region in economics.index.get_level_values(0) else None
    employment = (
        regional["employment"].reindex(audit.candidates)
        if regional is not None
        else pd.Series(np.nan, index=audit.candidates)
    )
    assets = asset_indicators(
        audit.candidates,
        audit.anchors,
        audit.stakeholders,
        audit.partnerships,
        audit.cluster_inputs,
        employment,
    )
    market = market_indicators(
        audit.candidates,
        audit.forecasts,
        audit.priorities,
        audit.frameworks_selected,
        audit.trend_ratings,
        audit.cluster_inputs,
    )
    return assets, market


def _maturity(audit: AuditFrames, economics: pd.DataFrame, assets: pd.DataFrame | None) -> list[Json]:
    out = []
    for body in audit.cluster_organisations:
        groups = set(body["facts"].get("member_types") or [])
        strong: bool | None = None
        for cluster in body["clusters"]:
            key = (audit.region_code, cluster)
            if key in economics.index:
                strong = bool(strong) or bool(economics.loc[key, "strong"])
            groups |= _groups_present(assets, cluster)
        out.append(
            {"name": body["name"], "clusters": body["clusters"], **maturity_stage(body["facts"], groups, strong)}
        )
    return out


def _groups_present(assets: pd.DataFrame | None, cluster: str) -> set[str]:
    if assets is None or cluster not in assets.index or "detail_groups_present" not in assets.columns:
        return set()
    text = assets.loc[cluster, "detail_groups_present"]
    return {g.strip() for g in str(text).split(",") if g and g.strip()} if isinstance(text, str) else set()


def _partner_strategy(audit: AuditFrames, related: Mapping[str, Collection[str]] | None) -> Json:
    anchors = audit.anchors.assign(sector="")[["key", "name", "group", "sector", "clusters", "latitude", "longitude"]]
    stakeholders = audit.stakeholders[["key", "name", "group", "sector", "clusters", "latitude", "longitude"]]
    parties = pd.concat([anchors, stakeholders], ignore_index=True)
    convergence = {k: v for k, v in getattr(audit, "convergence", {}).items() if k in audit.candidates}
    return partner_strategy(
        audit.candidates, parties, audit.partnerships, related=related, convergence=convergence or None
    )


def run(
    panel: EconomicPanel,
    spec: Spec,
    *,
    national_growth: "pd.Series[float] | None" = None,
    national_overall: float | None = None,
    audit: AuditFrames | None = None,
    draws: int | None = None,
    seed: int | None = None,
    related: Mapping[str, Collection[str]] | None = None,
    fan_out: bool = False,
) -> EngineResult:
    """Score a panel (and an audit's region within it) under a validated methodology.

    ``draws`` overrides the methodology's Monte Carlo draws; with ``fan_out`` the draws are left to
    ``monte_carlo_rows`` on chunks of regions (possibly on other workers) and only the baseline is computed.
    """
    economics = economic_indicators(panel)
    inputs = composite_inputs(economics, national_growth, national_overall)
    results: Json = {}
    assets = None
    if audit is not None:
        assets, market = _audit_indicators(audit, economics)
        for frame in (assets, market):
            columns = [c for c in frame.columns if not c.startswith("detail_")]
            for column in columns:
                if column not in inputs.columns:
                    inputs[column] = np.nan
            index = pd.MultiIndex.from_arrays(
                [[audit.region_code] * len(frame), list(frame.index)], names=["region", "cluster"]
            )
            present = index.isin(inputs.index)
            values = frame[columns].to_numpy(dtype=float)[present]
            inputs.loc[index[present], columns] = values
        results["assets"] = _details(assets)
        results["market"] = _details(market)
        results["maturity"] = _maturity(audit, economics, assets)
        results["partner_strategy"] = _partner_strategy(audit, related)
    draws = spec["uncertainty"]["draws"] if draws is None else draws
    # An audit stores only its own region's scores, so its Monte Carlo covers only that region's units.
    inline = draws > 0 and not fan_out
    scores, prepared = composite.score(
        inputs, spec, uncertainty=inline and audit is None, draws=draws, seed=seed, alternatives=draws > 0
    )
    if inline and audit is not None:
        rows = np.flatnonzero(scores.index.get_level_values("region") == audit.region_code)
        if rows.size:
            scores = scores.join(monte_carlo_rows(prepared, spec, rows, draws=draws, seed=seed))
    results["coverage"] = {k: round(float(v), 4) for k, v in prepared.coverage().items()}
    results["treatment"] = prepared.treatment
    if audit is not None:
        region_units = scores.xs(audit.region_code, level="region") if audit.region_code in scores.index else None
        if region_units is not None:
            results["candidates"] = [c for c in audit.candidates if c in region_units.index]
    return EngineResult(economics=economics, inputs=inputs, scores=scores, prepared=prepared, results=results)


def _details(frame: pd.DataFrame) -> dict[str, Json]:
    """The ``detail_`` columns of an indicator frame, as JSON-friendly dicts by cluster."""
    details = frame[[c for c in frame.columns if c.startswith("detail_")]]
    out: dict[str, Json] = {}
    for cluster, row in details.iterrows():
        out[str(cluster)] = {str(k).removeprefix("detail_"): _plain(v) for k, v in row.items()}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def region_chunks(scores_index: pd.Index, n_chunks: int) -> list[NDArray[np.intp]]:
    """Split the units into ``n_chunks`` lists of positions that never split a region."""
    regions = pd.factorize(scores_index.get_level_values(0))[0]
    unique = np.unique(regions)
    groups = np.array_split(unique, max(1, min(n_chunks, unique.size)))
    return [np.flatnonzero(np.isin(regions, g)) for g in groups if g.size]


def monte_carlo_rows(
    prepared: composite.Prepared,
    spec: Spec,
    rows: NDArray[np.intp] | list[int],
    draws: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Monte Carlo for a subset of units (whole regions), identical to the same units in a full run."""
    settings = spec["uncertainty"]
    subset = composite.Prepared(
        index=prepared.index[rows],
        structure=prepared.structure,
        raw=None if prepared.raw is None else prepared.raw[rows],
        mask=prepared.mask[rows],
        normalised={m: v[rows] for m, v in prepared.normalised.items()},
        method=prepared.method,
        treatment=prepared.treatment,
    )
    return composite.monte_carlo(
        subset,
        spec,
        settings["draws"] if draws is None else draws,
        settings["seed"] if seed is None else seed,
        settings["weight_noise"],
        rank_groups=subset.index.get_level_values(0),
    )
