"""Economic indicators for (region, cluster) units: U.S. Cluster Mapping (CMP) conventions, shift-share, relatedness.

Pure numpy/pandas: this module never imports Django, so it runs in notebooks, benchmarks and Celery workers alike.
Everything works on dense ``(R, C)`` arrays (regions × clusters) held by an :class:`EconomicPanel`:

* float64 for employment, location quotients and shares;
* float32 0/1 matrices for the matrix products (``MᵀM`` and ``M φ`` are sgemm calls; counts below 2**24 are exact in
  float32). Never an integer matmul: numpy has no BLAS path for integers and is ~2,000× slower at county scale.

Conventions (DESIGN.md §3, anchors.md §16, PROVENANCE.md §1):

* ``LQ_rc = (E_rc / E_r) / (E_Nc / E_N)``. For a traded cluster ``E_r``/``E_N`` are the region's and the benchmark's
  *traded* totals, for a local cluster their *local* totals (``cluster_calcs_mapper.js``); for a cluster with no
  traded/local split (scope ``""``) the all-industry totals. Unlike CMP, which writes 0 for a non-finite LQ
  (``safeSet``), an LQ that cannot be computed (zero or unknown region total, no benchmark employment, unknown
  employment) is NaN here, so "unknown" stays distinct from "absent".
* Strength flags follow ``cluster_calcs_reducer.js`` exactly (see :func:`strength_flags`).
* Relatedness follows py-ecomplexity 0.5.3 (Balassa RCA, ``M = 1[RCA >= 1]``, discrete symmetric proximity,
  Hidalgo et al. 2007 density), except that the proximity diagonal is 0 (see :func:`proximity`).

All functions silence numpy's divide/invalid warnings internally (``np.errstate``) and return NaN, never ``inf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from scoring.types import Bools, Floats

SCOPES = ("traded", "local", "")
_TOTAL_KEY = {"traded": "traded", "local": "local", "": "all"}

INDICATOR_COLUMNS = (
    "employment",
    "establishments",
    "payroll",
    "lq",
    "strong",
    "strong10",
    "significant",
    "qualifying",
    "scale",
    "job_creation",
    "cagr",
    "ss_national_growth",
    "ss_industry_mix",
    "ss_expected_change",
    "ss_competitive",
    "relatedness_density",
    "related_strength",
    "national_cagr",
    "job_quality",
)


def _f64(a: ArrayLike) -> Floats:
    return np.asarray(a, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class EconomicPanel:
    """Everything the economic indicators need for one region set and one year, as dense arrays.

    ``eq=False``: the fields are numpy arrays, so field-wise ``==``/``hash`` would be meaningless (and raise);
    panels compare and hash by identity. ``__post_init__`` checks shapes and coerces numbers to float64 and
    ``scope`` to str, so integer inputs are fine.
    """

    regions: pd.Index  # region codes, length R
    clusters: pd.Index  # cluster codes, length C
    scope: NDArray[np.str_]  # (C,) str: "traded", "local" or "" (no split in this classification)
    employment: Floats  # (R, C) float64, year t; NaN = unknown
    establishments: Floats  # (R, C) float64 or NaN
    payroll: Floats  # (R, C) float64 or NaN (annual payroll)
    region_total: dict[str, Floats]  # {"traded": (R,), "local": (R,), "all": (R,)} region totals, year t
    benchmark_cluster: Floats  # (C,) national (benchmark) cluster employment, year t
    benchmark_total: dict[str, float]  # {"traded": .., "local": .., "all": ..} national totals, year t
    benchmark_payroll: Floats | None = None  # (C,) national cluster payroll, year t
    benchmark_total_payroll: float | None = None  # national all-industry payroll (for job quality)
    employment_start: Floats | None = None  # (R, C) at the window start year (None: no window)
    benchmark_cluster_start: Floats | None = None  # (C,)
    benchmark_total_start: dict[str, float] | None = None
    window_years: int | None = None
    relatedness: Floats | None = None  # (C, C) published relatedness φ (diagonal ignored); None → co-location

    def __post_init__(self) -> None:
        regions = pd.Index(self.regions)
        clusters = pd.Index(self.clusters)
        r, c = len(regions), len(clusters)
        scope = np.asarray(self.scope, dtype=object)
        scope = np.array(["" if s is None else str(s) for s in scope], dtype="<U6").reshape(-1)
        if scope.shape != (c,):
            raise ValueError(f"scope has shape {scope.shape}, expected ({c},)")
        bad = sorted(set(scope.tolist()) - set(SCOPES))
        if bad:
            raise ValueError(f"unknown scope values {bad}; expected 'traded', 'local' or ''")
        values = {"regions": regions, "clusters": clusters, "scope": scope}
        for name in ("employment", "establishments", "payroll", "employment_start"):
            v = getattr(self, name)
            if v is None:
                continue
            v = _f64(v)
            if v.shape != (r, c):
                raise ValueError(f"{name} has shape {v.shape}, expected ({r}, {c})")
            values[name] = v
        for name in ("benchmark_cluster", "benchmark_payroll", "benchmark_cluster_start"):
            v = getattr(self, name)
            if v is None:
                continue
            v = _f64(v).reshape(-1)
            if v.shape != (c,):
                raise ValueError(f"{name} has shape {v.shape}, expected ({c},)")
            values[name] = v
        totals = {}
        for key, v in dict(self.region_total).items():
            v = _f64(v).reshape(-1)
            if v.shape != (r,):
                raise ValueError(f"region_total[{key!r}] has shape {v.shape}, expected ({r},)")
            totals[key] = v
        values["region_total"] = totals
        values["benchmark_total"] = {k: float(v) for k, v in dict(self.benchmark_total).items()}
        if self.benchmark_total_start is not None:
            values["benchmark_total_start"] = {k: float(v) for k, v in dict(self.benchmark_total_start).items()}
        needed = {_TOTAL_KEY[s] for s in set(scope.tolist())}
        for attr in ("region_total", "benchmark_total"):
            missing = needed - set(values[attr])
            if missing:
                raise ValueError(f"{attr} lacks {sorted(missing)}, needed by the clusters' scopes")
        if self.relatedness is not None:
            phi = _f64(self.relatedness)
            if phi.shape != (c, c):
                raise ValueError(f"relatedness has shape {phi.shape}, expected ({c}, {c})")
            values["relatedness"] = phi
        for name, v in values.items():
            object.__setattr__(self, name, v)

    @property
    def n_regions(self) -> int:
        return len(self.regions)

    @property
    def n_clusters(self) -> int:
        return len(self.clusters)

    def total_key(self) -> NDArray[np.str_]:
        """(C,) the key of ``region_total``/``benchmark_total`` each cluster's LQ uses: traded, local or all."""
        return np.array([_TOTAL_KEY[s] for s in self.scope.tolist()], dtype="<U6")

    def flagged(self) -> Bools:
        """(C,) bool: the clusters that get CMP strength flags (traded, and unsplit custom clusters)."""
        return np.not_equal(self.scope, "local")


# --------------------------------------------------------------------------------------------------------------
# Dense helpers
# --------------------------------------------------------------------------------------------------------------


def dense_matrix(
    row_codes: ArrayLike,
    col_codes: ArrayLike,
    values: ArrayLike,
    rows: pd.Index | NDArray[Any] | None = None,
    cols: pd.Index | NDArray[Any] | None = None,
    fill: float = np.nan,
) -> tuple[Floats, pd.Index, pd.Index]:
    """Pivot long (row, col, value) arrays to a dense float64 matrix with factorize + bincount (no pandas pivot).

    ``rows``/``cols`` fix the order (codes not listed are dropped); by default the sorted unique codes. Cells with no
    record get ``fill``; duplicate (row, col) records are summed.
    """
    row_index = pd.Index(np.asarray(row_codes))
    col_index = pd.Index(np.asarray(col_codes))
    row_order = pd.Index(pd.unique(row_index)).sort_values() if rows is None else pd.Index(rows)
    col_order = pd.Index(pd.unique(col_index)).sort_values() if cols is None else pd.Index(cols)
    ri = row_order.get_indexer(row_index)
    ci = col_order.get_indexer(col_index)
    keep = (ri >= 0) & (ci >= 0)
    flat = ri[keep].astype(np.int64) * len(col_order) + ci[keep]
    size = len(row_order) * len(col_order)
    vals = _f64(values)[keep]
    # numpy's stub types every bincount as integer; with float weights it returns float64.
    out: Floats = np.bincount(flat, weights=vals, minlength=size)  # type: ignore[assignment]
    seen = np.bincount(flat, minlength=size) > 0
    out[~seen] = fill
    return out.reshape(len(row_order), len(col_order)), row_order, col_order


def _ratio(num: ArrayLike, den: ArrayLike) -> Floats:
    """num / den with NaN (never inf) where den is zero or non-finite."""
    num = _f64(num)
    den = _f64(den)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    bad = ~np.isfinite(den) | (den == 0)
    if np.any(bad):
        out = np.where(bad, np.nan, out)
    return out


def column_quantiles(x: Floats, valid: Bools, qs: Sequence[float]) -> Floats:
    """(len(qs), C) per-column quantiles of ``x`` over the rows where ``valid``, exactly as d3.quantile (v3).

    d3: ``H = (n - 1) p + 1; h = floor(H); v = x[h - 1]; e = H - h; e ? v + e (x[h] - v) : v`` on the ascending
    values, i.e. numpy's "linear" method (R type 7). NaN for a column with no valid value. Vectorised: one sort.
    """
    x = np.where(valid, _f64(x), np.inf).T  # (C, R) contiguous rows: sort along the last axis is fastest
    xs = np.sort(x, axis=1)
    n = valid.sum(axis=0)
    cols = np.arange(xs.shape[0])
    out = np.full((len(qs), xs.shape[0]), np.nan)
    has = n > 0
    for k, p in enumerate(qs):
        big_h = (n - 1) * float(p) + 1.0
        h = np.floor(big_h).astype(np.int64)
        e = big_h - h
        lo = np.clip(h - 1, 0, None)
        hi = np.clip(np.minimum(h, n - 1), 0, None)
        v = xs[cols, lo]
        nxt = xs[cols, hi]
        with np.errstate(invalid="ignore"):
            val = np.where(e != 0, v + e * (nxt - v), v)
        out[k] = np.where(has, val, np.nan)
    return out


# --------------------------------------------------------------------------------------------------------------
# Specialisation and CMP strength
# --------------------------------------------------------------------------------------------------------------


def location_quotient(panel: EconomicPanel) -> Floats:
    """(R, C) float64 LQ with CMP's traded/local denominators where scope is set, all-industry totals otherwise.

    NaN where the region total is zero/unknown, the benchmark cluster employment is zero/unknown, or ``E_rc`` is
    unknown. A benchmark from another region set (e.g. metros on the sum of states) is just another
    ``benchmark_cluster``/``benchmark_total``.
    """
    keys = panel.total_key()
    uniq, idx = np.unique(keys, return_inverse=True)
    region_totals = np.stack([panel.region_total[k] for k in uniq], axis=1)  # (R, K)
    bench_totals = np.array([panel.benchmark_total[k] for k in uniq])  # (K,)
    national_share = _ratio(panel.benchmark_cluster, bench_totals[idx])  # (C,)
    inv_share = _ratio(1.0, national_share)  # NaN where the cluster has no benchmark employment
    inv_region = _ratio(1.0, region_totals)  # (R, K)
    # E_rc · (1/E_r) · (1/s_c); with one scope the region factor broadcasts, else it is gathered per column.
    factor = inv_region if len(uniq) == 1 else inv_region[:, idx]
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.multiply(panel.employment, factor)
        return np.multiply(out, inv_share[None, :], out=out)


def strength_flags(panel: EconomicPanel, lq: Floats | None = None) -> dict[str, Bools]:
    """CMP's four flags, (R, C) bool each: "strong", "strong10", "significant", "qualifying".

    Per cluster, within this region set, over the regions with employment > 0 (``cluster_calcs_reducer.js``):
    P25 of employment and of establishments, and P25/P50/P75/P90 of LQ by linear interpolation (d3.quantile ==
    numpy "linear"). Then, with ``base = emp > P25_emp and est > P25_est``:

    * qualifying  = LQ >  P25_LQ and base
    * significant = LQ >  P50_LQ and base
    * strong      = LQ >= P75_LQ and LQ >= 1 and base
    * strong10    = LQ >= P90_LQ and LQ >= 1 and base

    Decisions where CMP's code is silent or differs:

    * Flags are set for traded clusters (CMP) **and** for clusters with scope "" (custom classifications with no
      traded/local split should still get flags); local clusters are always False.
    * An LQ that is NaN (see :func:`location_quotient`) is left out of the LQ percentiles and never flags; CMP
      would have used 0.
    * Unknown (NaN) employment counts as "not > 0". Unknown establishments fail the establishment test, except
      that a cluster with no known establishment count in any region of the set (e.g. BRES employment-only data)
      skips the establishment test altogether rather than losing every flag.
    * A region set of one region flags nothing (``emp > P25_emp`` is false for the only region), as in CMP.
    """
    lq = location_quotient(panel) if lq is None else _f64(lq)
    emp = panel.employment
    est = panel.establishments
    with np.errstate(invalid="ignore"):
        active = emp > 0  # NaN → False
    lq_ok = active & np.isfinite(lq)
    est_ok = active & np.isfinite(est)
    p_emp = column_quantiles(emp, active, [0.25])[0]
    p_est = column_quantiles(est, est_ok, [0.25])[0]
    p25, p50, p75, p90 = column_quantiles(lq, lq_ok, [0.25, 0.5, 0.75, 0.9])
    skip_est = ~est_ok.any(axis=0)  # (C,) no establishment data in this cluster at all
    with np.errstate(invalid="ignore"):
        base = active & (emp > p_emp) & ((est > p_est) | skip_est)
        base &= panel.flagged()[None, :] & lq_ok
        ge1 = lq >= 1.0
        return {
            "strong": base & (lq >= p75) & ge1,
            "strong10": base & (lq >= p90) & ge1,
            "significant": base & (lq > p50),
            "qualifying": base & (lq > p25),
        }


def cluster_strength(panel: EconomicPanel, flags: dict[str, Bools]) -> Floats:
    """(R,) share of a region's traded employment in its strong traded clusters (CMP).

    Numerator: employment in the clusters flagged "strong" (flags are only ever set on traded and unsplit
    clusters). Denominator: ``region_total["traded"]`` when the classification has traded clusters, else
    ``region_total["all"]``. NaN where the denominator is zero or unknown.
    """
    strong = np.asarray(flags["strong"], dtype=bool)
    num = np.where(strong, np.nan_to_num(panel.employment, nan=0.0), 0.0).sum(axis=1)
    key = "traded" if np.any(panel.scope == "traded") else "all"
    return _ratio(num, panel.region_total[key])


def scale(panel: EconomicPanel) -> Floats:
    """(R, C) the region's share of benchmark (national) cluster employment, ``E_rc / E_Nc``."""
    return _ratio(panel.employment, panel.benchmark_cluster[None, :])


# --------------------------------------------------------------------------------------------------------------
# Growth and shift-share
# --------------------------------------------------------------------------------------------------------------


def _cagr(end: Floats, start: Floats, years: int) -> Floats:
    ratio = _ratio(end, start)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.power(ratio, 1.0 / years) - 1.0
    return np.where(np.isfinite(out), out, np.nan)


def growth(panel: EconomicPanel) -> dict[str, Floats]:
    """Growth over the panel's window.

    * "job_creation" (R, C): ``E_t − E_start`` (needs ``employment_start``);
    * "cagr" (R, C): ``(E_t / E_start) ** (1 / window_years) − 1`` (needs ``window_years`` > 0 too);
    * "national_cagr" (C,): the same for the benchmark cluster employment.

    NaN when there is no window, for a zero or unknown start value, or for unknown values.
    """
    r, c = panel.n_regions, panel.n_clusters
    nan_rc = np.full((r, c), np.nan)
    if panel.employment_start is None:
        return {"job_creation": nan_rc, "cagr": nan_rc.copy(), "national_cagr": np.full(c, np.nan)}
    job_creation = panel.employment - panel.employment_start
    years = panel.window_years
    if not years or years <= 0:
        return {"job_creation": job_creation, "cagr": nan_rc, "national_cagr": np.full(c, np.nan)}
    cagr = _cagr(panel.employment, panel.employment_start, years)
    if panel.benchmark_cluster_start is None:
        national = np.full(c, np.nan)
    else:
        national = _cagr(panel.benchmark_cluster, panel.benchmark_cluster_start, years)
    return {"job_creation": job_creation, "cagr": cagr, "national_cagr": national}


def shift_share(panel: EconomicPanel) -> dict[str, Floats]:
    """Lightcast four-component shift-share over the window, (R, C) each.

    With ``g_n = E_N,t / E_N,t0 − 1`` (benchmark total of the cluster's scope: traded, local, or all when there is
    no split) and ``g_c = E_Nc,t / E_Nc,t0 − 1``:

    * "national_growth" ``NG = E_rc,t0 · g_n``
    * "industry_mix" ``IM = E_rc,t0 · (g_c − g_n)``
    * "expected_change" ``EC = NG + IM = E_rc,t0 · g_c``
    * "competitive" ``RS = E_rc,t − E_rc,t0 − EC``

    so ``NG + IM + RS = E_rc,t − E_rc,t0`` (to rounding). NaN without a window or where a benchmark start is 0.
    """
    r, c = panel.n_regions, panel.n_clusters
    names = ("national_growth", "industry_mix", "expected_change", "competitive")
    if panel.employment_start is None or panel.benchmark_cluster_start is None or not panel.benchmark_total_start:
        return {k: np.full((r, c), np.nan) for k in names}
    uniq, idx = np.unique(panel.total_key(), return_inverse=True)
    end_tot = np.array([panel.benchmark_total[k] for k in uniq])
    start_tot = np.array([panel.benchmark_total_start.get(k, np.nan) for k in uniq])
    g_n = (_ratio(end_tot, start_tot) - 1.0)[idx]  # (C,) national growth of each cluster's scope total
    g_c = _ratio(panel.benchmark_cluster, panel.benchmark_cluster_start) - 1.0
    e0 = panel.employment_start
    ng = e0 * g_n[None, :]
    im = e0 * (g_c - g_n)[None, :]
    ec = ng + im
    rs = panel.employment - e0 - ec
    return {"national_growth": ng, "industry_mix": im, "expected_change": ec, "competitive": rs}


# --------------------------------------------------------------------------------------------------------------
# Relatedness (py-ecomplexity conventions)
# --------------------------------------------------------------------------------------------------------------


def rca(matrix: Floats) -> Floats:
    """Balassa RCA of a plain (R, K) matrix over its own totals, as py-ecomplexity computes it.

    ``RCA_rk = (X_rk / Σ_k X_rk) / (Σ_r X_rk / Σ_rk X_rk)`` (NaN-ignoring totals). NaN for all-zero rows/columns.
    """
    x = _f64(matrix)
    row = x.sum(axis=1)
    col = x.sum(axis=0)
    if np.isnan(row).any():  # NaN cells: ignore them in the totals (one extra pass, only when needed)
        row = np.nansum(x, axis=1)
        col = np.nansum(x, axis=0)
    inv_row = _ratio(1.0, row)  # NaN for an all-zero row
    inv_share = _ratio(1.0, _ratio(col, col.sum()))  # NaN for an all-zero column
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.multiply(x, inv_row[:, None])
        return np.multiply(out, inv_share[None, :], out=out)


def presence(rca: Floats, threshold: float = 1.0) -> NDArray[np.float32]:
    """float32 0/1 presence ``M = 1[RCA >= threshold]``; NaN → 0 (as py-ecomplexity's ``nan_to_num``)."""
    with np.errstate(invalid="ignore"):
        return (np.asarray(rca) >= threshold).astype(np.float32)


def proximity(m: NDArray[np.float32]) -> Floats:
    """(K, K) float64 discrete symmetric proximity ``φ_kk' = C_kk' / max(u_k, u_k')`` with ``C = MᵀM``.

    ``u`` is the ubiquity (column sums of M). The co-occurrence counts are one float32 sgemm (exact: integers below
    2**24); the division is in float64, so off-diagonal values equal py-ecomplexity's to ~1e-16.

    Differences from ``ecomplexity.calc_discrete_proximity``, both deliberate:

    * the **diagonal is 0** (ecomplexity leaves ``C_kk / u_k`` = 1 there, and its density then counts the cluster's
      own presence: ``ω_eco = (Σ_k'≠k M φ + M_rk) / (Σ_k'≠k φ + 1)``). Density should measure related capabilities,
      not the cell itself (py-ecomplexity issue #38). Pass a φ with a unit diagonal to :func:`density` to get
      ecomplexity's number;
    * a pair involving a never-present column is 0, not NaN (0/0).
    """
    m32 = np.asarray(m, dtype=np.float32)
    co = (m32.T @ m32).astype(np.float64)
    u = np.diag(co).copy()
    den = np.maximum(u[:, None], u[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(den > 0, co / den, 0.0)
    np.fill_diagonal(phi, 0.0)
    return phi


def density(m: NDArray[np.float32], phi: Floats) -> Floats:
    """(R, K) relatedness density ``ω_rk = Σ_k' M_rk' φ_k'k / Σ_k' φ_k'k`` (Hidalgo et al. 2007); 0 where the column
    sum of φ is 0.

    φ is used as given (diagonal included; :func:`proximity` zeroes it). The product is a float32 sgemm (relative
    error ~1e-6 against float64); the result is float64, clipped to [0, 1] against that rounding. For an asymmetric
    φ the column ``k`` is the target cluster.
    """
    m32 = np.asarray(m, dtype=np.float32)
    phi32 = np.asarray(phi, dtype=np.float32)
    colsum = np.asarray(phi, dtype=np.float64).sum(axis=0)
    inv = np.divide(1.0, colsum, out=np.zeros_like(colsum), where=colsum > 0)
    out: Floats = np.multiply(m32 @ phi32, inv[None, :])  # float32 × float64 → float64 in one pass
    return np.clip(out, 0.0, 1.0, out=out)


def _panel_phi(panel: EconomicPanel, m: NDArray[np.float32]) -> Floats:
    """The panel's relatedness φ (NaN → 0, diagonal 0), or co-location proximity from ``m`` when none is given."""
    if panel.relatedness is None:
        return proximity(m)
    phi = np.nan_to_num(panel.relatedness, nan=0.0)
    np.fill_diagonal(phi, 0.0)
    return phi


def relatedness_density(panel: EconomicPanel, lq: Floats | None = None) -> Floats:
    """(R, C) density of the region's specialisations around each cluster: ``M = 1[LQ >= 1]`` (CMP LQ) and
    φ = ``panel.relatedness`` (published CMP relatedness; NaN → 0, diagonal ignored) or, when None, the co-location
    proximity of ``M`` within this region set."""
    lq = location_quotient(panel) if lq is None else _f64(lq)
    m = presence(lq)
    return density(m, _panel_phi(panel, m))


def related_cluster_strength(panel: EconomicPanel, lq: Floats | None = None) -> Floats:
    """(R, C) Delgado–Porter–Stern related-cluster strength ``Σ_c' φ_cc' · LQ_rc' / Σ_c' φ_cc'`` (c' ≠ c).

    φ as in :func:`relatedness_density`. Unknown (NaN) LQs are left out of both sums, so the value is the
    φ-weighted mean LQ of the related clusters with a known LQ; NaN where no related cluster has one. float64 dgemm.
    """
    lq = location_quotient(panel) if lq is None else _f64(lq)
    return _related_strength(lq, _panel_phi(panel, presence(lq)))


def _related_strength(lq: Floats, phi: Floats) -> Floats:
    known = np.isfinite(lq)
    num = np.where(known, lq, 0.0) @ phi.T
    den = known.astype(np.float64) @ phi.T
    return _ratio(num, den)


# --------------------------------------------------------------------------------------------------------------
# Cluster-level and the long output
# --------------------------------------------------------------------------------------------------------------


def job_quality(panel: EconomicPanel) -> Floats:
    """(C,) national cluster average wage ÷ national all-industry average wage; NaN where unknown.

    ``(payroll_Nc / E_Nc) / (payroll_N / E_N,all)``.
    """
    c = panel.n_clusters
    total_emp = panel.benchmark_total.get("all")
    if panel.benchmark_payroll is None or panel.benchmark_total_payroll is None or total_emp is None:
        return np.full(c, np.nan)
    wage = _ratio(panel.benchmark_payroll, panel.benchmark_cluster)
    national_wage = _ratio(panel.benchmark_total_payroll, total_emp)
    return _ratio(wage, national_wage)


def economic_indicators(panel: EconomicPanel) -> pd.DataFrame:
    """Every indicator in one long frame indexed by (region, cluster), region-major; built once, vectorised."""
    lq = location_quotient(panel)
    flags = strength_flags(panel, lq)
    grow = growth(panel)
    ss = shift_share(panel)
    m = presence(lq)
    phi = _panel_phi(panel, m)  # once for both relatedness columns
    columns = {
        "employment": panel.employment,
        "establishments": panel.establishments,
        "payroll": panel.payroll,
        "lq": lq,
        "strong": flags["strong"],
        "strong10": flags["strong10"],
        "significant": flags["significant"],
        "qualifying": flags["qualifying"],
        "scale": scale(panel),
        "job_creation": grow["job_creation"],
        "cagr": grow["cagr"],
        "ss_national_growth": ss["national_growth"],
        "ss_industry_mix": ss["industry_mix"],
        "ss_expected_change": ss["expected_change"],
        "ss_competitive": ss["competitive"],
        "relatedness_density": density(m, phi),
        "related_strength": _related_strength(lq, phi),
    }
    r = panel.n_regions
    data = {name: np.asarray(v).reshape(-1) for name, v in columns.items()}
    data["national_cagr"] = np.tile(grow["national_cagr"], r)
    data["job_quality"] = np.tile(job_quality(panel), r)
    index = pd.MultiIndex.from_product([panel.regions, panel.clusters], names=["region", "cluster"])
    return pd.DataFrame(data, index=index, columns=list(INDICATOR_COLUMNS))
