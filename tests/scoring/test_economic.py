"""Economic indicators engine (scoring.economic): no database, runs in seconds.

* py-ecomplexity 0.5.3 is the oracle for RCA, presence, proximity and density (skipped if it is not installed).
* CMP strength rules on hand-worked region sets, with the percentiles worked out in the comments.
* Shift-share, growth and job quality on hand values; hypothesis properties; one real-data check on CMP 2016 states.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scoring import economic as eco

REPO = Path(__file__).resolve().parents[2]


def make_panel(emp, scope=None, est=None, region_total=None, benchmark_cluster=None, benchmark_total=None, **kw):
    """A panel; totals and benchmark default to the matrix's own sums (self-benchmarked region set)."""
    emp = np.asarray(emp, dtype=np.float64)
    r, c = emp.shape
    scope = np.array([""] * c if scope is None else scope)
    if region_total is None:
        region_total = {"all": np.nansum(emp, axis=1)}
        for s in ("traded", "local"):
            region_total[s] = np.nansum(emp[:, scope == s], axis=1)
    if benchmark_cluster is None:
        benchmark_cluster = np.nansum(emp, axis=0)
    if benchmark_total is None:
        benchmark_total = {k: float(v.sum()) for k, v in region_total.items()}
    return eco.EconomicPanel(
        regions=pd.Index([f"r{i}" for i in range(r)]),
        clusters=pd.Index([f"c{j}" for j in range(c)]),
        scope=scope,
        employment=emp,
        establishments=np.ones_like(emp) if est is None else est,
        payroll=np.full_like(emp, np.nan),
        region_total=region_total,
        benchmark_cluster=benchmark_cluster,
        benchmark_total=benchmark_total,
        **kw,
    )


def synthetic(r, k, seed, zero_share=0.4):
    """Log-normal region sizes × cluster shares × noise, integer counts, ~40% zeros, no empty rows or columns."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(3.0, 1.0, r)
    share = rng.lognormal(0.0, 1.0, k)
    x = np.round(size[:, None] * share[None, :] * rng.lognormal(0.0, 0.5, (r, k)) * 10) + 1
    x[rng.random((r, k)) < zero_share] = 0
    assert (x.sum(axis=0) > 0).all() and (x.sum(axis=1) > 0).all()
    return x


# ----------------------------------------------------------------------------------------------------------------
# ecomplexity as an oracle
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # ecomplexity 0.5.3 on pandas 3
@pytest.mark.parametrize(("r", "k", "seed"), [(60, 40, 1), (200, 120, 2)])
def test_rca_presence_proximity_density_match_ecomplexity(r, k, seed, capsys):
    ecomplexity = pytest.importorskip("ecomplexity")
    x = synthetic(r, k, seed)
    assert 0.35 < (x == 0).mean() < 0.45
    long = pd.DataFrame({"year": 2016, "loc": np.repeat(np.arange(r), k), "prod": np.tile(np.arange(k), r)})
    long["val"] = x.ravel()
    cols = {"time": "year", "loc": "loc", "prod": "prod", "val": "val"}
    out = ecomplexity.ecomplexity(long, cols, verbose=False, check_logsupermodularity=False)
    out = out.sort_values(["loc", "prod"])
    prox = ecomplexity.proximity(long, cols).sort_values(["prod_1", "prod_2"])  # prints the year
    capsys.readouterr()

    ours_rca = eco.rca(x)
    m = eco.presence(ours_rca)
    np.testing.assert_allclose(ours_rca, out["rca"].to_numpy().reshape(r, k), rtol=1e-9, atol=0)
    assert m.dtype == np.float32
    np.testing.assert_array_equal(m, out["mcp"].to_numpy().reshape(r, k))

    # Proximity: equal off the diagonal; ecomplexity keeps C_kk / u_k = 1 on it, ours is 0.
    phi = eco.proximity(m)
    eco_phi = prox["proximity"].to_numpy().reshape(k, k)
    off = ~np.eye(k, dtype=bool)
    np.testing.assert_allclose(phi[off], eco_phi[off], rtol=1e-9, atol=0)
    np.testing.assert_array_equal(np.diag(eco_phi), 1.0)
    np.testing.assert_array_equal(np.diag(phi), 0.0)

    # Density: with a unit diagonal ours reproduces ecomplexity's (float32 sgemm tolerance) ...
    eco_density = out["density"].to_numpy().reshape(r, k)
    phi_unit = phi.copy()
    np.fill_diagonal(phi_unit, 1.0)
    np.testing.assert_allclose(eco.density(m, phi_unit), eco_density, rtol=1e-5, atol=1e-6)
    # ... and our zero-diagonal density relates to it exactly as documented:
    # ω_eco = (Σ_{k'≠k} M φ + M_rk) / (Σ_{k'≠k} φ + 1) = (ω_ours · S_k + M_rk) / (S_k + 1).
    s = phi.sum(axis=0)
    ours = eco.density(m, phi)
    np.testing.assert_allclose((ours * s + m) / (s + 1), eco_density, rtol=1e-5, atol=1e-6)


def test_proximity_is_exact_float32_sgemm_count_divided_in_float64():
    m = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=np.float32)
    # ubiquity u = (3, 2, 1); C_01 = 2, C_02 = 1, C_12 = 1 → φ = C / max(u, u')
    expected = np.array([[0, 2 / 3, 1 / 3], [2 / 3, 0, 1 / 2], [1 / 3, 1 / 2, 0]])
    np.testing.assert_array_equal(eco.proximity(m), expected)
    # a never-present column gets 0, not NaN
    m0 = np.hstack([m, np.zeros((4, 1), dtype=np.float32)])
    assert np.isfinite(eco.proximity(m0)).all() and (eco.proximity(m0)[:, 3] == 0).all()


# ----------------------------------------------------------------------------------------------------------------
# CMP location quotients and strength flags, by hand
# ----------------------------------------------------------------------------------------------------------------

# Seven regions, benchmark = separate national totals: traded 1,000 (A 100, B 200), local 2,000 (L 400).
# Each region's traded total is 100, so LQ_A = E_A / 100 / 0.1 = E_A / 10 and LQ_B = E_B / 20.
# Local totals are 50 per region, so LQ_L = E_L / 50 / 0.2 = E_L / 10 (with traded totals it would be E_L / 40).
EMP_A = [0, 5, 8, 10, 12, 20, 30]
EST_A = [0, 2, 3, 1, 4, 6, 5]
EMP_B = [0, 2, 4, 6, 8, 10, 12]
EST_B = [0, 1, 2, 3, 4, 5, 6]
EMP_L = [10, 10, 20, 5, 15, 30, 10]


def hand_panel(extra_zero_regions=0):
    emp = np.array([EMP_A, EMP_B, EMP_L], dtype=float).T
    est = np.array([EST_A, EST_B, [3] * 7], dtype=float).T
    if extra_zero_regions:
        emp = np.vstack([emp, np.zeros((extra_zero_regions, 3))])
        est = np.vstack([est, np.zeros((extra_zero_regions, 3))])
    r = emp.shape[0]
    return make_panel(
        emp,
        scope=["traded", "traded", "local"],
        est=est,
        region_total={"traded": np.full(r, 100.0), "local": np.full(r, 50.0), "all": np.full(r, 150.0)},
        benchmark_cluster=np.array([100.0, 200.0, 400.0]),
        benchmark_total={"traded": 1000.0, "local": 2000.0, "all": 3000.0},
    )


def test_lq_uses_traded_totals_for_traded_and_local_totals_for_local_clusters():
    lq = eco.location_quotient(hand_panel())
    np.testing.assert_allclose(lq[:, 0], np.array(EMP_A) / 10, rtol=1e-12)
    np.testing.assert_allclose(lq[:, 1], np.array(EMP_B) / 20, rtol=1e-12)
    np.testing.assert_allclose(lq[:, 2], np.array(EMP_L) / 10, rtol=1e-12)


def test_cmp_flags_cluster_a_by_hand():
    # Regions with employment > 0 are r1..r6 (r0 has none and is left out of every percentile).
    #   LQ sorted (0.5, 0.8, 1.0, 1.2, 2.0, 3.0), n = 6; d3: H = 5p + 1, interpolate between x[h-1] and x[h]
    #   P25: H = 2.25 → 0.8 + 0.25·0.2 = 0.85    P50: H = 3.5 → 1.0 + 0.5·0.2 = 1.1
    #   P75: H = 4.75 → 1.2 + 0.75·0.8 = 1.8     P90: H = 5.5 → 2.0 + 0.5·1.0 = 2.5
    #   emp sorted (5, 8, 10, 12, 20, 30): P25 = 8 + 0.25·2 = 8.5
    #   est of r1..r6 (2, 3, 1, 4, 6, 5) sorted (1..6): P25 = 2 + 0.25·1 = 2.25
    # r1 (emp 5) and r2 (emp 8) fail emp > 8.5; r3 (est 1) fails est > 2.25 although LQ 1.0 > P25.
    # r4 LQ 1.2: qualifying, significant (> 1.1), not strong (< 1.8).  r5 LQ 2.0: strong, not strong10 (< 2.5).
    # r6 LQ 3.0: everything.
    q = eco.column_quantiles(eco.location_quotient(hand_panel()), np.array(EMP_A)[:, None] > 0, [0.25, 0.5, 0.75, 0.9])
    np.testing.assert_allclose(q[:, 0], [0.85, 1.1, 1.8, 2.5], rtol=1e-12)
    f = eco.strength_flags(hand_panel())
    assert f["qualifying"][:, 0].tolist() == [False, False, False, False, True, True, True]
    assert f["significant"][:, 0].tolist() == [False, False, False, False, True, True, True]
    assert f["strong"][:, 0].tolist() == [False, False, False, False, False, True, True]
    assert f["strong10"][:, 0].tolist() == [False, False, False, False, False, False, True]


def test_cmp_strong_requires_lq_at_least_one():
    # Cluster B: LQ = (0.1 … 0.6) over r1..r6, every region under-specialised.
    #   LQ P25 = 0.2 + 0.25·0.1 = 0.225, P50 = 0.35, P75 = 0.4 + 0.75·0.1 = 0.475, P90 = 0.5 + 0.5·0.1 = 0.55
    #   emp (2..12): P25 = 4 + 0.25·2 = 4.5 → r3..r6 pass; est (1..6): P25 = 2.25 → r3..r6 pass.
    # r6 (0.6 ≥ P90) and r5 (0.5 ≥ P75) would be strong10/strong on percentiles alone but LQ < 1.
    f = eco.strength_flags(hand_panel())
    assert not f["strong"][:, 1].any() and not f["strong10"][:, 1].any()
    assert f["significant"][:, 1].tolist() == [False, False, False, False, True, True, True]
    assert f["qualifying"][:, 1].tolist() == [False, False, False, True, True, True, True]


def test_cmp_flags_ignore_local_clusters_and_zero_employment_regions():
    f = eco.strength_flags(hand_panel())
    assert not any(f[k][:, 2].any() for k in f)  # local cluster L: LQ up to 3.0, never flagged
    # With the zero-employment region r0 counted, emp P25 over (0, 5, 8, …) would be 6.5, est P25 1.5 and LQ P25
    # 0.65, so r2 (emp 8, est 3, LQ 0.8) would qualify; CMP counts only regions with employment > 0.
    assert not f["qualifying"][2, 0]
    # Adding more empty regions changes nothing for the others.
    g = eco.strength_flags(hand_panel(extra_zero_regions=5))
    for k in f:
        np.testing.assert_array_equal(g[k][:7], f[k])
        assert not g[k][7:].any()


def test_cmp_flags_unknown_employment_is_not_active():
    p = hand_panel()
    emp = p.employment.copy()
    emp[1, 0] = np.nan  # r1 unknown: drops out of the percentiles exactly like a zero
    q = make_panel(
        emp, p.scope, p.establishments, p.region_total, p.benchmark_cluster, p.benchmark_total
    )  # same totals
    assert not any(v[1, 0] for v in eco.strength_flags(q).values())
    # r1..r6 minus r1: LQ (0.8, 1.0, 1.2, 2.0, 3.0): P75 = 2.0 → r5 still strong; emp (8, …) P25 = 10 → r4 (12) ok.
    assert eco.strength_flags(q)["strong"][:, 0].tolist() == [False, False, False, False, False, True, True]


def test_unsplit_clusters_get_flags_and_use_all_totals():
    p = hand_panel()
    q = make_panel(
        p.employment,
        scope=["", "", ""],
        est=p.establishments,
        region_total={"all": np.full(7, 100.0)},
        benchmark_cluster=p.benchmark_cluster,
        benchmark_total={"all": 1000.0},
    )
    np.testing.assert_allclose(eco.location_quotient(q)[:, :2], eco.location_quotient(p)[:, :2], rtol=1e-12)
    assert eco.strength_flags(q)["strong"][:, 0].tolist() == [False, False, False, False, False, True, True]
    # L is an ordinary cluster now: LQ = E_L / 100 / 0.4 = E_L / 40 over all seven regions (all have jobs).
    np.testing.assert_allclose(eco.location_quotient(q)[:, 2], np.array(EMP_L) / 40, rtol=1e-12)
    # LQ sorted (.125, .25, .25, .25, .375, .5, .75): P25 at H = 2.5 → .25; emp sorted (5, 10, 10, 10, 15, 20, 30):
    # P25 = 10; est is 3 everywhere, so est > P25 fails for all (CMP's strict ">") …
    assert not eco.strength_flags(q)["qualifying"][:, 2].any()
    # … with EST_A instead (P25 over (0..6) = 1.5), r2 (.5), r4 (.375) and r5 (.75) qualify.
    est = p.establishments.copy()
    est[:, 2] = EST_A
    q2 = make_panel(q.employment, q.scope, est, q.region_total, q.benchmark_cluster, q.benchmark_total)
    assert eco.strength_flags(q2)["qualifying"][:, 2].tolist() == [False, False, True, False, True, True, False]


def test_cluster_without_establishment_data_skips_the_establishment_test():
    p = hand_panel()
    q = make_panel(
        p.employment,
        p.scope,
        np.full_like(p.employment, np.nan),
        p.region_total,
        p.benchmark_cluster,
        p.benchmark_total,
    )
    # r3 (LQ 1.0 > P25, emp 10 > 8.5) now qualifies: only its establishment count stopped it.
    assert eco.strength_flags(q)["qualifying"][:, 0].tolist() == [False, False, False, True, True, True, True]


def test_metro_panel_benchmarked_on_national_totals():
    # Three metros; the benchmark is the nation (sum of states), not the sum of these metros.
    # National share of A = 1,000 / 10,000 = 0.1 → LQ = (E / metro traded total) / 0.1.
    emp = np.array([[10.0], [40.0], [30.0]])
    p = make_panel(
        emp,
        scope=["traded"],
        region_total={"traded": np.array([100.0, 200.0, 300.0]), "local": np.zeros(3), "all": np.full(3, 1e3)},
        benchmark_cluster=np.array([1000.0]),
        benchmark_total={"traded": 10_000.0, "local": 0.0, "all": 20_000.0},
    )
    np.testing.assert_allclose(eco.location_quotient(p)[:, 0], [1.0, 2.0, 1.0], rtol=1e-12)
    # Self-benchmarked on the metros it would be (E / total) / (80 / 600).
    s = make_panel(emp, scope=["traded"], region_total={"traded": np.array([100.0, 200.0, 300.0])})
    np.testing.assert_allclose(eco.location_quotient(s)[:, 0], [0.75, 1.5, 0.75], rtol=1e-12)
    np.testing.assert_allclose(eco.scale(p)[:, 0], [0.01, 0.04, 0.03], rtol=1e-12)


def test_cluster_strength_is_share_of_traded_employment_in_strong_clusters():
    p = hand_panel()
    f = eco.strength_flags(p)
    # r5: strong in A (20 jobs) of 100 traded → 0.2; r6: strong in A (30) → 0.3; B is never strong.
    np.testing.assert_allclose(eco.cluster_strength(p, f), [0, 0, 0, 0, 0, 0.2, 0.3], rtol=1e-12)


def test_degenerate_inputs_give_nan_not_inf_and_no_warnings():
    emp = np.array([[0.0, 5.0, 0.0], [0.0, 0.0, 0.0], [3.0, 7.0, 0.0]])  # r1 empty, c2 empty everywhere
    p = make_panel(emp, scope=["traded", "traded", "local"], employment_start=emp * 0.5, window_years=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = eco.economic_indicators(p)
        one = eco.economic_indicators(make_panel(emp[2:], scope=["traded", "traded", "local"]))
    assert not np.isinf(out.select_dtypes("number").to_numpy()).any()
    assert np.isnan(out.loc["r1", "lq"]).all()  # zero region total
    assert np.isnan(out.xs("c2", level="cluster")["lq"]).all()  # no employment anywhere
    assert not out.xs("c2", level="cluster")[["strong", "qualifying"]].to_numpy().any()
    assert (out["relatedness_density"].between(0, 1)).all()
    # one region: percentiles collapse to its own values and emp > P25 fails, as in CMP
    assert not one[["strong", "strong10", "significant", "qualifying"]].to_numpy().any()
    np.testing.assert_allclose(one["lq"].to_numpy()[:2], [1.0, 1.0])


def test_economic_indicators_frame_shape_and_order():
    p = hand_panel()
    out = eco.economic_indicators(p)
    assert list(out.columns) == list(eco.INDICATOR_COLUMNS)
    assert out.index.names == ["region", "cluster"] and len(out) == 21
    assert out.loc[("r5", "c0"), "strong"] and out["strong"].dtype == bool
    np.testing.assert_allclose(out["lq"].to_numpy().reshape(7, 3), eco.location_quotient(p))
    np.testing.assert_array_equal(out["relatedness_density"].to_numpy().reshape(7, 3), eco.relatedness_density(p))
    np.testing.assert_array_equal(out["related_strength"].to_numpy().reshape(7, 3), eco.related_cluster_strength(p))
    assert out["national_cagr"].isna().all()  # no window


# ----------------------------------------------------------------------------------------------------------------
# Growth, shift-share, job quality
# ----------------------------------------------------------------------------------------------------------------


def window_panel():
    # Dyadic growth rates so every component is exact in floating point.
    # Traded national total 1,024 → 1,280 (g_n = 0.25), A 256 → 384 (g_c = 0.5);
    # local national total 512 → 384 (g_n = −0.25), L 128 → 160 (g_c = 0.25).
    return make_panel(
        np.array([[180.0, 30.0], [0.0, 8.0]]),
        scope=["traded", "local"],
        region_total={"traded": np.array([400.0, 100.0]), "local": np.array([200.0, 50.0])},
        benchmark_cluster=np.array([384.0, 160.0]),
        benchmark_total={"traded": 1280.0, "local": 384.0, "all": 1664.0},
        employment_start=np.array([[100.0, 40.0], [0.0, 8.0]]),
        benchmark_cluster_start=np.array([256.0, 128.0]),
        benchmark_total_start={"traded": 1024.0, "local": 512.0, "all": 1536.0},
        window_years=2,
    )


def test_shift_share_components_by_hand_and_adding_up_exactly():
    ss = eco.shift_share(window_panel())
    # r0 A: NG = 100·0.25 = 25, IM = 100·(0.5 − 0.25) = 25, EC = 50, RS = 180 − 100 − 50 = 30
    # r0 L: NG = 40·(−0.25) = −10, IM = 40·(0.25 + 0.25) = 20, EC = 10, RS = 30 − 40 − 10 = −20
    # r1 A: start 0 → every component 0 except RS = E_t − 0 = 0;  r1 L: NG −2, IM 4, EC 2, RS −2
    assert ss["national_growth"].tolist() == [[25.0, -10.0], [0.0, -2.0]]
    assert ss["industry_mix"].tolist() == [[25.0, 20.0], [0.0, 4.0]]
    assert ss["expected_change"].tolist() == [[50.0, 10.0], [0.0, 2.0]]
    assert ss["competitive"].tolist() == [[30.0, -20.0], [0.0, -2.0]]
    p = window_panel()
    total = ss["national_growth"] + ss["industry_mix"] + ss["competitive"]
    np.testing.assert_array_equal(total, p.employment - p.employment_start)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_shift_share_adds_up_on_random_panels(seed):
    rng = np.random.default_rng(seed)
    e0 = rng.integers(0, 1000, (6, 4)).astype(float)
    e1 = rng.integers(0, 1000, (6, 4)).astype(float)
    p = make_panel(
        e1,
        scope=["traded", "traded", "local", ""],
        employment_start=e0,
        benchmark_cluster_start=e0.sum(axis=0) + 1,
        benchmark_total_start={"traded": 5e3, "local": 2e3, "all": 9e3},
        window_years=5,
    )
    ss = eco.shift_share(p)
    np.testing.assert_allclose(ss["national_growth"] + ss["industry_mix"], ss["expected_change"], rtol=1e-12)
    total = ss["national_growth"] + ss["industry_mix"] + ss["competitive"]
    np.testing.assert_allclose(total, e1 - e0, rtol=1e-12, atol=1e-9)


def test_shift_share_national_growth_uses_the_scope_total():
    ss = eco.shift_share(window_panel())
    g_n = ss["national_growth"][0] / window_panel().employment_start[0]
    np.testing.assert_array_equal(g_n, [0.25, -0.25])  # traded total for A, local total for L


def test_growth_job_creation_and_cagr_by_hand():
    g = eco.growth(window_panel())
    assert g["job_creation"].tolist() == [[80.0, -10.0], [0.0, 0.0]]
    # (180 / 100) ** (1/2) − 1 = 0.3416…, (30 / 40) ** 0.5 − 1, start 0 → NaN, 8 → 8 → 0
    np.testing.assert_allclose(g["cagr"][0], [np.sqrt(1.8) - 1, np.sqrt(0.75) - 1], rtol=1e-12)
    assert np.isnan(g["cagr"][1, 0]) and g["cagr"][1, 1] == 0.0
    np.testing.assert_allclose(g["national_cagr"], [np.sqrt(1.5) - 1, np.sqrt(1.25) - 1], rtol=1e-12)
    # 100 → 121 over 2 years is 10% a year
    p = make_panel([[121.0]], employment_start=[[100.0]], benchmark_cluster_start=[100.0], window_years=2)
    np.testing.assert_allclose(eco.growth(p)["cagr"], [[0.1]], rtol=1e-12)
    none = eco.growth(hand_panel())
    assert all(np.isnan(v).all() for v in none.values())
    assert all(np.isnan(v).all() for v in eco.shift_share(hand_panel()).values())


def test_job_quality_by_hand():
    # cluster wages 500/10 = 50 and 100/5 = 20 against the national 3,000/100 = 30; third cluster unknown
    p = make_panel(
        np.ones((2, 3)),
        benchmark_cluster=np.array([10.0, 5.0, 0.0]),
        benchmark_total={"all": 100.0},
        region_total={"all": np.ones(2)},
        benchmark_payroll=np.array([500.0, 100.0, np.nan]),
        benchmark_total_payroll=3000.0,
    )
    jq = eco.job_quality(p)
    np.testing.assert_allclose(jq[:2], [5 / 3, 2 / 3], rtol=1e-12)
    assert np.isnan(jq[2])
    assert np.isnan(eco.job_quality(hand_panel())).all()  # no payroll given


# ----------------------------------------------------------------------------------------------------------------
# Relatedness on the panel
# ----------------------------------------------------------------------------------------------------------------


def test_relatedness_with_published_matrix_ignores_its_diagonal():
    # LQs of one region: (2, 0.5, 1.5) → M = (1, 0, 1). φ given with a (to be ignored) diagonal of 9.
    phi = np.array([[9.0, 0.5, 0.2], [0.5, 9.0, 0.3], [0.2, 0.3, 9.0]])
    lq = np.array([[2.0, 0.5, 1.5]])
    p = make_panel(np.ones((1, 3)), relatedness=phi)
    # density c0 = (0·0.5 + 1·0.2) / 0.7, c1 = (1·0.5 + 1·0.3) / 0.8, c2 = (1·0.2 + 0·0.3) / 0.5
    np.testing.assert_allclose(eco.relatedness_density(p, lq), [[0.2 / 0.7, 1.0, 0.4]], rtol=1e-6)
    # related strength c0 = (0.5·0.5 + 0.2·1.5) / 0.7, c1 = (0.5·2 + 0.3·1.5) / 0.8, c2 = (0.2·2 + 0.3·0.5) / 0.5
    np.testing.assert_allclose(eco.related_cluster_strength(p, lq), [[0.55 / 0.7, 1.45 / 0.8, 0.55 / 0.5]], rtol=1e-12)
    # an unknown LQ drops out of both sums
    np.testing.assert_allclose(eco.related_cluster_strength(p, np.array([[np.nan, 0.5, 1.5]]))[0, 1], 1.5)


def test_self_benchmarked_unsplit_lq_is_balassa_rca():
    x = synthetic(30, 12, 5)
    np.testing.assert_allclose(eco.location_quotient(make_panel(x)), eco.rca(x), rtol=1e-12)


# ----------------------------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------------------------

matrices = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=12),
    elements=st.one_of(st.just(0.0), st.integers(1, 10_000).map(float)),
)


@settings(max_examples=40, deadline=None)
@given(x=matrices, data=st.data())
def test_lq_flags_and_density_are_permutation_equivariant(x, data):
    perm = np.array(data.draw(st.permutations(range(x.shape[0]))))
    scope = ["traded" if j % 3 else "local" for j in range(x.shape[1])]
    p, q = make_panel(x, scope=scope, est=x), make_panel(x[perm], scope=scope, est=x[perm])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lq_p, lq_q = eco.location_quotient(p), eco.location_quotient(q)
        np.testing.assert_array_equal(lq_q, lq_p[perm])
        # sgemm blocking may round a row differently at another position: float32 tolerance
        np.testing.assert_allclose(eco.relatedness_density(q), eco.relatedness_density(p)[perm], atol=1e-6)
        fp, fq = eco.strength_flags(p), eco.strength_flags(q)
    for k in fp:
        np.testing.assert_array_equal(fq[k], fp[k][perm])


@settings(max_examples=40, deadline=None)
@given(x=matrices)
def test_density_is_in_unit_interval(x):
    m = eco.presence(eco.rca(x))
    d = eco.density(m, eco.proximity(m))
    assert d.shape == x.shape and np.isfinite(d).all()
    assert (d >= 0).all() and (d <= 1).all()


@settings(max_examples=40, deadline=None)
@given(x=matrices, k=st.sampled_from([0.001, 0.37, 3.0, 1e6]))
def test_scaling_all_employment_leaves_lq_unchanged(x, k):
    scope = ["traded" if j % 2 else "local" for j in range(x.shape[1])]
    lq = eco.location_quotient(make_panel(x, scope=scope))
    scaled = eco.location_quotient(make_panel(x * k, scope=scope))
    np.testing.assert_allclose(scaled, lq, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(eco.rca(x * k), eco.rca(x), rtol=1e-12, equal_nan=True)


# ----------------------------------------------------------------------------------------------------------------
# Real data: CMP 2016 states
# ----------------------------------------------------------------------------------------------------------------

CMP_STATES = [
    REPO / "fixtures" / "observations" / "cmp_2016_states_cluster_employment.csv.gz",
    REPO / "fixtures" / "observations" / "cmp_2016_states_cluster_employment.csv",
    Path("/work/shared/data/cmp_2016_cluster_employment/cmp_2016_states_cluster_employment.csv"),
]


@pytest.fixture(scope="module")
def cmp_states():
    path = next((p for p in CMP_STATES if p.exists()), None)
    if path is None:
        pytest.skip("CMP 2016 state cluster employment file not available")
    df = pd.read_csv(path, dtype={"region_code": str})
    emp, regions, clusters = eco.dense_matrix(df["region_code"], df["cluster_code"], df["emp"])
    est = eco.dense_matrix(df["region_code"], df["cluster_code"], df["est"], regions, clusters)[0]
    payroll = eco.dense_matrix(df["region_code"], df["cluster_code"], df["ap"], regions, clusters)[0]
    traded = df.drop_duplicates("cluster_code").set_index("cluster_code")["traded"].reindex(clusters)
    scope = np.where(traded.astype(str).str.lower() == "true", "traded", "local")
    totals = {s: emp[:, scope == s].sum(axis=1) for s in ("traded", "local")}
    totals["all"] = totals["traded"] + totals["local"]
    return eco.EconomicPanel(
        regions=regions,
        clusters=clusters,
        scope=scope,
        employment=emp,
        establishments=est,
        payroll=payroll,
        region_total=totals,
        benchmark_cluster=emp.sum(axis=0),  # benchmark = the sum of the 50 states (DC is absent)
        benchmark_total={k: float(v.sum()) for k, v in totals.items()},
        benchmark_payroll=payroll.sum(axis=0),
        benchmark_total_payroll=float(payroll.sum()),
    )


def test_cmp_states_well_known_specialisations(cmp_states):
    p = cmp_states
    assert p.employment.shape == (50, 67) and (p.scope == "traded").sum() == 51
    out = eco.economic_indicators(p)

    def row(state, cluster):
        return out.loc[(state, cluster)]

    assert row("25", 13)["lq"] > 1  # Massachusetts: Education and Knowledge Creation
    assert row("25", 5)["lq"] > 1  # Massachusetts: Biopharmaceuticals
    assert row("26", 4)["strong"]  # Michigan: Automotive
    assert row("32", 22)["strong"]  # Nevada: Hospitality and Tourism
    assert row("48", 35)["strong"]  # Texas: Oil and Gas Production and Transportation
    local = p.clusters[p.scope == "local"]
    assert not out.loc[(slice(None), local), ["strong", "qualifying"]].to_numpy().any()
    # Each traded cluster: about a quarter of states at/above P75 and LQ ≥ 1 before the size tests trim it.
    assert 0 < out["strong"].sum() <= 0.26 * 50 * 51
    strength = eco.cluster_strength(p, eco.strength_flags(p))
    assert ((strength > 0) & (strength < 1)).all()
    # Job quality: an average-wage-weighted mean over clusters is 1 by construction.
    jq = eco.job_quality(p)
    np.testing.assert_allclose((jq * p.benchmark_cluster).sum() / p.benchmark_cluster.sum(), 1.0, rtol=1e-12)
