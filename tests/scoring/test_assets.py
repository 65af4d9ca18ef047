"""Asset indicators (scoring.assets): hand-worked small cases, NaN rules, order, hypothesis properties."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import assets

# 0.5 km of latitude, in degrees, on the IUGG mean sphere.
HALF_KM_LAT = 0.5 / (assets.EARTH_RADIUS_KM * math.pi / 180)


def anchor(key, anchor_type="university", group="academia", clusters=("c",), lat=np.nan, lon=np.nan, **size):
    row = {
        "key": key,
        "name": key,
        "anchor_type": anchor_type,
        "group": group,
        "latitude": lat,
        "longitude": lon,
        "clusters": list(clusters),
    }
    for column in assets.SIZE_HALF:
        row[column] = size.get(column, np.nan)
    return row


def party(key, group="corporate", clusters=("c",), lat=np.nan, lon=np.nan):
    return {"key": key, "name": key, "group": group, "latitude": lat, "longitude": lon, "clusters": list(clusters)}


def links(*pairs):
    return pd.DataFrame(
        [{"source": s, "target": t, "kind": "research", "strength": 3} for s, t in pairs],
        columns=["source", "target", "kind", "strength"],
    )


def run(clusters=("c",), anchors=(), stakeholders=(), partnerships=None, inputs=None, employment=None):
    return assets.asset_indicators(
        list(clusters),
        pd.DataFrame(list(anchors)),
        pd.DataFrame(list(stakeholders)),
        links() if partnerships is None else partnerships,
        pd.DataFrame() if inputs is None else inputs,
        pd.Series(dtype=float) if employment is None else employment,
    )


# ---------------------------------------------------------------------------------------------- geometry


def test_haversine_known_distance():
    # One degree of latitude is 2πR/360 ≈ 111.195 km; London–Paris is about 344 km.
    assert assets.haversine_km(0, 0, 1, 0) == pytest.approx(2 * math.pi * assets.EARTH_RADIUS_KM / 360)
    assert assets.haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.9, abs=1.0)
    d = assets.pairwise_km([0, 1, np.nan], [0, 0, 0])
    assert d.shape == (3, 3) and d[0, 0] == 0 and np.isnan(d[2, 0])


# ---------------------------------------------------------------------------------------------- anchors


def test_anchor_strength_by_hand():
    # A university with 1,000 staff: size = 1000/2000 = 0.5 → contribution 1.0 × (0.5 + 0.25) = 0.75.
    # A major firm of unknown size: 0.8 × 0.5 = 0.4. S = 1.15 → 1 − 2^−1.15.
    out = run(
        anchors=[anchor("a:1", staff=1000), anchor("a:2", "major_firm", "corporate")],
    )
    assert out.loc["c", "anchor_strength"] == pytest.approx(1 - 2**-1.15)
    assert out.loc["c", "detail_anchor_count"] == 2


def test_anchor_size_takes_the_largest_known_measure():
    frame = pd.DataFrame([anchor("a:1", staff=1000, students=30000), anchor("a:2"), anchor("a:3", patents=-5)])
    np.testing.assert_allclose(assets.anchor_size(frame), [0.75, 0.0, 0.0])


def test_anchor_strength_counts_only_tied_anchors_and_saturates():
    many = [anchor(f"a:{i}", staff=1e9) for i in range(20)]
    out = run(clusters=["c", "d"], anchors=many + [anchor("a:x", clusters=["d"])])
    assert 0.999 < out.loc["c", "anchor_strength"] < 1.0
    assert out.loc["d", "anchor_strength"] == pytest.approx(1 - 2**-0.5)  # one university of unknown size
    assert out.loc["d", "detail_anchor_count"] == 1


def test_no_anchors_is_zero_strength_not_missing():
    out = run(stakeholders=[party("s:1")])
    assert out.loc["c", "anchor_strength"] == 0.0


# ---------------------------------------------------------------------------------------------- proximity


def test_two_anchors_500m_apart_are_within_walking_distance():
    out = run(anchors=[anchor("a:1", lat=52.0, lon=-1.9), anchor("a:2", lat=52.0 + HALF_KM_LAT, lon=-1.9)])
    # share 1, median 0.5 km: ½ × 1 + ½ × 5 / 5.5
    assert out.loc["c", "detail_walkable_count"] == 2
    assert out.loc["c", "detail_median_distance_km"] == pytest.approx(0.5)
    assert out.loc["c", "asset_proximity"] == pytest.approx(0.5 + 0.5 * 5 / 5.5)


def test_proximity_densest_point_and_median():
    # Three parties within 500 m of the first and one 111 km away: walkable 3 of 4; six pairwise distances.
    lat = [52.0, 52.0 + HALF_KM_LAT, 52.0 - HALF_KM_LAT, 53.0]
    lon = [-1.9] * 4
    got = assets.proximity(lat, lon)
    assert got["walkable"] == 3 and got["share"] == 0.75
    d = assets.pairwise_km(lat, lon)[np.triu_indices(4, 1)]
    assert got["median_km"] == pytest.approx(np.median(d))
    assert got["score"] == pytest.approx(0.375 + 0.5 * 5 / (5 + np.median(d)))


def test_proximity_nan_with_fewer_than_two_located_parties():
    out = run(anchors=[anchor("a:1", lat=52.0, lon=-1.9)], stakeholders=[party("s:1")])
    assert math.isnan(out.loc["c", "asset_proximity"])
    assert out.loc["c", "detail_located_count"] == 1 and out.loc["c", "detail_party_count"] == 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(50.0, 50.2), st.floats(-2.0, -1.8)),
        min_size=2,
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_proximity_is_invariant_to_party_order(points, rnd):
    lat, lon = map(np.array, zip(*points, strict=True))
    order = list(range(len(points)))
    rnd.shuffle(order)
    a, b = assets.proximity(lat, lon), assets.proximity(lat[order], lon[order])
    assert a["walkable"] == b["walkable"]
    assert a["score"] == pytest.approx(b["score"])
    assert 0 < a["score"] <= 1


# ---------------------------------------------------------------------------------------------- completeness


def test_five_groups_evenly_present_is_complete():
    assert assets.completeness(list(assets.GROUPS) * 2) == pytest.approx(1.0)


def test_completeness_by_hand():
    # One group only: presence 1/5, evenness 0 → 0.1. Two groups 1:1: presence 2/5, evenness ln2/ln5.
    assert assets.completeness(["academia"] * 3) == pytest.approx(0.1)
    assert assets.completeness(["academia", "capital"]) == pytest.approx(0.2 + 0.5 * math.log(2) / math.log(5))
    assert math.isnan(assets.completeness([]))


def test_anchor_counts_towards_its_group():
    out = run(anchors=[anchor("a:1", "major_firm", "corporate")], stakeholders=[party("s:1", "capital")])
    assert out.loc["c", "detail_groups_present"] == "corporate, capital"
    assert out.loc["c", "ecosystem_completeness"] == pytest.approx(0.2 + 0.5 * math.log(2) / math.log(5))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(assets.GROUPS + ("other",)), min_size=1, max_size=40))
def test_completeness_in_unit_interval(groups):
    value = assets.completeness(groups)
    assert math.isnan(value) == (set(groups) == {"other"})
    assert math.isnan(value) or 0 <= value <= 1 + 1e-12


# ---------------------------------------------------------------------------------------------- collaboration


def test_path_of_four():
    parties = [party(f"s:{i}") for i in range(4)]
    out = run(stakeholders=parties, partnerships=links(("s:0", "s:1"), ("s:1", "s:2"), ("s:2", "s:3")))
    assert out.loc["c", "collaboration_density"] == pytest.approx(0.5)  # 3 of 6 possible edges
    assert out.loc["c", "largest_component_share"] == 1.0
    assert out.loc["c", "cross_sector_share"] == 0.0  # every tie is inside the cluster


def test_components_and_repeated_partnerships():
    # s:0–s:1 twice (counts once), s:2 and s:3 isolated: density 1/6, largest component 2 of 4.
    parties = [party(f"s:{i}") for i in range(4)]
    out = run(stakeholders=parties, partnerships=links(("s:0", "s:1"), ("s:1", "s:0")))
    assert out.loc["c", "collaboration_density"] == pytest.approx(1 / 6)
    assert out.loc["c", "largest_component_share"] == 0.5
    assert out.loc["c", "detail_internal_links"] == 1 and out.loc["c", "detail_partnership_count"] == 2


def test_cross_sector_share_by_hand():
    # Cluster c: s:1 (c), s:2 (c, d). Outside: s:3 (d), s:4 (e), s:5 (no cluster), s:6 (e) untouched.
    # Touching rows: 1–2 (share c), 2–3 (share d), 1–4 (nothing in common), 1–5 (nothing) → 2 of 4 cross-sector.
    stake = [
        party("s:1", clusters=["c"]),
        party("s:2", clusters=["c", "d"]),
        party("s:3", clusters=["d"]),
        party("s:4", clusters=["e"]),
        party("s:5", clusters=[]),
        party("s:6", clusters=["e"]),
    ]
    edges = links(("s:1", "s:2"), ("s:2", "s:3"), ("s:1", "s:4"), ("s:1", "s:5"), ("s:4", "s:6"), ("s:1", "s:99"))
    out = run(clusters=["c", "d", "e"], stakeholders=stake, partnerships=edges)
    assert out.loc["c", "cross_sector_share"] == 0.5
    assert out.loc["c", "detail_partnership_count"] == 4  # the row naming unknown s:99 is ignored
    assert out.loc["c", "detail_cross_sector_count"] == 2
    # d: s:2, s:3; touching 1–2 (c common), 2–3 (d common) → 0.
    assert out.loc["d", "cross_sector_share"] == 0.0
    # e: s:4, s:6; touching 1–4 (cross), 4–6 (e) → 0.5.
    assert out.loc["e", "cross_sector_share"] == 0.5


def test_network_nan_below_two_parties_and_zero_without_ties():
    out = run(
        clusters=["c", "d"], stakeholders=[party("s:1"), party("s:2", clusters=["d"]), party("s:3", clusters=["d"])]
    )
    for column in ("collaboration_density", "cross_sector_share", "largest_component_share"):
        assert math.isnan(out.loc["c", column])
    assert out.loc["d", "collaboration_density"] == 0.0
    assert out.loc["d", "cross_sector_share"] == 0.0
    assert out.loc["d", "largest_component_share"] == 0.5


# ---------------------------------------------------------------------------------------------- per jobs


def test_talent_innovation_research_by_hand_and_nan_rules():
    inputs = pd.DataFrame(
        {"relevant_graduates": [300.0, 10.0, 5.0], "patents": [np.nan, 4.0, 1.0], "research_spend": [12.0, 1, 1]},
        index=["c", "d", "e"],
    )
    employment = pd.Series({"c": 20_000.0, "d": 0.0, "e": np.nan})
    out = run(clusters=["c", "d", "e", "f"], inputs=inputs, employment=employment)
    assert out.loc["c", "talent"] == pytest.approx(150.0)  # 300 / 20,000 × 10,000
    assert math.isnan(out.loc["c", "innovation"])  # not entered
    assert out.loc["c", "research_intensity"] == pytest.approx(0.6)  # £12m / 20,000 jobs = £600 = 0.6 thousand
    for cluster in ("d", "e", "f"):  # zero employment, unknown employment, no inputs row
        assert out.loc[cluster, ["talent", "innovation", "research_intensity"]].isna().all()


# ---------------------------------------------------------------------------------------------- frame shape


def test_columns_order_and_empty_inputs():
    out = run(clusters=["z", "5", "proftech"], stakeholders=[party("s:1", clusters=["5"])])
    assert list(out.index) == ["z", "5", "proftech"]
    assert list(out.columns[:9]) == list(assets.INDICATORS)
    assert all(c.startswith("detail_") for c in out.columns[9:])
    assert math.isnan(out.loc["z", "ecosystem_completeness"])
    assert out.loc["5", "detail_party_count"] == 1
    empty = assets.asset_indicators([], None, None, None, None, None)
    assert empty.empty and list(empty.columns) == list(assets.INDICATORS + assets.DETAILS)
