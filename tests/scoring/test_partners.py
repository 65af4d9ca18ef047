"""Partner strategy (scoring.partners) on tiny hand-drawn networks."""

import json
import math

import pandas as pd

from scoring import partners

KM_LAT = 1 / 111.195  # degrees of latitude per km


def p(key, group, sector="", clusters=("c",), lat=math.nan, lon=math.nan, name=None):
    return {
        "key": key,
        "name": name or key.upper(),
        "group": group,
        "sector": sector,
        "clusters": list(clusters),
        "latitude": lat,
        "longitude": lon,
    }


def e(*pairs, kind="research"):
    return [{"source": s, "target": t, "kind": kind, "strength": 3} for s, t in pairs]


def strategy(parties, edges, clusters=("c",), **kw):
    out = partners.partner_strategy(list(clusters), pd.DataFrame(parties), pd.DataFrame(edges), **kw)
    json.dumps(out, allow_nan=False)  # plain JSON, no NaN
    return out


def bow_tie():
    """Two pairs joined only through the university a:1; s:2 and s:4 are 300 m apart, the rest spread out."""
    parties = [
        p("a:1", "academia", "Higher education", lat=52.00, lon=-1.90),
        p("s:1", "corporate", "Banking", lat=52.10, lon=-1.90),
        p("s:2", "corporate", "Banking", lat=52.20, lon=-1.90),
        p("s:3", "government", "", lat=52.30, lon=-1.90),
        p("s:4", "entrepreneurship", "Payments", lat=52.20 + 0.3 * KM_LAT, lon=-1.90),
    ]
    edges = e(("s:1", "s:2"), ("s:1", "a:1"), ("s:2", "a:1"), ("s:3", "s:4"), ("s:3", "a:1"), ("s:4", "a:1"))
    return parties, edges


def test_broker_is_the_bridge_node():
    out = strategy(*bow_tie())["clusters"]["c"]
    assert out["brokers"][0]["key"] == "a:1"
    # a:1 lies on all 4 shortest paths between the two sides, out of C(4, 2) = 6 pairs of other nodes: 4/6.
    assert out["brokers"][0]["betweenness"] == round(4 / 6, 4)
    assert [b["key"] for b in out["brokers"]] == ["a:1"]  # nobody else brokers anything


def test_missing_group_is_reported():
    out = strategy(*bow_tie())["clusters"]["c"]
    assert out["missing_groups"] == ["capital"]
    assert out["groups_present"] == ["corporate", "government", "academia", "entrepreneurship"]
    assert out["parties"] == 5 and out["partnerships"] == 6


def test_top_recommendation_is_the_complementary_pair():
    recs = strategy(*bow_tie())["clusters"]["c"]["recommendations"]
    top = recs[0]
    assert (top["source"], top["target"]) == ("s:2", "s:4")
    # corporate + entrepreneurship (+2), Banking vs Payments (+1), 0.3 km (+1)
    assert top["score"] == 4.0
    assert len(top["reasons"]) == 3 and "within walking distance (0.3 km)" in top["reasons"]
    assert recs[1]["score"] == 3.0 and (recs[1]["source"], recs[1]["target"]) == ("s:1", "s:4")
    linked = {frozenset(x) for x in [("s:1", "s:2"), ("s:3", "s:4")]}
    assert not any(frozenset((r["source"], r["target"])) in linked for r in recs)  # only pairs not yet linked
    assert len(recs) == 4  # the four unlinked pairs


def test_anchor_reach_and_joining_components_score():
    parties = [p("a:1", "academia"), p("s:1", "academia"), p("s:2", "academia"), p("s:3", "academia")]
    recs = strategy(parties, e(("s:1", "s:2"), ("s:2", "s:3"), ("s:1", "s:3")))["clusters"]["c"]["recommendations"]
    assert {r["target"] for r in recs} == {"s:1", "s:2", "s:3"} and {r["source"] for r in recs} == {"a:1"}
    assert all(r["score"] == 2.0 for r in recs)  # anchor (+1), joins the isolated anchor to the triangle (+1)
    assert recs[0]["reasons"] == ["anchor reach (A:1)", "joins two unconnected parts of the cluster's network"]


def test_related_clusters_add_to_the_score():
    parties = [p("s:1", "corporate", clusters=["c", "insurance"]), p("s:2", "corporate", clusters=["c", "banking"])]
    plain = strategy(parties, [])["clusters"]["c"]["recommendations"]
    boosted = strategy(parties, [], related={"insurance": {"banking"}})["clusters"]["c"]["recommendations"]
    assert boosted[0]["score"] == plain[0]["score"] + 1
    assert "serve related clusters (insurance ~ banking)" in boosted[0]["reasons"]


def convergence_parties():
    return [
        p("s:1", "corporate", clusters=["fintech", "proftech"]),
        p("s:2", "corporate", clusters=["fintech", "proftech"]),
        p("s:3", "corporate", clusters=["legaltech", "proftech"]),
        p("s:4", "corporate", clusters=["legaltech", "proftech"]),
        p("s:5", "corporate", clusters=["fintech", "legaltech", "proftech"]),
        p("s:6", "corporate", clusters=["proptech", "proftech"]),
    ]


def test_cross_cluster_bridges_for_a_convergence_cluster():
    edges = e(("s:1", "s:3"), ("s:1", "s:2"))
    comps = {"proftech": ["fintech", "legaltech", "proptech"]}
    out = strategy(convergence_parties(), edges, clusters=["proftech", "fintech"], convergence=comps)["clusters"]
    bridges = out["proftech"]["bridges"]
    assert bridges["components"] == ["fintech", "legaltech", "proptech"]
    assert [b["key"] for b in bridges["parties"]] == ["s:5"]
    assert bridges["edges"] == [{"source": "s:1", "target": "s:3", "components": [["fintech", "legaltech"]]}]
    assert bridges["linked_pairs"] == [{"pair": ["fintech", "legaltech"], "links": 2}]
    assert bridges["unlinked_pairs"] == [["fintech", "proptech"], ["legaltech", "proptech"]]
    assert out["fintech"]["bridges"] is None
    # A recommendation across components says so.
    rec = next(r for r in out["proftech"]["recommendations"] if (r["source"], r["target"]) == ("s:2", "s:4"))
    assert "link fintech and legaltech within proftech" in rec["reasons"]


def test_no_bridges_without_a_convergence_map():
    # Without the map, proftech is not guessed to be a convergence cluster (fintech's parties all serving it is not
    # proof), and no recommendation gets the convergence term.
    out = strategy(convergence_parties(), [], clusters=["proftech", "fintech"])
    assert out["convergence_given"] is False
    assert out["clusters"]["proftech"]["bridges"] is None
    assert not any("within proftech" in r for x in out["clusters"]["proftech"]["recommendations"] for r in x["reasons"])


def test_duplicated_initiatives():
    parties = [
        p("s:1", "corporate", "FinTech", lat=52.0, lon=-1.9),
        p("s:2", "corporate", "Fintech ", lat=52.0 + 0.2 * KM_LAT, lon=-1.9),  # same sector, 200 m away
        p("s:3", "corporate", "Fintech", lat=52.2, lon=-1.9),  # same sector, 22 km away
        p("s:4", "government", "FinTech", lat=52.0, lon=-1.9),  # same place, other group
        p("a:1", "academia"),
        p("s:5", "entrepreneurship"),
        p("s:6", "entrepreneurship"),
        p("s:7", "corporate"),
    ]
    edges = e(("a:1", "s:5"), ("s:6", "a:1"), ("a:1", "s:7"), kind="programme") + e(("a:1", "s:4"))
    dupes = strategy(parties, edges)["clusters"]["c"]["duplicates"]
    assert [d["kind"] for d in dupes] == ["parties", "programmes"]
    assert dupes[0]["keys"] == ["s:1", "s:2"] and "0.2 km apart" in dupes[0]["reason"]
    assert dupes[1]["partnerships"] == [["a:1", "s:5"], ["a:1", "s:6"]]
    assert dupes[1]["reason"] == "2 programme partnerships between academia and entrepreneurship parties"


def test_clusters_order_empty_cluster_and_top_limit():
    parties = [p(f"s:{i}", "corporate", f"sector {i}") for i in range(8)]
    out = strategy(parties, [], clusters=["z", "c"], top=3)["clusters"]
    assert list(out) == ["z", "c"]
    assert out["z"]["parties"] == 0 and out["z"]["missing_groups"] == list(partners.GROUPS)
    assert out["z"]["brokers"] == [] and out["z"]["recommendations"] == []
    assert len(out["c"]["recommendations"]) == 3


def test_large_cluster_caps_the_candidate_pool():
    parties = [p(f"s:{i:03d}", "corporate", f"sector {i}") for i in range(120)] + [p("a:1", "academia")]
    edges = e(*[(f"s:{i:03d}", f"s:{i + 1:03d}") for i in range(119)])
    out = strategy(parties, edges, top=5000)["clusters"]["c"]
    keys = {k for r in out["recommendations"] for k in (r["source"], r["target"])}
    assert "a:1" in keys and len(keys) == partners.POOL_SIZE
