"""Asset indicators for one audit's candidate clusters (DESIGN.md §3 "Asset indicators").

Pure pandas/numpy/networkx: this module never imports Django. The orchestrator builds the input frames from the
audit; cluster lists on anchors and stakeholders are already *expanded* (a party serving ``fintech`` also lists the
convergence cluster ``proftech``). Cluster ids are compared as strings; node keys are ``"a:<id>"`` (anchors) and
``"s:<id>"`` (stakeholders).

A cluster's *parties* are the anchors and stakeholders whose cluster list contains it.

Formulas (every constant below is module-level so a methodology note can quote it):

* ``anchor_strength = 1 − 2^(−S)`` with ``S = Σ_anchors w_type × (½ + ½ × size)`` over the anchors tied to the
  cluster. ``w_type`` is :data:`ANCHOR_TYPE_WEIGHTS` (a research university is the reference anchor, 1.0).
  ``size`` ∈ [0, 1) is the largest of ``x / (x + h)`` over the anchor's known size measures, ``h`` the
  half-saturation point in :data:`SIZE_HALF` (1,000 staff, 10,000 students, 20 m research spend a year, 10
  patents, 3 spin-outs); an anchor of unknown size scores ``size = 0`` (half credit for its type). So each
  "full" anchor halves the remaining gap to 1: one large university ≈ 0.5, three ≈ 0.87; no anchors → 0.
* ``asset_proximity = ½ × walkable_share + ½ × H / (H + median_km)`` over the cluster's *located* parties:
  ``walkable_share`` is the share within :data:`WALKING_KM` (1 km, haversine) of the densest point (the party with
  the most parties within 1 km of it, itself included), ``median_km`` the median pairwise distance and ``H`` =
  :data:`PROXIMITY_HALF_KM` (5 km: the closeness term halves at a 5 km median). NaN with fewer than 2 located
  parties. The densest point is searched among party locations, so it is a lower bound on the best 1 km disc.
* ``ecosystem_completeness = ½ × k/5 + ½ × H/ln 5``: ``k`` of the five stakeholder groups present among the
  cluster's parties (anchors count towards their ``group``), ``H`` the Shannon entropy of the party counts over the
  five groups (so ``H/ln 5`` is Pielou evenness over all five, absent groups included). NaN with no parties.
* Collaboration, on the cluster's partnership network (its parties, and the partnerships among them, as a simple
  undirected graph — repeated partnerships between one pair count once): ``collaboration_density`` = edges /
  possible edges, ``largest_component_share`` = size of the largest connected component / party count (isolated
  parties are components of one). ``cross_sector_share`` = share of the partnership rows *touching* the cluster
  (at least one side a party of the cluster) whose two sides serve no cluster in common; 0 when no partnership
  touches the cluster. All three NaN when the cluster has fewer than 2 parties. Partnerships naming an unknown node,
  and self-links, are ignored.
* ``talent`` = relevant graduates per 10,000 cluster jobs, ``innovation`` = patents per 10,000 cluster jobs,
  ``research_intensity`` = research spend (millions) per cluster job, in thousands (``spend × 1000 / jobs``).
  NaN when the input is not entered or the cluster's employment is unknown or zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scoring.types import Floats

GROUPS = ("corporate", "capital", "government", "academia", "entrepreneurship")

# Weight of one anchor by type, relative to a research university.
ANCHOR_TYPE_WEIGHTS = {
    "university": 1.0,
    "research_centre": 0.8,
    "major_firm": 0.8,
    "hospital": 0.7,
    "government_lab": 0.7,
    "incubator": 0.4,
    "shared_workspace": 0.25,
}
UNKNOWN_TYPE_WEIGHT = 0.25
ANCHOR_TYPES = tuple(ANCHOR_TYPE_WEIGHTS)
# The stakeholder group an anchor counts towards when the ecosystem's completeness is measured.
ANCHOR_GROUPS = {
    "university": "academia",
    "research_centre": "academia",
    "hospital": "academia",
    "major_firm": "corporate",
    "government_lab": "government",
    "incubator": "entrepreneurship",
    "shared_workspace": "entrepreneurship",
}
# Half-saturation point of each size measure: an anchor with this much scores size 0.5 on that measure.
SIZE_HALF = {"staff": 1000.0, "students": 10000.0, "research_spend": 20.0, "patents": 10.0, "spinouts": 3.0}
SIZE_FLOOR = 0.5  # share of the type weight an anchor earns whatever its size (and when its size is unknown)

WALKING_KM = 1.0
PROXIMITY_HALF_KM = 5.0
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius

INDICATORS = (
    "anchor_strength",
    "asset_proximity",
    "ecosystem_completeness",
    "collaboration_density",
    "cross_sector_share",
    "largest_component_share",
    "talent",
    "innovation",
    "research_intensity",
)
DETAILS = (
    "detail_anchor_count",
    "detail_party_count",
    "detail_located_count",
    "detail_walkable_count",
    "detail_median_distance_km",
    "detail_groups_present",
    "detail_partnership_count",
    "detail_cross_sector_count",
    "detail_internal_links",
)


# --------------------------------------------------------------------------------------------------------
# Small helpers shared with partners.py
# --------------------------------------------------------------------------------------------------------


def cluster_set(value: object) -> frozenset[str]:
    """A party's cluster list as a frozenset of string ids (None/NaN/"" → empty)."""
    if value is None or isinstance(value, float | np.floating) and math.isnan(value):
        return frozenset()
    if isinstance(value, str):
        return frozenset([value]) if value else frozenset()
    if isinstance(value, Iterable):
        return frozenset(str(v) for v in value)
    return frozenset([str(value)])


def ensure_columns(frame: pd.DataFrame | None, columns: Mapping[str, Any]) -> pd.DataFrame:
    """A copy of ``frame`` (or an empty frame) with every column in ``columns`` present (filled with its default)."""
    out = pd.DataFrame() if frame is None else pd.DataFrame(frame).copy()
    for column, default in columns.items():
        if column not in out.columns:
            out[column] = [default] * len(out)
    return out.reset_index(drop=True)


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> Floats:
    """Great-circle distance in km between points given in degrees; numpy broadcasting, NaN in → NaN out."""
    p1, p2 = np.radians(np.asarray(lat1, dtype=np.float64)), np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = p2 - p1
    dlambda = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlambda / 2) ** 2
    central_angle: Floats = np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return 2 * EARTH_RADIUS_KM * central_angle


def pairwise_km(lat: ArrayLike, lon: ArrayLike) -> Floats:
    """(n, n) haversine distance matrix of n points."""
    lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    return haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


# --------------------------------------------------------------------------------------------------------
# The indicators, one function each (scalars for one cluster)
# --------------------------------------------------------------------------------------------------------


def anchor_size(anchors: pd.DataFrame) -> Floats:
    """(n,) size score in [0, 1): the largest ``x / (x + h)`` over each anchor's known size measures, 0 if none."""
    scores = np.zeros(len(anchors))
    for column, half in SIZE_HALF.items():
        if column not in anchors.columns:
            continue
        x = np.clip(pd.to_numeric(anchors[column], errors="coerce").to_numpy(dtype=np.float64), 0.0, None)
        scores = np.fmax(scores, x / (x + half))  # fmax ignores NaN (unknown measure)
    return scores


def anchor_contributions(anchors: pd.DataFrame) -> Floats:
    """(n,) each anchor's contribution ``w_type × (SIZE_FLOOR + (1 − SIZE_FLOOR) × size)``."""
    types = anchors["anchor_type"] if "anchor_type" in anchors.columns else pd.Series([""] * len(anchors))
    weights = np.array([ANCHOR_TYPE_WEIGHTS.get(t, UNKNOWN_TYPE_WEIGHT) for t in types], dtype=np.float64)
    return weights * (SIZE_FLOOR + (1 - SIZE_FLOOR) * anchor_size(anchors))


def anchor_strength(anchors: pd.DataFrame) -> float:
    """``1 − 2^(−Σ contributions)`` over the given anchors (0 with none)."""
    return float(1.0 - 2.0 ** (-anchor_contributions(anchors).sum())) if len(anchors) else 0.0


def proximity(lat: ArrayLike, lon: ArrayLike) -> dict[str, float]:
    """Proximity of located points: ``score``, ``walkable`` (count), ``share`` and ``median_km`` (NaN if n < 2).

    Points with a NaN coordinate are dropped first. Invariant to the order of the points.
    """
    lats, lons = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    ok = np.isfinite(lats) & np.isfinite(lons)
    lats, lons = lats[ok], lons[ok]
    n = len(lats)
    if n < 2:
        return {"score": math.nan, "walkable": 0, "share": math.nan, "median_km": math.nan, "located": n}
    d = pairwise_km(lats, lons)
    walkable = int((d <= WALKING_KM).sum(axis=1).max())
    share = walkable / n
    median_km = float(np.median(d[np.triu_indices(n, k=1)]))
    score = 0.5 * share + 0.5 * PROXIMITY_HALF_KM / (PROXIMITY_HALF_KM + median_km)
    return {"score": float(score), "walkable": walkable, "share": share, "median_km": median_km, "located": n}


def completeness(groups: Iterable[str]) -> float:
    """``½ × present/5 + ½ × Shannon evenness over the five groups`` of the parties' groups; NaN with no parties.

    Groups outside :data:`GROUPS` are ignored; NaN when none of the parties is in one of the five groups.
    """
    tally = pd.Series(list(groups), dtype=object).value_counts()
    counts = np.array([tally.get(g, 0) for g in GROUPS], dtype=np.float64)
    total = counts.sum()
    if total == 0:
        return math.nan
    p = counts[counts > 0] / total
    evenness = float(-(p * np.log(p)).sum() / math.log(len(GROUPS)))
    present = int((counts > 0).sum())
    return 0.5 * present / len(GROUPS) + 0.5 * evenness


def network_measures(
    keys: Iterable[str], party_clusters: Mapping[str, frozenset[str]], edges: pd.DataFrame
) -> dict[str, float]:
    """Collaboration measures of one cluster's parties ``keys``.

    ``party_clusters`` maps every known node key to its cluster set; ``edges`` has ``source``/``target`` columns
    (already cleaned of unknown nodes and self-links). Returns density, cross-sector share, largest component share
    (NaN each with fewer than 2 parties) and the counts behind them.
    """
    keys = set(keys)
    src, tgt = edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object)
    in_src = np.fromiter((k in keys for k in src), dtype=bool, count=len(src))
    in_tgt = np.fromiter((k in keys for k in tgt), dtype=bool, count=len(tgt))
    touching = in_src | in_tgt
    cross = np.fromiter(
        (not (party_clusters[s] & party_clusters[t]) for s, t in zip(src, tgt, strict=True)),
        dtype=bool,
        count=len(src),
    )
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(keys)
    graph.add_edges_from(zip(src[in_src & in_tgt], tgt[in_src & in_tgt], strict=True))
    out = {
        "touching": int(touching.sum()),
        "cross": int((touching & cross).sum()),
        "internal": graph.number_of_edges(),
        "density": math.nan,
        "cross_share": math.nan,
        "largest_share": math.nan,
    }
    n = len(keys)
    if n >= 2:
        out["density"] = nx.density(graph)
        out["cross_share"] = out["cross"] / out["touching"] if out["touching"] else 0.0
        out["largest_share"] = max(len(c) for c in nx.connected_components(graph)) / n
    return out


def per_jobs(value: Any, jobs: Any, per: float) -> float:
    """``value / jobs × per``; NaN when value is not entered or jobs unknown, zero or negative."""
    amount, count = _float(value), _float(jobs)
    if math.isnan(amount) or math.isnan(count) or count <= 0:
        return math.nan
    return amount / count * per


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


# --------------------------------------------------------------------------------------------------------
# The frame the orchestrator asks for
# --------------------------------------------------------------------------------------------------------


def _parties(anchors: pd.DataFrame, stakeholders: pd.DataFrame) -> pd.DataFrame:
    cols = ["key", "group", "latitude", "longitude", "clusters"]
    frame = pd.concat([anchors[cols], stakeholders[cols]], ignore_index=True)
    frame["cluster_set"] = pd.Series([cluster_set(v) for v in frame["clusters"]], index=frame.index, dtype=object)
    return frame


def clean_edges(partnerships: pd.DataFrame | None, known: Iterable[str]) -> pd.DataFrame:
    """Partnership rows whose two ends are known node keys and differ (the rest cannot be placed)."""
    edges = ensure_columns(partnerships, {"source": "", "target": "", "kind": "", "strength": math.nan})
    known = set(known)
    keep = [s in known and t in known and s != t for s, t in zip(edges["source"], edges["target"], strict=True)]
    return edges.loc[keep].reset_index(drop=True)


def asset_indicators(
    clusters: Iterable[str],
    anchors: pd.DataFrame | None,
    stakeholders: pd.DataFrame | None,
    partnerships: pd.DataFrame | None,
    cluster_inputs: pd.DataFrame | None,
    cluster_employment: pd.Series[float] | None,
) -> pd.DataFrame:
    """Asset indicators (methodology keys) and ``detail_`` columns, one row per cluster in ``clusters`` order.

    See the module docstring for each formula and its missing-value rule.
    """
    index = pd.Index(list(clusters))
    anchors = ensure_columns(
        anchors,
        {
            "key": "",
            "anchor_type": "",
            "group": "",
            "latitude": math.nan,
            "longitude": math.nan,
            "clusters": (),
            **dict.fromkeys(SIZE_HALF, math.nan),
        },
    )
    anchors["cluster_set"] = pd.Series([cluster_set(v) for v in anchors["clusters"]], index=anchors.index, dtype=object)
    stakeholders = ensure_columns(
        stakeholders, {"key": "", "group": "", "latitude": math.nan, "longitude": math.nan, "clusters": ()}
    )
    parties = _parties(anchors, stakeholders)
    party_clusters = dict(zip(parties["key"], parties["cluster_set"], strict=True))
    edges = clean_edges(partnerships, party_clusters)

    inputs = pd.DataFrame(cluster_inputs) if cluster_inputs is not None else pd.DataFrame()
    inputs = inputs.set_axis(inputs.index.map(str), axis=0)
    employment = pd.Series(cluster_employment, dtype=np.float64) if cluster_employment is not None else pd.Series()
    employment = employment.set_axis(employment.index.map(str))

    def entered(column: str, cid: str) -> Any:
        if column not in inputs.columns or cid not in inputs.index:
            return math.nan
        return inputs.loc[cid, column]

    rows = []
    for cluster in index:
        cid = str(cluster)
        tied = anchors.loc[[cid in s for s in anchors["cluster_set"]]]
        mine = parties.loc[[cid in s for s in parties["cluster_set"]]]
        near = proximity(mine["latitude"], mine["longitude"])
        net = network_measures(mine["key"], party_clusters, edges)
        present = [g for g in GROUPS if g in set(mine["group"])]
        jobs = employment.get(cid, math.nan)
        rows.append(
            {
                "anchor_strength": anchor_strength(tied),
                "asset_proximity": near["score"],
                "ecosystem_completeness": completeness(mine["group"]),
                "collaboration_density": net["density"],
                "cross_sector_share": net["cross_share"],
                "largest_component_share": net["largest_share"],
                "talent": per_jobs(entered("relevant_graduates", cid), jobs, 10_000),
                "innovation": per_jobs(entered("patents", cid), jobs, 10_000),
                "research_intensity": per_jobs(entered("research_spend", cid), jobs, 1_000),
                "detail_anchor_count": len(tied),
                "detail_party_count": len(mine),
                "detail_located_count": near["located"],
                "detail_walkable_count": near["walkable"],
                "detail_median_distance_km": near["median_km"],
                "detail_groups_present": ", ".join(present),
                "detail_partnership_count": net["touching"],
                "detail_cross_sector_count": net["cross"],
                "detail_internal_links": net["internal"],
            }
        )
    out = pd.DataFrame(rows, index=index, columns=list(INDICATORS + DETAILS))
    out[list(INDICATORS)] = out[list(INDICATORS)].astype(np.float64)
    return out
