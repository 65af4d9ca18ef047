"""Partner strategy from the partnership network and the assets (DESIGN.md §3 "Partner strategy").

Pure pandas/numpy/networkx: never imports Django. Output is plain JSON-serialisable dicts and lists.

``parties`` are the audit's anchors and stakeholders (``key`` "a:<id>" for anchors, "s:<id>" for stakeholders,
``name``, ``group``, ``sector`` (may be ""), ``clusters`` (expanded lists), ``latitude``, ``longitude``);
``partnerships`` have ``source``, ``target``, ``kind`` (and ``strength``). A cluster's *network* is its parties and
the partnerships among them (a simple undirected graph). For each cluster:

* **missing_groups** — the five stakeholder groups with no party in the cluster.
* **brokers** — the parties with the highest betweenness centrality (normalised, networkx) in the cluster's
  network; only parties with betweenness > 0, at most ``top``.
* **recommendations** — pairs of the cluster's parties not yet linked anywhere in the audit, ranked by an additive
  complementarity score whose terms are listed per pair as reasons (weights in :data:`SCORE`):
  different stakeholder groups +2; different sectors (both recorded) +1; serving related clusters (``related``)
  +1; serving different components of a convergence cluster +1; within 1 km +1 (or within 5 km +0.5); one side an
  anchor +1; in different connected components of the cluster's network (the link would join them) +1.
  Candidates: all the cluster's parties when there are at most :data:`POOL_SIZE`, otherwise its anchors plus its
  best-connected parties (by degree in the audit's network) up to :data:`POOL_SIZE`. Ties: by key.
* **bridges** (convergence clusters only) — parties serving two or more of its components, partnerships whose
  two sides serve different components, and the component pairs with neither (e.g. fintech ↔ legaltech unlinked).
  Components come from ``convergence`` (cluster → component ids, the ``ClusterDefinition.components`` relation).
  They are not inferred from the expanded cluster lists: "every party of X also serves Y" holds just as well for a
  small benchmark cluster whose few parties also serve a larger one, so a guess would invent bridges. Without
  ``convergence`` there are no bridges and no convergence term in the scores (``"convergence_given": False``).
* **duplicates** — possible duplicated initiatives: two parties in the same group, with near-identical sectors
  (case-insensitive similarity ≥ :data:`SECTOR_SIMILARITY`) within 1 km of each other; and two or more
  ``programme`` partnerships touching the cluster that link the same pair of stakeholder groups.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any, TypedDict

import networkx as nx
import numpy as np
import pandas as pd

from scoring.assets import (
    GROUPS,
    PROXIMITY_HALF_KM,
    WALKING_KM,
    clean_edges,
    cluster_set,
    ensure_columns,
    haversine_km,
)
from scoring.types import Floats, Json

SCORE = {
    "groups": 2.0,
    "sectors": 1.0,
    "related": 1.0,
    "convergence": 1.0,
    "walking": 1.0,
    "nearby": 0.5,
    "anchor": 1.0,
    "components": 1.0,
}
POOL_SIZE = 40
SECTOR_SIMILARITY = 0.85


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _is_anchor(key: str) -> bool:
    return key.startswith("a:")


class _Party(TypedDict):
    """What the strategy needs to know about one party."""

    name: str
    group: str
    sector: str
    clusters: frozenset[str]
    lat: float
    lon: float


class _Network:
    """The audit's parties and partnership graph, with per-party lookups."""

    def __init__(self, parties: pd.DataFrame | None, partnerships: pd.DataFrame | None) -> None:
        frame = ensure_columns(
            parties,
            {
                "key": "",
                "name": "",
                "group": "",
                "sector": "",
                "clusters": (),
                "latitude": math.nan,
                "longitude": math.nan,
            },
        )
        self.keys = [str(k) for k in frame["key"]]
        self.info: dict[str, _Party] = {}
        for row, key in zip(frame.itertuples(index=False), self.keys, strict=True):
            lat, lon = _float(row.latitude), _float(row.longitude)
            self.info[key] = {
                "name": _text(row.name) or key,
                "group": _text(row.group),
                "sector": _text(row.sector),
                "clusters": cluster_set(row.clusters),
                "lat": lat,
                "lon": lon,
            }
        self.edges = clean_edges(partnerships, self.info)
        self.graph: nx.Graph[str] = nx.Graph()
        self.graph.add_nodes_from(self.keys)
        self.graph.add_edges_from(zip(self.edges["source"], self.edges["target"], strict=True))

    def members(self, cluster: str) -> list[str]:
        return [k for k in self.keys if cluster in self.info[k]["clusters"]]

    def distances(self, keys: list[str]) -> Floats:
        """(n, n) haversine km between the given parties (NaN where either is not located)."""
        lat = np.array([self.info[k]["lat"] for k in keys], dtype=np.float64)
        lon = np.array([self.info[k]["lon"] for k in keys], dtype=np.float64)
        return haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])

    def party(self, key: str, **extra: Any) -> Json:
        info = self.info[key]
        return {"key": key, "name": info["name"], "group": info["group"], **extra}


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def _brokers(sub: nx.Graph[str], net: _Network, top: int) -> list[Json]:
    if sub.number_of_nodes() < 3:
        return []
    centrality = nx.betweenness_centrality(sub, normalized=True)
    ranked = sorted(((v, k) for k, v in centrality.items() if v > 0), key=lambda item: (-item[0], item[1]))
    return [net.party(k, betweenness=_round(v), degree=sub.degree(k)) for v, k in ranked[:top]]


def _pool(members: list[str], net: _Network) -> list[str]:
    if len(members) <= POOL_SIZE:
        return sorted(members)
    anchors = sorted((k for k in members if _is_anchor(k)), key=lambda k: (-net.graph.degree(k), k))[:POOL_SIZE]
    rest = sorted((k for k in members if not _is_anchor(k)), key=lambda k: (-net.graph.degree(k), k))
    return sorted(anchors + rest[: POOL_SIZE - len(anchors)])


def _related_pair(
    cu: Iterable[str], cv: Iterable[str], related: Mapping[str, Collection[str]]
) -> tuple[str, str] | None:
    if not related:
        return None
    for x in sorted(cu):
        for y in sorted(cv):
            if x != y and (y in related.get(x, ()) or x in related.get(y, ())):
                return x, y
    return None


def _recommendations(
    members: list[str],
    sub: nx.Graph[str],
    net: _Network,
    related: Mapping[str, Collection[str]],
    comp_sets: Mapping[str, set[str]],
    top: int,
) -> list[Json]:
    component_of: dict[str, int] = {}
    for i, nodes in enumerate(nx.connected_components(sub)):
        for k in nodes:
            component_of[k] = i
    out: list[Json] = []
    pool = _pool(members, net)
    dist = net.distances(pool)
    for (i, u), (j, v) in combinations(enumerate(pool), 2):
        if net.graph.has_edge(u, v):
            continue
        a, b = net.info[u], net.info[v]
        score = 0.0
        reasons: list[str] = []
        if a["group"] and b["group"] and a["group"] != b["group"]:
            score += SCORE["groups"]
            reasons.append(f"complementary groups ({a['group']} + {b['group']})")
        if a["sector"] and b["sector"] and a["sector"].casefold() != b["sector"].casefold():
            score += SCORE["sectors"]
            reasons.append(f"different sectors ({a['sector']} + {b['sector']})")
        pair = _related_pair(a["clusters"], b["clusters"], related)
        if pair:
            score += SCORE["related"]
            reasons.append(f"serve related clusters ({pair[0]} ~ {pair[1]})")
        for conv, comps in comp_sets.items():
            ca, cb = a["clusters"] & comps, b["clusters"] & comps
            if ca and cb and ca != cb:  # then x != y: one of them is outside the other side's components
                x, y = sorted(ca - cb or ca)[0], sorted(cb - ca or cb)[0]
                score += SCORE["convergence"]
                reasons.append(f"link {x} and {y} within {conv}")
                break
        d = float(dist[i, j])
        if d <= WALKING_KM:
            score += SCORE["walking"]
            reasons.append(f"within walking distance ({d:.1f} km)")
        elif d <= PROXIMITY_HALF_KM:
            score += SCORE["nearby"]
            reasons.append(f"nearby ({d:.1f} km)")
        if _is_anchor(u) or _is_anchor(v):
            score += SCORE["anchor"]
            names = " and ".join(net.info[k]["name"] for k in (u, v) if _is_anchor(k))
            reasons.append(f"anchor reach ({names})")
        if component_of[u] != component_of[v]:
            score += SCORE["components"]
            reasons.append("joins two unconnected parts of the cluster's network")
        if score > 0:
            out.append(
                {
                    "source": u,
                    "source_name": a["name"],
                    "target": v,
                    "target_name": b["name"],
                    "score": score,
                    "distance_km": _round(d, 2),
                    "reasons": reasons,
                }
            )
    out.sort(key=lambda r: (-r["score"], r["source"], r["target"]))
    return out[:top]


def _bridges(members: list[str], net: _Network, comps: list[str]) -> Json:
    comp_set = set(comps)
    serves = {k: sorted(net.info[k]["clusters"] & comp_set) for k in members}
    linked: dict[tuple[str, ...], int] = {}
    parties = []
    for k in sorted(members):
        if len(serves[k]) >= 2:
            parties.append(net.party(k, components=serves[k]))
            for pair in combinations(serves[k], 2):
                linked[pair] = linked.get(pair, 0) + 1
    edges = []
    member_set = set(members)
    for s, t in net.graph.edges():
        if s not in member_set or t not in member_set:
            continue
        pairs = sorted({tuple(sorted((x, y))) for x in serves[s] for y in serves[t] if x != y})
        if pairs:
            u, v = sorted((s, t))
            edges.append({"source": u, "target": v, "components": [list(p) for p in pairs]})
            for linked_pair in pairs:
                linked[linked_pair] = linked.get(linked_pair, 0) + 1
    edges.sort(key=lambda e: (e["source"], e["target"]))
    return {
        "components": comps,
        "parties": parties,
        "edges": edges,
        "linked_pairs": [{"pair": list(p), "links": n} for p, n in sorted(linked.items())],
        "unlinked_pairs": [list(p) for p in combinations(comps, 2) if p not in linked],
    }


def _duplicates(members: list[str], net: _Network) -> list[Json]:
    out: list[Json] = []
    located = [k for k in members if math.isfinite(net.info[k]["lat"]) and math.isfinite(net.info[k]["lon"])]
    by_group: dict[str, list[str]] = {}
    for k in located:
        if net.info[k]["group"] and net.info[k]["sector"]:
            by_group.setdefault(net.info[k]["group"], []).append(k)
    for group, keys in sorted(by_group.items()):
        keys = sorted(keys)
        d = net.distances(keys)
        for i, j in zip(*np.nonzero(np.triu(d <= WALKING_KM, k=1)), strict=True):
            u, v = keys[i], keys[j]
            su, sv = net.info[u]["sector"], net.info[v]["sector"]
            similarity = SequenceMatcher(None, su.casefold(), sv.casefold()).ratio()
            if similarity >= SECTOR_SIMILARITY:
                out.append(
                    {
                        "kind": "parties",
                        "keys": [u, v],
                        "names": [net.info[u]["name"], net.info[v]["name"]],
                        "reason": f"both {group}, sector {su!r} ≈ {sv!r}, {float(d[i, j]):.1f} km apart",
                    }
                )
    member_set = set(members)
    programmes: dict[tuple[str, ...], list[list[str]]] = {}
    for row in net.edges.itertuples(index=False):
        if str(row.kind).casefold() != "programme" or not (row.source in member_set or row.target in member_set):
            continue
        source, target = str(row.source), str(row.target)  # clean_edges kept only known (str) party keys
        groups = tuple(sorted((net.info[source]["group"], net.info[target]["group"])))
        programmes.setdefault(groups, []).append(sorted((source, target)))
    for groups, pairs in sorted(programmes.items()):
        if len(pairs) >= 2:
            out.append(
                {
                    "kind": "programmes",
                    "partnerships": sorted(pairs),
                    "reason": f"{len(pairs)} programme partnerships between {groups[0]} and {groups[1]} parties",
                }
            )
    return out


def partner_strategy(
    clusters: Iterable[str],
    parties: pd.DataFrame | None,
    partnerships: pd.DataFrame | None,
    related: Mapping[str, Collection[str]] | None = None,
    top: int = 10,
    convergence: Mapping[str, Collection[str]] | None = None,
) -> Json:
    """The partner strategy per cluster: ``{"clusters": {cluster_id: {...}}, "score_weights": SCORE}``.

    ``related``: optional cluster → set of related cluster ids. ``convergence``: optional convergence cluster →
    its component cluster ids (no bridges without it; see the module docstring). Each cluster's entry has
    ``parties``, ``partnerships`` (links among its parties), ``groups_present``, ``missing_groups``, ``brokers``,
    ``recommendations``, ``bridges`` (None unless a convergence cluster) and ``duplicates``.
    """
    net = _Network(parties, partnerships)
    related = {str(k): {str(x) for x in v} for k, v in (related or {}).items()}
    conv = None if convergence is None else {str(k): {str(x) for x in v} for k, v in convergence.items()}
    ids = [str(c) for c in clusters]
    comp_sets = {c: comps for c, comps in (conv or {}).items() if len(comps) >= 2}
    result: dict[str, Json] = {}
    for cid in ids:
        members = net.members(cid)
        sub = net.graph.subgraph(members)
        present = {net.info[k]["group"] for k in members}
        comps = sorted(comp_sets.get(cid, ()))
        result[cid] = {
            "parties": len(members),
            "partnerships": sub.number_of_edges(),
            "groups_present": [g for g in GROUPS if g in present],
            "missing_groups": [g for g in GROUPS if g not in present],
            "brokers": _brokers(sub, net, top),
            "recommendations": _recommendations(members, sub, net, related, comp_sets, top),
            "bridges": _bridges(members, net, comps) if comps else None,
            "duplicates": _duplicates(members, net),
        }
    return {"clusters": result, "score_weights": dict(SCORE), "convergence_given": conv is not None}
