"""From indicators to scores, as the OECD/JRC handbook and COINr do it.

``prepare`` takes a frame of raw indicator values (one row per region × cluster unit, one column per
indicator) and a validated methodology; it records coverage, treats outliers with COINr's rule and
normalises every indicator to 0–100 within the peer group. ``aggregate`` weights and aggregates to the two
axes, renormalising the weights over what is present. ``score`` adds quadrants, strategies, ranks and — with
Monte Carlo over weights, normalisation and aggregation — intervals and quadrant stability. ``explain``
rebuilds one unit's explanation from its stored raw and normalised values.

Everything is dense numpy over the (units × indicators) matrix; no per-unit Python loops in the hot path.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from scoring.methodology import AGGREGATIONS, AXES, DEFAULT_NORMALISATIONS, indicator_table
from scoring.types import Bools, Floats, Ints, Json, Spec

QUADRANTS = {
    (True, True): "lead",
    (False, True): "build",
    (True, False): "leverage",
    (False, False): "monitor",
}
STRATEGIES = {"lead": "hybrid", "build": "want-to-win", "leverage": "right-to-win", "monitor": "monitor"}
STRATEGY_TEXT = {
    "lead": "Build on existing strengths where the market is growing: invest in both the assets and the market "
    "proposition.",
    "build": "A want-to-win play: the market is attractive but the region's assets are thin, so test "
    "propositions where interest and investment align and build capabilities deliberately.",
    "leverage": "A right-to-win play: the region has the assets but the market is less attractive, so defend "
    "the position and look for ways to transform it towards growing markets.",
    "monitor": "Neither the assets nor the market make a case today: monitor, and revisit if either changes.",
}


# --------------------------------------------------------------------------------------------------------
# Structure of a methodology as arrays
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Structure:
    """A methodology's indicators, groups and weights as arrays, in a fixed indicator order."""

    keys: list[str]  # indicator keys, in order
    axis_of: Ints  # (I,) index into AXES
    group_of: Ints  # (I,) global group index
    group_axis: Ints  # (G,) axis index of each group
    group_keys: list[str]  # (G,) "axis.group"
    indicator_weight: Floats  # (I,) weight within the group
    group_weight: Floats  # (G,) weight within the axis
    effective: Floats  # (I,) nominal share of its axis (sums to 1 per axis)
    entries: list[Json]  # (I,) spec entries

    @classmethod
    def of(cls, spec: Spec) -> Self:
        rows = indicator_table(spec)
        group_keys: list[str] = []
        group_axis: list[int] = []
        group_weight: list[float] = []
        group_index: dict[str, int] = {}
        for axis, group, _key, _eff, _entry in rows:
            name = f"{axis}.{group}"
            if name not in group_index:
                group_index[name] = len(group_keys)
                group_keys.append(name)
                group_axis.append(AXES.index(axis))
                group_weight.append(spec["axes"][axis][group]["weight"])
        return cls(
            keys=[r[2] for r in rows],
            axis_of=np.array([AXES.index(r[0]) for r in rows]),
            group_of=np.array([group_index[f"{r[0]}.{r[1]}"] for r in rows]),
            group_axis=np.array(group_axis),
            group_keys=group_keys,
            indicator_weight=np.array([r[4]["weight"] for r in rows], dtype=np.float64),
            group_weight=np.array(group_weight, dtype=np.float64),
            effective=np.array([r[3] for r in rows], dtype=np.float64),
            entries=[r[4] for r in rows],
        )


# --------------------------------------------------------------------------------------------------------
# Outlier treatment (COINr's rule) and normalisation
# --------------------------------------------------------------------------------------------------------


def _moments(n: Any, s1: Any, s2: Any, s3: Any, s4: Any) -> tuple[Any, Any]:
    """Bias-corrected skew and excess kurtosis from power sums (arrays or scalars)."""
    mean = s1 / n
    m2 = s2 / n - mean**2
    m3 = s3 / n - 3 * mean * s2 / n + 2 * mean**3
    m4 = s4 / n - 4 * mean * s3 / n + 6 * mean**2 * s2 / n - 3 * mean**4
    with np.errstate(divide="ignore", invalid="ignore"):
        g1 = m3 / m2**1.5
        g2 = m4 / m2**2 - 3.0
        skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        kurt = ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    return skew, kurt


def _winsorised_moments(sorted_values: Floats, k_max: int, upper: bool) -> tuple[Floats, Floats]:
    """Skew and kurtosis after winsorising k = 0..k_max points on one side, each in O(1).

    Winsorising the top k points sets them to the (k+1)-th largest value. The power sums are built from below
    — the untouched body plus a running sum over the top segment — so a removed outlier never enters a kept
    sum (subtracting its huge fourth power from a total would cancel away the trimmed sample's precision).
    Values are centred on the median and scaled by the body's spread for the same reason.
    """
    x = sorted_values if upper else -sorted_values[::-1]
    n = x.size
    split = n - k_max - 1  # x[:split] is never winsorised; x[split:] is the top segment, ascending
    scale = x[:split].std() if split > 1 else 0.0
    x = (x - np.median(x)) / (scale or x.std() or 1.0)
    body, segment = x[:split], x[split:]
    b2, s2 = body * body, segment * segment
    bases = [body.sum(), b2.sum(), (b2 * body).sum(), (b2 * b2).sum()]
    powers = [segment, s2, s2 * segment, s2 * s2]
    ks = np.arange(0, k_max + 1)
    length = k_max + 1
    sums = []
    for base, power in zip(bases, powers, strict=True):
        running = np.concatenate([[0.0], np.cumsum(power)])  # running[j] = sum of the j smallest in the segment
        sums.append(base + running[length - ks] + ks * power[length - ks - 1])
    skew, kurt = _moments(n, *sums)
    return (skew if upper else -skew), kurt


def treat_outliers(
    values: Floats, skew_limit: float = 2.0, kurtosis_limit: float = 3.5, max_share: float = 0.05
) -> tuple[Floats, dict[str, Any]]:
    """COINr's outlier rule for one indicator; returns ``(treated values, note)``.

    An indicator needs treatment when |skew| > ``skew_limit`` and excess kurtosis > ``kurtosis_limit``
    (bias-corrected). It is winsorised one point at a time on the skewed side — the smallest number of points
    that brings it within the limits, up to ``max_share`` of the values — and log-transformed if winsorising
    cannot. NaNs stay NaN.
    """
    out = values.astype(np.float64, copy=True)
    present = ~np.isnan(out)
    v = out[present]
    note: dict[str, Any] = {"winsorised": 0, "log": False}
    if v.size < 8 or v.max() == v.min():
        return out, note
    centred = (v - v.mean()) / v.std()
    c2 = centred * centred
    skew, kurt = _moments(v.size, centred.sum(), c2.sum(), (c2 * centred).sum(), (c2 * c2).sum())
    if not (abs(skew) > skew_limit and kurt > kurtosis_limit):
        return out, note
    upper = skew > 0
    sorted_v = np.sort(v)
    k_max = min(max(1, int(max_share * v.size)), v.size - 2)
    skews, kurts = _winsorised_moments(sorted_v, k_max, upper)
    ok = ~((np.abs(skews) > skew_limit) & (kurts > kurtosis_limit))
    ok[0] = False
    candidates = np.flatnonzero(ok)
    if candidates.size:
        k = int(candidates[0])
        if upper:
            out[present] = np.minimum(v, sorted_v[v.size - k - 1])
        else:
            out[present] = np.maximum(v, sorted_v[k])
        note["winsorised"] = k
        return out, note
    # Winsorising cannot fix it: a log transform on the skewed side (COINr's log_CT), mirrored for negative skew.
    if upper:
        out[present] = np.log(v - v.min() + 1.0)
    else:
        out[present] = -np.log(v.max() - v + 1.0)
    note["log"] = True
    return out, note


def average_ranks(values: Floats) -> Floats:
    """1-based ranks with ties averaged (as ``scipy.stats.rankdata``), in one sort."""
    order = np.argsort(values)
    ordered = values[order]
    new_group = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    group_id = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    ends = np.concatenate([starts[1:], [values.size]])
    mean_rank = (starts + ends + 1) / 2.0  # average of positions start+1 .. end
    ranks = np.empty(values.size)
    ranks[order] = mean_rank[group_id]
    return ranks


def normalise(
    values: Floats, method: str, goalposts: Sequence[float] | None = None, target: float | None = None
) -> Floats:
    """Normalise one indicator column to 0–100 (NaN stays NaN).

    * ``percentile`` — average rank among the present values, ``100 × (rank − 0.5) / n``;
    * ``minmax`` — ``100 × (x − min) / (max − min)``;
    * ``zscore`` — the standard normal CDF of the z-score, ``100 × Φ(z)``, so it stays on 0–100;
    * ``target`` — distance to target, ``100 × min(x / target, 1)``;
    * ``goalposts`` — fixed bounds ``[low, high]``, clipped, so the score does not depend on the peers.
    A column with no spread scores 50 under the peer-relative methods.
    """
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    v = values[present]
    if v.size == 0:
        return out
    if method == "goalposts":
        if goalposts is None:
            raise ValueError("Goalposts normalisation needs goalposts [low, high].")
        low, high = goalposts
        out[present] = np.clip((v - low) / (high - low), 0.0, 1.0) * 100.0
    elif method == "target":
        if target is None:
            raise ValueError("Target normalisation needs a target.")
        out[present] = np.clip(v / target, 0.0, 1.0) * 100.0
    elif method == "percentile":
        out[present] = (average_ranks(v) - 0.5) / v.size * 100.0
    elif method == "minmax":
        spread = v.max() - v.min()
        out[present] = (v - v.min()) / spread * 100.0 if spread > 0 else 50.0
    elif method == "zscore":
        sd = v.std()
        out[present] = ndtr((v - v.mean()) / sd) * 100.0 if sd > 0 else 50.0
    else:
        raise ValueError(f"Unknown normalisation {method!r}.")
    return out


# --------------------------------------------------------------------------------------------------------
# Preparation and aggregation
# --------------------------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """The treated, normalised indicator matrices of one peer group under one methodology."""

    index: pd.Index  # the units (normally a (region, cluster) MultiIndex)
    structure: Structure
    raw: Floats | None  # (U, I) raw values as given (NaN = missing); None in a Monte Carlo chunk's copy
    mask: Bools  # (U, I) bool, value present
    normalised: dict[str, Floats]  # method -> (U, I) float64 0–100; fixed-method indicators are the same in every entry
    method: str  # the methodology's default normalisation
    treatment: dict[str, dict[str, Any]] = field(default_factory=dict)  # indicator -> note

    @property
    def baseline(self) -> Floats:
        return self.normalised[self.method]

    def coverage(self) -> "pd.Series[float]":
        """Per indicator: the share of units with a value."""
        return pd.Series(self.mask.mean(axis=0), index=self.structure.keys)


def prepare(indicators: pd.DataFrame, spec: Spec, methods: Iterable[str] | None = None) -> Prepared:
    """Assemble, treat and normalise the indicator table for one peer group.

    ``indicators`` has one row per unit and a column per indicator key; columns the methodology names but the
    frame lacks are missing for every unit (and lower coverage). ``methods`` are the default normalisations to
    precompute (the methodology's own always, plus Monte Carlo's alternatives when asked).
    """
    structure = Structure.of(spec)
    method = spec["normalisation"]
    methods = tuple(dict.fromkeys([method, *(methods or ())]))
    frame = indicators.reindex(columns=structure.keys)
    raw = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    raw = np.where(np.isfinite(raw), raw, np.nan)
    mask = ~np.isnan(raw)
    outliers = spec["outliers"]
    normalised = {m: np.full(raw.shape, np.nan) for m in methods}
    treatment: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(structure.entries):
        column = raw[:, i]
        if entry.get("transform") == "log1p":
            column = np.log1p(np.clip(column, 0.0, None))
        fixed = entry.get("normalisation")
        if fixed in ("goalposts", "target"):
            result = normalise(column, fixed, entry.get("goalposts"), entry.get("target"))
            if entry["direction"] == -1:
                result = 100.0 - result
            for m in methods:
                normalised[m][:, i] = result
            continue
        treated = column
        if outliers["enabled"]:
            treated, note = treat_outliers(
                column, outliers["skew"], outliers["kurtosis"], outliers["winsorise_max_share"]
            )
            if note["winsorised"] or note["log"]:
                treatment[structure.keys[i]] = note
        for m in methods:
            # Ranks need no outlier treatment, and winsorising would tie a raised top value with the cap (its
            # rank would fall): percentile ranks use the untreated values, min-max and z-score the treated ones.
            method = fixed or m
            result = normalise(column if method == "percentile" else treated, method, target=entry.get("target"))
            normalised[m][:, i] = 100.0 - result if entry["direction"] == -1 else result
    return Prepared(
        index=indicators.index,
        structure=structure,
        raw=raw,
        mask=mask,
        normalised=normalised,
        method=method,
        treatment=treatment,
    )


def _pattern_weights(
    pattern: Bools, structure: Structure, indicator_weights: NDArray[Any], group_weights: NDArray[Any]
) -> list[tuple[NDArray[Any], NDArray[Any]] | None]:
    """Applied weights for one missingness pattern under D weight draws.

    Returns, per axis, ``(inner (D, I), outer (D, G))`` — indicator weights renormalised within their group
    over the indicators present, and group weights renormalised over the groups present on the axis — or
    ``None`` for an axis with nothing present.
    """
    n_groups = len(structure.group_keys)
    onehot = np.zeros((len(structure.keys), n_groups), dtype=indicator_weights.dtype)
    onehot[np.arange(len(structure.keys)), structure.group_of] = 1.0
    inner = indicator_weights * pattern
    inner_total = inner @ onehot  # (D, G)
    inner = np.divide(
        inner,
        inner_total[:, structure.group_of],
        out=np.zeros_like(inner),
        where=inner_total[:, structure.group_of] > 0,
    )
    # A group is present when its present indicators carry weight (noise never zeroes a positive weight).
    group_present = inner_total.max(axis=0) > 0
    axes: list[tuple[NDArray[Any], NDArray[Any]] | None] = []
    for a in range(len(AXES)):
        cols = (structure.group_axis == a) & group_present
        if not cols.any():
            axes.append(None)
            continue
        outer = np.where(cols[None, :], group_weights, 0.0)
        outer = outer / outer.sum(axis=1, keepdims=True)
        axes.append((inner * (structure.axis_of == a), outer))
    return axes


def _mask_patterns(mask: Bools) -> tuple[Bools, NDArray[np.intp]]:
    """The distinct rows of a boolean mask and each row's pattern number, via a packed integer key."""
    if mask.shape[1] > 62:
        patterns, inverse = np.unique(mask, axis=0, return_inverse=True)
        return patterns, inverse.reshape(-1)
    keys = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    unique_keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return mask[first], inverse.reshape(-1)


def _batched_axes(
    filled: NDArray[np.floating[Any]],
    mask: Bools,
    structure: Structure,
    indicator_weights: NDArray[np.floating[Any]],
    group_weights: NDArray[np.floating[Any]],
    geometric: Bools,
) -> NDArray[np.floating[Any]]:
    """Axis scores for D weight draws at once: ``(D, U, 2)``.

    ``filled`` is the normalised matrix with missing cells set to 0 and ``mask`` the presence matrix (U, I);
    ``indicator_weights`` is (D, I), ``group_weights`` (D, G) and ``geometric`` (D,) bool. Units that share a
    missingness pattern share their renormalised weights, so the arithmetic draws of a pattern are one matrix
    product; geometric draws need each group's mean, also one product, then a log-weighted sum.
    """
    n_draws, units = indicator_weights.shape[0], filled.shape[0]
    out = np.full((n_draws, units, len(AXES)), np.nan, dtype=filled.dtype)
    patterns, inverse = _mask_patterns(mask)
    arith, geo = np.flatnonzero(~geometric), np.flatnonzero(geometric)
    onehot = np.zeros((len(structure.keys), len(structure.group_keys)), dtype=filled.dtype)
    onehot[np.arange(len(structure.keys)), structure.group_of] = 1.0
    for p, pattern in enumerate(patterns):
        rows = np.flatnonzero(inverse == p) if len(patterns) > 1 else np.arange(units)
        x = filled[rows]
        for a, weights in enumerate(_pattern_weights(pattern, structure, indicator_weights, group_weights)):
            if weights is None:
                continue
            inner, outer = weights
            if arith.size:
                applied = inner[arith] * outer[arith][:, structure.group_of]  # (Da, I)
                out[arith[:, None], rows, a] = (x @ applied.T.astype(x.dtype)).T
            if geo.size:
                cols = np.flatnonzero(outer[geo].any(axis=0))
                block = inner[geo][:, :, None] * onehot[None, :, cols]  # (Dg, I, Ga)
                block = block.transpose(1, 0, 2).reshape(len(structure.keys), -1).astype(x.dtype)
                means = (x @ block).reshape(x.shape[0], geo.size, cols.size)
                logs = np.log(np.maximum(means, 1.0))
                out[geo[:, None], rows, a] = np.exp(np.einsum("udg,dg->du", logs, outer[geo][:, cols].astype(x.dtype)))
    return out


def aggregate(
    normalised: Floats,
    mask: Bools,
    structure: Structure,
    aggregation: str = "arithmetic",
    indicator_weight: Floats | None = None,
    group_weight: Floats | None = None,
) -> tuple[Floats, Floats]:
    """Both axes for every unit: ``(scores (U, 2), coverage (U, 2))``.

    Within a group, a weighted arithmetic mean over the indicators present; across groups, a weighted
    arithmetic or geometric mean over the groups present (geometric on values floored at 1, so a zero does
    not wipe out the score). Weights renormalise over what is present; coverage is the share of the axis's
    nominal weight that was present. A unit with nothing present on an axis scores NaN there.
    """
    iw = structure.indicator_weight if indicator_weight is None else indicator_weight
    gw = structure.group_weight if group_weight is None else group_weight
    present = mask.astype(np.float64)
    filled = np.where(mask, normalised, 0.0)
    scores = _batched_axes(filled, mask, structure, iw[None, :], gw[None, :], np.array([aggregation == "geometric"]))
    # Coverage: the share of an axis's nominal weight present = Σ_g (W_g / ΣW) · (present inner weight / inner total).
    coverage = np.zeros((normalised.shape[0], len(AXES)))
    n_groups = len(structure.group_keys)
    inner_total = np.bincount(structure.group_of, weights=iw, minlength=n_groups)
    group_matrix = np.zeros((len(structure.keys), n_groups))
    group_matrix[np.arange(len(structure.keys)), structure.group_of] = iw / inner_total[structure.group_of]
    share_in_group = present @ group_matrix
    for a in range(len(AXES)):
        cols = structure.group_axis == a
        coverage[:, a] = share_in_group[:, cols] @ gw[cols] / gw[cols].sum()
    # exp(log(x)) and long weighted sums are off by an ulp (100.00000000000004); round well below any display
    # precision so equal inputs give exactly equal scores and never straddle a quadrant threshold.
    return np.round(scores[0].astype(np.float64), 9), coverage


def quadrants(right: Floats, want: Floats, thresholds: Mapping[str, float]) -> NDArray[np.object_]:
    """Quadrant label per unit ('' where an axis is missing)."""
    high_right = right >= thresholds["right_to_win"]
    high_want = want >= thresholds["want_to_win"]
    labels = np.select(
        [high_right & high_want, ~high_right & high_want, high_right & ~high_want],
        ["lead", "build", "leverage"],
        default="monitor",
    ).astype(object)
    labels[np.isnan(right) | np.isnan(want)] = ""
    return labels


def opportunity(right: NDArray[np.floating[Any]], want: NDArray[np.floating[Any]]) -> NDArray[np.floating[Any]]:
    """The single ordering used for ranks: the geometric mean of the two axes."""
    product: NDArray[np.floating[Any]] = np.clip(right, 0, None) * np.clip(want, 0, None)
    root: NDArray[np.floating[Any]] = np.sqrt(product)
    return root


def _ranks_within(groups: ArrayLike, values: NDArray[np.floating[Any]]) -> NDArray[np.floating[Any]]:
    """Rank 1 = best (highest value) within each group; NaN values rank last."""
    order = pd.Series(np.nan_to_num(values, nan=-np.inf))
    return order.groupby(np.asarray(groups)).rank(method="min", ascending=False).to_numpy()


def _interval(draws: NDArray[np.floating[Any]]) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]]]:
    """5th and 95th percentiles over draws (axis 0), clipped to 0–100, as ``np.percentile`` (linear).

    A unit is NaN in every draw or in none (missingness does not depend on the draw). One ``partition`` on
    the transposed, contiguous array finds both order statistics in linear time, far faster than a full
    percentile call per column.
    """
    missing = np.isnan(draws[0])
    low, high = _percentiles(np.nan_to_num(draws, nan=0.0), (5, 95))
    low, high = np.clip(low, 0, 100), np.clip(high, 0, 100)
    low[missing] = np.nan
    high[missing] = np.nan
    return low, high


def _percentiles(draws: NDArray[Any], qs: Sequence[float]) -> list[NDArray[Any]]:
    """Linear-interpolation percentiles over axis 0 of a (D, U) array, via one partition."""
    n = draws.shape[0]
    values = np.ascontiguousarray(draws.T)
    positions = [q / 100 * (n - 1) for q in qs]
    kth = sorted({int(np.floor(p)) for p in positions} | {min(int(np.floor(p)) + 1, n - 1) for p in positions})
    values = np.partition(values, kth, axis=1)
    out = []
    for p in positions:
        lo = int(np.floor(p))
        hi = min(lo + 1, n - 1)
        frac = p - lo
        out.append(values[:, lo] * (1 - frac) + values[:, hi] * frac)
    return out


# --------------------------------------------------------------------------------------------------------
# Monte Carlo uncertainty
# --------------------------------------------------------------------------------------------------------


def monte_carlo(
    prepared: Prepared,
    spec: Spec,
    draws: int,
    seed: int | None,
    weight_noise: float = 0.25,
    rank_groups: ArrayLike | None = None,
    chunk_units: int = 2000,
) -> pd.DataFrame:
    """Uncertainty of every unit over weights, normalisation and aggregation, seeded and reproducible.

    Each draw perturbs every indicator and group weight by a uniform ±``weight_noise`` factor, picks one of
    the peer-relative normalisations (percentile, min-max, z-score) and one aggregation (arithmetic,
    geometric). Returns a frame with the 5th–95th percentile interval of each axis, the 5th–95th percentile
    interval of the rank within ``rank_groups`` (normally the region) by opportunity, and the share of draws
    that keep the unit in its baseline quadrant.

    Draw parameters are sampled once up front, so the result is the same for the same seed however the units
    are chunked — up to float32 rounding (BLAS blocks products differently by size; a few ulps). Units are
    processed in chunks that never split a rank group.
    """
    structure = prepared.structure
    rng = np.random.default_rng(seed)
    methods = [m for m in DEFAULT_NORMALISATIONS if m in prepared.normalised] or [prepared.method]
    method_pick = rng.integers(0, len(methods), size=draws)
    method_pick_names = np.array(methods)[method_pick]
    aggregation_pick = rng.integers(0, len(AGGREGATIONS), size=draws)
    iw_noise = rng.uniform(1 - weight_noise, 1 + weight_noise, size=(draws, len(structure.keys)))
    gw_noise = rng.uniform(1 - weight_noise, 1 + weight_noise, size=(draws, len(structure.group_keys)))

    base_scores, _ = aggregate(prepared.baseline, prepared.mask, structure, spec["aggregation"])
    base_quadrant = quadrants(base_scores[:, 0], base_scores[:, 1], spec["thresholds"])
    n = prepared.mask.shape[0]
    groups = np.zeros(n, dtype=np.int64) if rank_groups is None else pd.factorize(np.asarray(rank_groups))[0]
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    boundaries = np.flatnonzero(np.diff(sorted_groups)) + 1
    starts = np.concatenate([[0], boundaries])
    chunks, current = [], [0]
    for start in starts[1:]:
        if start - current[0] >= chunk_units:
            current.append(start)
            chunks.append(tuple(current))
            current = [start]
    current.append(n)
    chunks.append(tuple(current))

    out = {k: np.full(n, np.nan) for k in ("rtw_low", "rtw_high", "wtw_low", "wtw_high", "rank_low", "rank_high")}
    out["stability"] = np.full(n, np.nan)
    thresholds = spec["thresholds"]
    iw = (structure.indicator_weight * iw_noise).astype(np.float32)
    gw = (structure.group_weight * gw_noise).astype(np.float32)
    geometric = np.array([AGGREGATIONS[i] == "geometric" for i in aggregation_pick])
    filled_by_method = {
        m: np.where(prepared.mask, prepared.normalised[m], 0.0).astype(np.float32) for m in set(method_pick_names)
    }
    for begin, end in chunks:
        rows = order[begin:end]
        mask = prepared.mask[rows]
        both = np.empty((draws, rows.size, len(AXES)), dtype=np.float32)
        for m in set(method_pick_names):
            picked = np.flatnonzero(method_pick_names == m)
            both[picked] = _batched_axes(
                filled_by_method[m][rows], mask, structure, iw[picked], gw[picked], geometric[picked]
            )
        right, want = both[:, :, 0], both[:, :, 1]
        out["rtw_low"][rows], out["rtw_high"][rows] = _interval(right)
        out["wtw_low"][rows], out["wtw_high"][rows] = _interval(want)
        draw_quadrants = (right >= thresholds["right_to_win"]) * 2 + (want >= thresholds["want_to_win"])
        base_code = np.select(
            [base_quadrant[rows] == q for q in ("monitor", "build", "leverage", "lead")], [0, 1, 2, 3], default=-1
        )
        valid = ~np.isnan(right) & ~np.isnan(want)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["stability"][rows] = np.where(
                base_code >= 0, ((draw_quadrants == base_code) & valid).sum(axis=0) / valid.sum(axis=0), np.nan
            )
        # Ranks within each group, per draw. Groups are contiguous in the chunk; in the usual dense panel
        # (every region has every cluster) they are equal-sized, and one argsort over a reshaped array ranks all.
        opp = np.nan_to_num(opportunity(right, want), nan=-1.0)
        chunk_groups = groups[rows]
        sizes = np.bincount(pd.factorize(chunk_groups)[0])
        if np.all(sizes == sizes[0]):
            shaped = -opp.reshape(draws, -1, sizes[0])
            ranks = np.argsort(np.argsort(shaped, axis=2, kind="stable"), axis=2).reshape(draws, -1) + 1.0
        else:
            group_start = np.searchsorted(chunk_groups, chunk_groups, side="left")
            ranks = np.empty_like(opp)
            for d in range(draws):
                idx = np.lexsort((-opp[d], chunk_groups))
                position = np.empty(rows.size, dtype=np.int64)
                position[idx] = np.arange(rows.size)
                ranks[d] = position - group_start + 1
        out["rank_low"][rows], out["rank_high"][rows] = _percentiles(ranks, (5, 95))
    frame = pd.DataFrame(out, index=prepared.index)
    frame["rank_low"] = np.floor(frame["rank_low"])
    frame["rank_high"] = np.ceil(frame["rank_high"])
    return frame


# --------------------------------------------------------------------------------------------------------
# The whole pipeline
# --------------------------------------------------------------------------------------------------------


def score(
    indicators: pd.DataFrame,
    spec: Spec,
    uncertainty: bool = True,
    draws: int | None = None,
    seed: int | None = None,
    alternatives: bool | None = None,
) -> tuple[pd.DataFrame, Prepared]:
    """Score every unit of a peer group under a validated methodology.

    ``indicators`` is indexed by unit — normally a (region, cluster) MultiIndex, whose first level groups
    the ranks. Returns ``(scores, prepared)``: ``scores`` has right_to_win, want_to_win, their coverage and
    the overall coverage, quadrant, strategy, rank and, with ``uncertainty``, the Monte Carlo intervals and
    quadrant stability; ``prepared`` keeps the raw and normalised matrices for explanations and storage.
    """
    settings = spec["uncertainty"]
    draws = settings["draws"] if draws is None else draws
    seed = settings["seed"] if seed is None else seed
    # The alternative normalisations are needed by Monte Carlo, here or later in fanned-out chunks.
    alternatives = bool(uncertainty and draws) if alternatives is None else alternatives
    prepared = prepare(indicators, spec, methods=DEFAULT_NORMALISATIONS if alternatives else None)
    values, coverage = aggregate(prepared.baseline, prepared.mask, prepared.structure, spec["aggregation"])
    right, want = values[:, 0], values[:, 1]
    frame = pd.DataFrame(
        {
            "right_to_win": right,
            "want_to_win": want,
            "coverage_right_to_win": coverage[:, 0],
            "coverage_want_to_win": coverage[:, 1],
            "coverage": coverage.mean(axis=1),
        },
        index=indicators.index,
    )
    frame["quadrant"] = quadrants(right, want, spec["thresholds"])
    frame["strategy"] = frame["quadrant"].map(STRATEGIES).fillna("")
    groups = _rank_groups(indicators.index)
    frame["rank"] = _ranks_within(groups, opportunity(right, want))
    if uncertainty and draws:
        frame = frame.join(monte_carlo(prepared, spec, draws, seed, settings["weight_noise"], rank_groups=groups))
    return frame, prepared


def _rank_groups(index: pd.Index) -> pd.Index | Ints:
    if isinstance(index, pd.MultiIndex):
        return index.get_level_values(0)
    return np.zeros(len(index), dtype=np.int64)


# --------------------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------------------


def explain(raw: Mapping[str, Any], normalised: Mapping[str, Any], spec: Spec, top: int = 3) -> dict[str, Json]:
    """One unit's explanation from its raw and normalised values (dicts keyed by indicator).

    For each axis: every indicator's raw value, normalised value, nominal weight, applied weight (after
    renormalising over what is present) and contribution in score points — contributions add up to the
    axis score under arithmetic aggregation; under geometric aggregation they are each group's share of
    the log-score, in points. Drivers are the indicators that pull the score furthest above or below the
    midpoint (50), weighted.
    """
    structure = Structure.of(spec)
    values = np.array([[_as_float(normalised.get(k)) for k in structure.keys]])
    mask = ~np.isnan(values)
    scores, coverage = aggregate(values, mask, structure, spec["aggregation"])
    result: dict[str, Json] = {}
    inner_total = np.bincount(structure.group_of, weights=structure.indicator_weight * mask[0])
    for a, axis in enumerate(AXES):
        cols = np.flatnonzero(structure.group_axis == a)
        present_groups = [g for g in cols if inner_total[g] > 0]
        group_total = sum(structure.group_weight[g] for g in present_groups)
        rows = []
        score_value = scores[0, a]
        for i, key in enumerate(structure.keys):
            if structure.axis_of[i] != a:
                continue
            g = structure.group_of[i]
            applied = 0.0
            if mask[0, i] and group_total > 0:
                applied = (structure.group_weight[g] / group_total) * (structure.indicator_weight[i] / inner_total[g])
            n_value = values[0, i]
            if not mask[0, i]:
                contribution = None
            elif spec["aggregation"] == "geometric" and score_value and score_value > 1:
                group_mean = _group_mean(values[0], mask[0], structure, g)
                share = (structure.group_weight[g] / group_total) * np.log(max(group_mean, 1.0)) / np.log(score_value)
                contribution = float(score_value * share * structure.indicator_weight[i] / inner_total[g])
            else:
                contribution = float(applied * n_value)
            rows.append(
                {
                    "indicator": key,
                    "label": structure.entries[i]["label"],
                    "group": structure.group_keys[g].split(".", 1)[1],
                    "raw": _as_float(raw.get(key)),
                    "normalised": None if not mask[0, i] else round(float(n_value), 2),
                    "weight": round(float(structure.effective[i]), 4),
                    "applied_weight": round(float(applied), 4),
                    "contribution": None if contribution is None else round(contribution, 2),
                    "impact": None if not mask[0, i] else round(float(applied * (n_value - 50.0)), 2),
                }
            )
        present = [r for r in rows if r["impact"] is not None]
        result[axis] = {
            "score": None if np.isnan(score_value) else round(float(score_value), 2),
            "coverage": round(float(coverage[0, a]), 4),
            "indicators": rows,
            "missing": [r["indicator"] for r in rows if r["normalised"] is None],
            "drivers_up": [r["indicator"] for r in sorted(present, key=lambda r: -r["impact"]) if r["impact"] > 0][
                :top
            ],
            "drivers_down": [r["indicator"] for r in sorted(present, key=lambda r: r["impact"]) if r["impact"] < 0][
                :top
            ],
        }
    return result


def _group_mean(values: Floats, mask: Bools, structure: Structure, g: int) -> float:
    members = (structure.group_of == g) & mask
    weights = structure.indicator_weight[members]
    return float((values[members] * weights).sum() / weights.sum()) if weights.sum() else 0.0


def _as_float(value: Any) -> float:
    if value is None:
        return np.nan
    try:
        value = float(value)
    except (TypeError, ValueError):
        return np.nan
    return value if np.isfinite(value) else np.nan


def strategy_reasons(quadrant: str, explanation: Mapping[str, Json], labels: Mapping[str, str] | None = None) -> Json:
    """The recommended strategy with its reasons, in words, from a unit's quadrant and explanation."""
    if not quadrant:
        return {"strategy": "", "summary": "Not enough data to place this cluster.", "reasons": []}
    labels = labels or {}
    reasons = []
    for axis, name in (("right_to_win", "Right to win"), ("want_to_win", "Want to win")):
        part = explanation[axis]
        by_key = {r["indicator"]: r for r in part["indicators"]}
        ups = [labels.get(k, by_key[k]["label"]) for k in part["drivers_up"]]
        downs = [labels.get(k, by_key[k]["label"]) for k in part["drivers_down"]]
        text = f"{name} {part['score']:.0f}" if part["score"] is not None else f"{name} unknown"
        if ups:
            text += f", lifted by {', '.join(ups)}"
        if downs:
            text += f"{';' if ups else ','} held back by {', '.join(downs)}"
        if part["missing"]:
            text += f" ({len(part['missing'])} indicator{'s' if len(part['missing']) != 1 else ''} missing)"
        reasons.append(text + ".")
    return {"strategy": STRATEGIES[quadrant], "summary": STRATEGY_TEXT[quadrant], "reasons": reasons}
