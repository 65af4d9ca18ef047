"""Composite scoring engine (scoring.composite): no database, runs in seconds.

* hypothesis properties on small random panels: bounds, monotonicity under every normalisation and aggregation,
  invariance to row order, seeded Monte Carlo and what its intervals guarantee;
* explanations: contributions, applied weights, coverage, drivers;
* COINr's outlier rule against scipy's bias-corrected skew and kurtosis;
* normalisation on hand values; aggregation against a naive per-unit implementation; Monte Carlo chunking.
"""

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scoring import composite as comp
from scoring.methodology import AXES, DEFAULT_NORMALISATIONS, default_spec, validate_spec

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A compact methodology: two groups per axis, six indicators. Weights are relative within group and axis.
LAYOUT = {
    "right_to_win": {"g1": (0.6, {"a": 0.6, "b": 0.4}), "g2": (0.4, {"c": 1.0})},
    "want_to_win": {"g3": (0.5, {"d": 1.0, "e": 0.5}), "g4": (0.5, {"f": 1.0})},
}
KEYS = ["a", "b", "c", "d", "e", "f"]
AXIS_OF = {k: axis for axis, groups in LAYOUT.items() for _, (_, ind) in groups.items() for k in ind}
METHODS = ("percentile", "minmax", "zscore", "goalposts")
GOALPOSTS = [0.0, 1000.0]


def make_spec(normalisation="percentile", aggregation="arithmetic", outliers=False, directions=None, layout=None):
    """A validated spec over LAYOUT; ``normalisation="goalposts"`` puts every indicator on fixed goalposts."""
    directions = directions or {}
    axes = {}
    for axis, groups in (layout or LAYOUT).items():
        axes[axis] = {}
        for group, (weight, indicators) in groups.items():
            entries = {}
            for key, iweight in indicators.items():
                entry = {"label": key.upper(), "weight": iweight, "direction": directions.get(key, 1)}
                if normalisation == "goalposts":
                    entry.update(normalisation="goalposts", goalposts=list(GOALPOSTS))
                entries[key] = entry
            axes[axis][group] = {"weight": weight, "indicators": entries}
    top = "percentile" if normalisation == "goalposts" else normalisation
    return validate_spec(
        {
            "normalisation": top,
            "aggregation": aggregation,
            "outliers": {"enabled": outliers},
            "uncertainty": {"draws": 20, "weight_noise": 0.25, "seed": 11},
            "axes": axes,
        }
    )


def unit_index(n_regions, n_clusters):
    return pd.MultiIndex.from_product(
        [[f"r{i:02d}" for i in range(n_regions)], [f"c{j}" for j in range(n_clusters)]], names=["region", "cluster"]
    )


def random_frame(n_regions, n_clusters, seed, nan_share=0.15, keys=KEYS):
    rng = np.random.default_rng(seed)
    n = n_regions * n_clusters
    data = rng.lognormal(3.0, 1.0, (n, len(keys))) * rng.choice([-1.0, 1.0], (n, len(keys)), p=[0.1, 0.9])
    data[rng.random((n, len(keys))) < nan_share] = np.nan
    return pd.DataFrame(data, index=unit_index(n_regions, n_clusters), columns=keys)


# Values in hundredths: ties, zeros, negatives, values outside the goalposts and heavy right tails all occur.
VALUE = st.integers(-50_000, 150_000).map(lambda i: i / 100)


@st.composite
def panels(draw, min_regions=3, max_regions=12, min_clusters=2, max_clusters=6):
    n_regions = draw(st.integers(min_regions, max_regions))
    n_clusters = draw(st.integers(min_clusters, max_clusters))
    n = n_regions * n_clusters
    values = draw(hnp.arrays(np.float64, (n, len(KEYS)), elements=VALUE))
    nan_share = draw(st.sampled_from([0.0, 0.1, 0.3]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values[rng.random(values.shape) < nan_share] = np.nan
    return pd.DataFrame(values, index=unit_index(n_regions, n_clusters), columns=KEYS)


def run(frame, spec, **kw):
    kw.setdefault("uncertainty", False)
    scores, prepared = comp.score(frame, spec, **kw)
    return scores, prepared


# --------------------------------------------------------------------------------------------------------------
# Properties of score()
# --------------------------------------------------------------------------------------------------------------


@PROPERTY
@given(frame=panels(), method=st.sampled_from(METHODS), aggregation=st.sampled_from(["arithmetic", "geometric"]))
def test_axis_scores_are_within_0_100_and_nan_only_without_data(frame, method, aggregation):
    scores, _ = run(frame, make_spec(method, aggregation, outliers=True))
    for axis in AXES:
        values = scores[axis].to_numpy()
        ok = ~np.isnan(values)
        assert np.all((values[ok] >= 0) & (values[ok] <= 100 + 1e-9))  # exactly 100: see the xfail below
        keys = [k for k in KEYS if AXIS_OF[k] == axis]
        assert np.array_equal(ok, frame[keys].notna().any(axis=1).to_numpy())
        cov = scores[f"coverage_{axis}"].to_numpy()
        assert np.all((cov >= 0) & (cov <= 1 + 1e-12))
        assert np.all((cov > 0) == ok)
    assert set(scores["quadrant"]) <= {"lead", "build", "leverage", "monitor", ""}


def test_geometric_aggregation_of_equal_group_means_returns_that_mean():
    frame = pd.DataFrame({k: [0.0, 1.0, 2.0] for k in KEYS}, index=unit_index(3, 1))  # minmax → 0, 50, 100
    scores, _ = run(frame, make_spec("minmax", "geometric"))
    assert scores["right_to_win"].iloc[2] <= 100.0  # actual 100.00000000000004
    assert scores["want_to_win"].iloc[1] == 50.0  # actual 49.99999999999999
    assert scores["quadrant"].iloc[1] == "lead"  # actual "leverage"


@PROPERTY
@given(
    frame=panels(),
    method=st.sampled_from(METHODS),
    aggregation=st.sampled_from(["arithmetic", "geometric"]),
    data=st.data(),
)
def test_raising_one_value_never_lowers_its_axis_score(frame, method, aggregation, data):
    """Raise one unit's value of one indicator, holding the rest: its axis score does not fall (does not rise for a
    negative-direction indicator), and the other axis does not move. Outlier treatment off: see the xfail below."""
    directions = {"b": -1, "e": -1}
    spec = make_spec(method, aggregation, outliers=False, directions=directions)
    key = data.draw(st.sampled_from(KEYS))
    present = np.flatnonzero(frame[key].notna().to_numpy())
    assume(present.size)
    unit = int(data.draw(st.sampled_from(present.tolist())))
    delta = data.draw(st.integers(1, 200_000).map(lambda i: i / 100))
    raised = frame.copy()
    raised.iloc[unit, KEYS.index(key)] += delta
    before, _ = run(frame, spec)
    after, _ = run(raised, spec)
    axis = AXIS_OF[key]
    other = AXES[1 - AXES.index(axis)]
    b, a = before[axis].iloc[unit], after[axis].iloc[unit]
    if directions.get(key, 1) == 1:
        assert a >= b - 1e-9, (key, unit, b, a)
    else:
        assert a <= b + 1e-9, (key, unit, b, a)
    np.testing.assert_array_equal(before[other].to_numpy(), after[other].to_numpy())


def test_raising_the_top_value_with_outlier_treatment_does_not_lower_its_score():
    values = np.arange(1.0, 11.0)  # 1..10: no treatment; the top unit scores 95 (rank 10 of 10)
    frame = pd.DataFrame({k: values for k in KEYS}, index=unit_index(10, 1))
    spec = make_spec("percentile", outliers=True)
    before, _ = run(frame, spec)
    raised = frame.copy()
    raised.iloc[9, 0] = 1000.0  # now |skew| > 2 and kurtosis > 3.5: winsorised to 9, tied with the runner-up
    after, prepared = run(raised, spec)
    assert prepared.treatment["a"]["winsorised"] == 1
    assert after["right_to_win"].iloc[9] >= before["right_to_win"].iloc[9]


@PROPERTY
@given(
    frame=panels(),
    method=st.sampled_from(METHODS),
    aggregation=st.sampled_from(["arithmetic", "geometric"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_scores_do_not_depend_on_row_order(frame, method, aggregation, seed):
    spec = make_spec(method, aggregation, outliers=True)
    shuffled = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    base, _ = run(frame, spec)
    perm, _ = run(shuffled, spec)
    perm = perm.reindex(base.index)
    for column in ("right_to_win", "want_to_win", "coverage_right_to_win", "coverage_want_to_win", "coverage"):
        np.testing.assert_allclose(perm[column], base[column], rtol=1e-12, atol=1e-9, equal_nan=True)
    assert perm["quadrant"].tolist() == base["quadrant"].tolist()
    assert perm["rank"].tolist() == base["rank"].tolist()


@PROPERTY
@given(frame=panels(), aggregation=st.sampled_from(["arithmetic", "geometric"]), seed=st.integers(0, 10**6))
def test_monte_carlo_is_seeded_and_its_intervals_are_ordered_and_bounded(frame, aggregation, seed):
    spec = make_spec("percentile", aggregation, outliers=True)
    first, _ = run(frame, spec, uncertainty=True, draws=25, seed=seed)
    again, _ = run(frame, spec, uncertainty=True, draws=25, seed=seed)
    pd.testing.assert_frame_equal(first, again)
    n_clusters = frame.index.get_level_values("cluster").nunique()
    for axis, prefix in (("right_to_win", "rtw"), ("want_to_win", "wtw")):
        low, high = first[f"{prefix}_low"].to_numpy(), first[f"{prefix}_high"].to_numpy()
        known = ~np.isnan(first[axis].to_numpy())
        assert np.array_equal(~np.isnan(low), known) and np.array_equal(~np.isnan(high), known)
        assert np.all(low[known] <= high[known] + 1e-9)
        assert np.all((low[known] >= 0) & (high[known] <= 100))
    rank_low, rank_high = first["rank_low"].to_numpy(), first["rank_high"].to_numpy()
    assert not np.isnan(rank_low).any() and not np.isnan(rank_high).any()
    assert np.all(rank_low <= rank_high)
    assert np.all((rank_low >= 1) & (rank_high <= n_clusters))
    assert np.array_equal(rank_low, np.floor(rank_low)) and np.array_equal(rank_high, np.ceil(rank_high))
    stability = first["stability"].to_numpy()
    placed = (first["quadrant"] != "").to_numpy()
    assert np.array_equal(~np.isnan(stability), placed)
    assert np.all((stability[placed] >= 0) & (stability[placed] <= 1))


def test_monte_carlo_differs_for_a_different_seed():
    frame = random_frame(12, 5, seed=3)
    spec = make_spec("percentile", outliers=True)
    one, _ = run(frame, spec, uncertainty=True, draws=40, seed=1)
    two, _ = run(frame, spec, uncertainty=True, draws=40, seed=2)
    columns = ["rtw_low", "rtw_high", "wtw_low", "wtw_high"]
    pd.testing.assert_frame_equal(
        one.drop(columns=columns + ["rank_low", "rank_high", "stability"]),
        two.drop(columns=columns + ["rank_low", "rank_high", "stability"]),
    )
    assert not np.allclose(one[columns].to_numpy(), two[columns].to_numpy(), equal_nan=True)


def chunked_monte_carlo(uneven):
    frame = random_frame(40, 5, seed=8, nan_share=0.2)
    if uneven:  # regions with 1..5 clusters: the per-draw lexsort path
        keep = np.random.default_rng(8).random(len(frame)) < 0.7
        frame = frame[keep]
    spec = make_spec("percentile", "arithmetic", outliers=True)
    prepared = comp.prepare(frame, spec, methods=DEFAULT_NORMALISATIONS)
    groups = frame.index.get_level_values(0)
    small = comp.monte_carlo(prepared, spec, 60, 5, rank_groups=groups, chunk_units=7)
    large = comp.monte_carlo(prepared, spec, 60, 5, rank_groups=groups, chunk_units=10_000)
    return small, large


@pytest.mark.parametrize("uneven", [False, True])
def test_monte_carlo_does_not_depend_on_chunking_beyond_float32_rounding(uneven):
    small, large = chunked_monte_carlo(uneven)
    pd.testing.assert_frame_equal(small, large, check_exact=False, rtol=0, atol=1e-4)
    for column in ("rank_low", "rank_high", "stability"):
        pd.testing.assert_series_equal(small[column], large[column], check_exact=True)


@pytest.mark.parametrize("uneven", [False, True])
def test_monte_carlo_is_identical_whatever_the_chunking(uneven):
    small, large = chunked_monte_carlo(uneven)
    # Same draws, same units: equal up to float32 rounding of differently blocked products.
    pd.testing.assert_frame_equal(small, large, check_exact=False, rtol=1e-6, atol=1e-4)


# --------------------------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------------------------


def explain_unit(frame, spec, prepared, unit):
    raw = frame.iloc[unit].to_dict()
    normalised = dict(zip(prepared.structure.keys, prepared.baseline[unit], strict=True))
    return comp.explain(raw, normalised, spec)


@PROPERTY
@given(frame=panels(), data=st.data())
def test_explanation_weights_contributions_and_drivers(frame, data):
    spec = make_spec(data.draw(st.sampled_from(METHODS)), "arithmetic", outliers=True)
    scores, prepared = run(frame, spec)
    unit = data.draw(st.integers(0, len(frame) - 1))
    expl = explain_unit(frame, spec, prepared, unit)
    for axis in AXES:
        part = expl[axis]
        rows = part["indicators"]
        present = [r for r in rows if r["normalised"] is not None]
        assert part["missing"] == [r["indicator"] for r in rows if r["normalised"] is None]
        assert part["coverage"] == pytest.approx(scores[f"coverage_{axis}"].iloc[unit], abs=1e-4)
        if not present:
            assert part["score"] is None
            assert part["drivers_up"] == [] and part["drivers_down"] == []
            continue
        assert part["score"] == pytest.approx(scores[axis].iloc[unit], abs=0.006)
        assert sum(r["applied_weight"] for r in present) == pytest.approx(1.0, abs=1e-3)
        assert all(r["applied_weight"] == 0 and r["contribution"] is None for r in rows if r not in present)
        # arithmetic: contributions add up to the axis score (each rounded to 0.01)
        assert sum(r["contribution"] for r in present) == pytest.approx(part["score"], abs=0.01 * len(rows) + 0.01)
        impact = {r["indicator"]: r["impact"] for r in present}
        assert all(impact[k] > 0 for k in part["drivers_up"])
        assert all(impact[k] < 0 for k in part["drivers_down"])
        assert len(part["drivers_up"]) == min(3, sum(v > 0 for v in impact.values()))
        assert len(part["drivers_down"]) == min(3, sum(v < 0 for v in impact.values()))
        ups = [impact[k] for k in part["drivers_up"]]
        assert ups == sorted(ups, reverse=True)
        for r in present:  # the sign of the impact is the side of 50 the normalised value is on
            if r["impact"] > 0:
                assert r["normalised"] > 50
            elif r["impact"] < 0:
                assert r["normalised"] < 50


def test_explanation_renormalises_weights_and_lowers_coverage_when_an_indicator_is_missing():
    spec = make_spec("minmax")
    normalised = {"a": 80.0, "b": 20.0, "c": 60.0, "d": 90.0, "e": 10.0, "f": 40.0}
    full = comp.explain(normalised, normalised, spec)
    assert full["right_to_win"]["coverage"] == 1.0
    # effective weights: a 0.6·0.6 = 0.36, b 0.6·0.4 = 0.24, c 0.4
    by_key = {r["indicator"]: r for r in full["right_to_win"]["indicators"]}
    assert [by_key[k]["applied_weight"] for k in "abc"] == [0.36, 0.24, 0.4]
    assert full["right_to_win"]["score"] == pytest.approx(0.36 * 80 + 0.24 * 20 + 0.4 * 60, abs=0.005)

    without_b = comp.explain(normalised, {**normalised, "b": None}, spec)
    part = without_b["right_to_win"]
    assert part["coverage"] == pytest.approx(1 - 0.24, abs=1e-4)
    assert part["missing"] == ["b"]
    by_key = {r["indicator"]: r for r in part["indicators"]}
    assert by_key["b"]["applied_weight"] == 0 and by_key["b"]["contribution"] is None
    assert by_key["b"]["weight"] == 0.24  # the nominal weight is still shown
    assert [by_key[k]["applied_weight"] for k in "ac"] == [0.6, 0.4]  # a takes its whole group's weight
    assert part["score"] == pytest.approx(0.6 * 80 + 0.4 * 60, abs=0.005)
    assert sum(r["contribution"] for r in part["indicators"] if r["contribution"] is not None) == pytest.approx(
        part["score"], abs=0.02
    )
    assert part["drivers_up"] == ["a", "c"] and part["drivers_down"] == []

    without_group = comp.explain(normalised, {**normalised, "c": None}, spec)["right_to_win"]
    assert without_group["coverage"] == pytest.approx(0.6, abs=1e-4)
    by_key = {r["indicator"]: r for r in without_group["indicators"]}
    assert [by_key[k]["applied_weight"] for k in "ab"] == [0.6, 0.4]  # the remaining group takes the axis
    # want to win: d 0.5·2/3, e 0.5·1/3, f 0.5; drivers by weighted distance from 50
    want = full["want_to_win"]
    assert want["drivers_up"] == ["d"] and want["drivers_down"] == ["e", "f"]


@PROPERTY
@given(frame=panels(), data=st.data())
def test_geometric_explanation_contributions_add_up_to_the_score(frame, data):
    spec = make_spec(data.draw(st.sampled_from(METHODS)), "geometric", outliers=True)
    scores, prepared = run(frame, spec)
    unit = data.draw(st.integers(0, len(frame) - 1))
    expl = explain_unit(frame, spec, prepared, unit)
    for axis in AXES:
        part = expl[axis]
        present = [r for r in part["indicators"] if r["contribution"] is not None]
        assume(part["score"] is not None and part["score"] > 1.5)
        assert part["score"] == pytest.approx(scores[axis].iloc[unit], abs=0.006)
        total = sum(r["contribution"] for r in present)
        assert total == pytest.approx(part["score"], abs=0.01 * len(present) + 0.01)


# --------------------------------------------------------------------------------------------------------------
# Outlier treatment against scipy
# --------------------------------------------------------------------------------------------------------------


def needs_treatment(values, skew_limit=2.0, kurtosis_limit=3.5, slack=0.0):
    """COINr's test with scipy's bias-corrected moments; ``slack`` > 0 makes it stricter, < 0 more lenient."""
    skew = scipy.stats.skew(values, bias=False)
    kurt = scipy.stats.kurtosis(values, bias=False)
    return abs(skew) > skew_limit - slack and kurt > kurtosis_limit - slack


def winsorise_top(values, k):
    ordered = np.sort(values)
    return np.minimum(values, ordered[values.size - k - 1])


def check_treatment(values, max_share=0.05):
    out, note = comp.treat_outliers(values, 2.0, 3.5, max_share)
    n = values.size
    k_max = min(max(1, int(max_share * n)), n - 2)
    if not needs_treatment(values, slack=-1e-9):  # comfortably within the limits: untouched
        assert note == {"winsorised": 0, "log": False}
        np.testing.assert_array_equal(out, values)
        return note
    if not needs_treatment(values, slack=1e-9):  # on the boundary to rounding: either answer is fine
        return note
    skewed_up = scipy.stats.skew(values, bias=False) > 0
    x = values if skewed_up else -values
    if note["winsorised"]:
        k = note["winsorised"]
        assert 1 <= k <= k_max
        expected = winsorise_top(x, k)
        np.testing.assert_array_equal(out, expected if skewed_up else -expected)
        assert not needs_treatment(out, slack=-1e-9)  # within the limits after k points
        for j in range(1, k):  # and k is the smallest such k
            assert needs_treatment(winsorise_top(x, j), slack=1e-9)
        assert not note["log"]
    else:
        assert note["log"]
        for j in range(1, k_max + 1):  # no k up to the limit would have done
            assert needs_treatment(winsorise_top(x, j), slack=1e-9)
        expected = np.log(x - x.min() + 1.0)
        np.testing.assert_allclose(out, expected if skewed_up else -expected, rtol=1e-12)
    return note


def test_treat_outliers_winsorises_the_fewest_points_that_fix_skew_and_kurtosis():
    rng = np.random.default_rng(4)
    values = np.concatenate([rng.normal(10, 1, 200), [40.0, 45.0, 60.0]])
    assert needs_treatment(values)
    note = check_treatment(values)
    assert note["winsorised"] >= 2  # one point is not enough here
    # negative skew: the mirror image, winsorised at the bottom with the same k
    mirrored, mirror_note = comp.treat_outliers(-values)
    assert mirror_note == note
    np.testing.assert_array_equal(mirrored, -comp.treat_outliers(values)[0])
    assert check_treatment(-values) == note


def test_treat_outliers_falls_back_to_log_when_winsorising_cannot_fix_it():
    values = np.concatenate([np.ones(60), np.geomspace(10, 1e6, 12)])  # 12 huge points, winsorising stops at 3
    note = check_treatment(values)
    assert note == {"winsorised": 0, "log": True}
    out, _ = comp.treat_outliers(values)
    np.testing.assert_allclose(out, np.log(values - values.min() + 1.0))
    mirrored, mirror_note = comp.treat_outliers(-values)
    assert mirror_note == note
    np.testing.assert_allclose(mirrored, -np.log(values - values.min() + 1.0))


def test_treat_outliers_keeps_nans_and_leaves_small_or_constant_columns():
    values = np.array([1.0, np.nan, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 500.0])
    out, note = comp.treat_outliers(values)
    assert np.isnan(out[1]) and note["winsorised"] == 1
    np.testing.assert_array_equal(out[~np.isnan(values)], np.minimum(values[~np.isnan(values)], 2.0))
    for tiny in (np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 100.0]), np.full(20, 3.0)):  # < 8 values; constant
        out, note = comp.treat_outliers(tiny)
        assert note == {"winsorised": 0, "log": False}
        np.testing.assert_array_equal(out, tiny)


@PROPERTY
@given(
    n=st.integers(10, 300),
    sigma=st.floats(0.2, 3.0),
    tail=st.integers(0, 8),
    share=st.sampled_from([0.01, 0.05, 0.1, 0.2]),
    sign=st.sampled_from([1.0, -1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_treat_outliers_matches_a_direct_computation(n, sigma, tail, share, sign, seed):
    rng = np.random.default_rng(seed)
    values = rng.lognormal(0.0, sigma, n)
    values[:tail] *= rng.uniform(5, 200, min(tail, n))
    values = np.round(sign * values, 6)
    assume(values.max() > values.min())
    check_treatment(values, max_share=share)


# --------------------------------------------------------------------------------------------------------------
# Normalisation on hand values
# --------------------------------------------------------------------------------------------------------------


def test_percentile_averages_ties_and_skips_nans():
    np.testing.assert_allclose(comp.normalise(np.array([1.0, 2.0, 2.0, 3.0]), "percentile"), [12.5, 50, 50, 87.5])
    np.testing.assert_allclose(comp.normalise(np.array([np.nan, 5.0, 1.0]), "percentile"), [np.nan, 75, 25])
    np.testing.assert_allclose(comp.normalise(np.full(3, 7.0), "percentile"), [50, 50, 50])
    values = np.random.default_rng(1).integers(0, 5, 50).astype(float)
    np.testing.assert_allclose(comp.average_ranks(values), scipy.stats.rankdata(values))


def test_minmax_and_its_constant_column():
    np.testing.assert_allclose(comp.normalise(np.array([2.0, 4.0, 6.0, np.nan]), "minmax"), [0, 50, 100, np.nan])
    np.testing.assert_allclose(comp.normalise(np.array([3.0, 3.0, np.nan]), "minmax"), [50, 50, np.nan])


def test_zscore_is_50_at_the_mean():
    out = comp.normalise(np.array([1.0, 2.0, 3.0]), "zscore")
    z = 1 / np.sqrt(2 / 3)  # population sd
    np.testing.assert_allclose(out, 100 * scipy.stats.norm.cdf([-z, 0, z]))
    assert out[1] == 50.0
    np.testing.assert_allclose(comp.normalise(np.full(4, 2.5), "zscore"), [50] * 4)


def test_goalposts_clip_and_target_caps_at_100():
    values = np.array([-5.0, 0.0, 2.5, 10.0, 20.0, np.nan])
    np.testing.assert_allclose(comp.normalise(values, "goalposts", goalposts=[0, 10]), [0, 0, 25, 100, 100, np.nan])
    np.testing.assert_allclose(comp.normalise(values, "target", target=5.0), [0, 0, 50, 100, 100, np.nan])
    np.testing.assert_array_equal(comp.normalise(np.full(3, np.nan), "minmax"), np.full(3, np.nan))
    with pytest.raises(ValueError, match="Unknown normalisation"):
        comp.normalise(values, "ranked")


def test_prepare_flips_negative_direction_and_applies_log1p():
    layout = {
        "right_to_win": {"g": (1.0, {"a": 1.0, "b": 1.0})},
        "want_to_win": {"h": (1.0, {"c": 1.0})},
    }
    spec = make_spec("minmax", layout=layout, directions={"b": -1})
    spec["axes"]["want_to_win"]["h"]["indicators"]["c"].update(
        normalisation="goalposts", goalposts=[0.0, float(np.log1p(99.0))], transform="log1p"
    )
    spec = validate_spec(spec)
    frame = pd.DataFrame({"a": [0.0, 5.0, 10.0], "b": [0.0, 5.0, 10.0], "c": [-3.0, 9.0, 99.0]}, index=unit_index(3, 1))
    prepared = comp.prepare(frame, spec)
    np.testing.assert_allclose(prepared.baseline[:, 0], [0, 50, 100])
    np.testing.assert_allclose(prepared.baseline[:, 1], [100, 50, 0])
    np.testing.assert_allclose(prepared.baseline[:, 2], [0, 100 * np.log(10) / np.log(100), 100])


# --------------------------------------------------------------------------------------------------------------
# Aggregation against a naive per-unit implementation
# --------------------------------------------------------------------------------------------------------------


def naive_aggregate(values, mask, structure, aggregation):
    units = values.shape[0]
    scores = np.full((units, 2), np.nan)
    coverage = np.zeros((units, 2))
    n_groups = len(structure.group_keys)
    for u in range(units):
        for a in range(2):
            groups = [g for g in range(n_groups) if structure.group_axis[g] == a]
            axis_weight = sum(structure.group_weight[g] for g in groups)
            parts = []
            for g in groups:
                members = [i for i in range(len(structure.keys)) if structure.group_of[i] == g]
                present = [i for i in members if mask[u, i]]
                if not present:
                    continue
                inner = sum(structure.indicator_weight[i] for i in present)
                coverage[u, a] += (
                    structure.group_weight[g]
                    / axis_weight
                    * inner
                    / sum(structure.indicator_weight[i] for i in members)
                )
                mean = sum(structure.indicator_weight[i] * values[u, i] for i in present) / inner
                parts.append((structure.group_weight[g], mean))
            if not parts:
                continue
            total = sum(w for w, _ in parts)
            if aggregation == "arithmetic":
                scores[u, a] = sum(w * m for w, m in parts) / total
            else:
                scores[u, a] = math.exp(sum(w * math.log(max(m, 1.0)) for w, m in parts) / total)
    return scores, coverage


@st.composite
def layouts(draw):
    layout, counter = {}, 0
    for axis in AXES:
        layout[axis] = {}
        for g in range(draw(st.integers(1, 3))):
            indicators = {}
            for _ in range(draw(st.integers(1, 4))):
                indicators[f"i{counter}"] = draw(st.integers(1, 20)) / 10
                counter += 1
            layout[axis][f"{axis[:1]}{g}"] = (draw(st.integers(1, 20)) / 10, indicators)
    return layout


@PROPERTY
@given(
    layout=layouts(),
    units=st.integers(1, 40),
    pattern=st.sampled_from(["none", "cells", "columns", "rows", "groups"]),
    aggregation=st.sampled_from(["arithmetic", "geometric"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_aggregate_matches_a_naive_per_unit_implementation(layout, units, pattern, aggregation, seed):
    spec = make_spec("percentile", aggregation, layout=layout)
    structure = comp.Structure.of(spec)
    rng = np.random.default_rng(seed)
    n_ind = len(structure.keys)
    values = rng.uniform(0, 100, (units, n_ind))
    values[rng.random(values.shape) < 0.1] = rng.uniform(0, 1)  # below the geometric floor of 1
    if pattern == "none":
        mask = np.ones(values.shape, dtype=bool)
    elif pattern == "cells":
        mask = rng.random(values.shape) > 0.3
    elif pattern == "columns":
        mask = np.repeat(rng.random((1, n_ind)) > 0.4, units, axis=0)
    elif pattern == "rows":
        mask = np.repeat(rng.random((units, 1)) > 0.3, n_ind, axis=1)
    else:  # whole groups missing for some units
        group_missing = rng.random((units, len(structure.group_keys))) < 0.4
        mask = ~group_missing[:, structure.group_of]
    normalised = np.where(mask, values, np.nan)
    scores, coverage = comp.aggregate(normalised, mask, structure, aggregation)
    expected_scores, expected_coverage = naive_aggregate(normalised, mask, structure, aggregation)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-10, atol=1e-9, equal_nan=True)  # scores round at 1e-9
    np.testing.assert_allclose(coverage, expected_coverage, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
def test_a_group_with_only_zero_weight_indicators_present_is_treated_as_missing(aggregation):
    layout = {
        "right_to_win": {"g": (1.0, {"a": 1.0, "b": 0.0}), "h": (1.0, {"c": 1.0})},
        "want_to_win": {"w": (1.0, {"d": 1.0})},
    }
    structure = comp.Structure.of(make_spec("percentile", aggregation, layout=layout))
    normalised = np.array([[np.nan, 80.0, 60.0, 50.0]])  # a missing, b (weight 0) present
    mask = ~np.isnan(normalised)
    scores, coverage = comp.aggregate(normalised, mask, structure, aggregation)
    assert coverage[0, 0] == pytest.approx(0.5)  # group g contributes no weight ...
    assert scores[0, 0] == pytest.approx(60.0)  # ... so the axis is group h alone (actual: 30.0 / 7.75)


def test_aggregate_on_the_default_methodology_matches_the_naive_implementation():
    spec = validate_spec(default_spec())
    structure = comp.Structure.of(spec)
    rng = np.random.default_rng(2)
    values = rng.uniform(0, 100, (200, len(structure.keys)))
    mask = rng.random(values.shape) > 0.25
    normalised = np.where(mask, values, np.nan)
    for aggregation in ("arithmetic", "geometric"):
        scores, coverage = comp.aggregate(normalised, mask, structure, aggregation)
        expected_scores, expected_coverage = naive_aggregate(normalised, mask, structure, aggregation)
        np.testing.assert_allclose(scores, expected_scores, rtol=1e-10, atol=1e-9, equal_nan=True)
        np.testing.assert_allclose(coverage, expected_coverage, rtol=1e-10)
