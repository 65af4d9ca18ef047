"""Market ("want to win") indicators entered in an audit (DESIGN.md §3 "Market indicators").

Pure pandas/numpy: never imports Django. National growth, industry mix and job quality come from the economic
engine; this module scores what the audit enters. Cluster ids are compared as strings.

* ``projected_growth``: for each forecast, the CAGR implied by its values,
  ``(target_value / base_value)^(1 / (target_year − base_year)) − 1`` when both values are positive and the target
  year is later; otherwise its stated ``growth_rate`` (a fraction a year, 0.023 = 2.3%). A forecast with neither is
  ignored. Several forecasts for one cluster: the mean over its GVA forecasts (``metric`` "gva", any case, or
  containing "gva") if there are any, else the mean over all of them. NaN when no usable forecast.
* ``priority_alignment = Σ_f weight(cluster, f) / frameworks_selected``: the mean over the selected frameworks of
  the cluster's weight, 0 in a framework that does not list it (a cluster listed twice in one framework counts at
  its highest weight). NaN when no framework is selected.
* ``trend_score``: the mean expert rating (1–5) over the cluster's rated themes; NaN with none.
* ``investment_momentum``: ``cluster_inputs.investment_growth`` as entered (NaN if not).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from scoring.assets import ensure_columns
from scoring.types import Floats

INDICATORS = ("projected_growth", "priority_alignment", "trend_score", "investment_momentum")
DETAILS = (
    "detail_forecast_source",
    "detail_forecast_metric",
    "detail_forecast_count",
    "detail_frameworks_matched",
    "detail_themes_rated",
)


def forecast_growth(forecasts: pd.DataFrame | None) -> pd.Series[float]:
    """Each forecast row's annual growth (implied CAGR, else the stated rate; NaN if neither), same index."""
    f = ensure_columns(
        forecasts,
        {
            "base_year": math.nan,
            "base_value": math.nan,
            "target_year": math.nan,
            "target_value": math.nan,
            "growth_rate": math.nan,
        },
    )

    def num(column: str) -> Floats:
        return pd.to_numeric(f[column], errors="coerce").to_numpy(dtype=np.float64)

    base, target, stated = num("base_value"), num("target_value"), num("growth_rate")
    years = num("target_year") - num("base_year")
    ok = (base > 0) & (target > 0) & (years > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(ok, (target / np.where(ok, base, 1.0)) ** (1.0 / np.where(ok, years, 1.0)) - 1.0, np.nan)
    return pd.Series(np.where(ok, implied, stated), index=f.index, dtype=np.float64)


def _is_gva(metric: object) -> bool:
    return isinstance(metric, str) and "gva" in metric.casefold()


def _join(values: Iterable[object]) -> str:
    seen: list[str] = []
    for v in values:
        if isinstance(v, str) and v and v not in seen:
            seen.append(v)
    return "; ".join(seen)


def market_indicators(
    clusters: Iterable[str],
    forecasts: pd.DataFrame | None,
    priorities: pd.DataFrame | None,
    frameworks_selected: int | None,
    trend_ratings: pd.DataFrame | None,
    cluster_inputs: pd.DataFrame | None,
) -> pd.DataFrame:
    """Market indicators and ``detail_`` columns, one row per cluster in ``clusters`` order (see module docstring)."""
    index = pd.Index(list(clusters))
    ids = [str(c) for c in index]

    f = ensure_columns(forecasts, {"cluster": "", "metric": "", "source": ""})
    f["growth"] = forecast_growth(f)
    f["cluster"] = f["cluster"].map(str)
    f = f.loc[f["growth"].notna()]

    p = ensure_columns(priorities, {"framework": "", "cluster": "", "weight": math.nan})
    p["cluster"] = p["cluster"].map(str)
    p["weight"] = pd.to_numeric(p["weight"], errors="coerce")
    p = p.loc[p["weight"].notna()]
    per_framework = p.groupby(["cluster", "framework"], sort=True)["weight"].max()
    n_frameworks = 0 if frameworks_selected is None or pd.isna(frameworks_selected) else int(frameworks_selected)

    t = ensure_columns(trend_ratings, {"cluster": "", "theme": "", "rating": math.nan})
    t["cluster"] = t["cluster"].map(str)
    t["rating"] = pd.to_numeric(t["rating"], errors="coerce")
    t = t.loc[t["rating"].notna()]

    inputs = pd.DataFrame(cluster_inputs) if cluster_inputs is not None else pd.DataFrame()
    inputs = inputs.set_axis(inputs.index.map(str), axis=0)
    momentum = (
        pd.to_numeric(inputs["investment_growth"], errors="coerce")
        if "investment_growth" in inputs.columns
        else pd.Series(dtype=np.float64)
    )

    rows = []
    for cid in ids:
        mine = f.loc[f["cluster"] == cid]
        gva = mine.loc[[_is_gva(m) for m in mine["metric"]]]
        used = gva if len(gva) else mine
        weights = per_framework.loc[cid] if cid in per_framework.index.get_level_values(0) else pd.Series()
        ratings = t.loc[t["cluster"] == cid]
        alignment = float(weights.sum()) / n_frameworks if n_frameworks > 0 else math.nan
        rows.append(
            {
                "projected_growth": float(used["growth"].mean()) if len(used) else math.nan,
                "priority_alignment": alignment,
                "trend_score": float(ratings["rating"].mean()) if len(ratings) else math.nan,
                "investment_momentum": float(momentum.get(cid, math.nan)),
                "detail_forecast_source": _join(used["source"]),
                "detail_forecast_metric": _join(used["metric"]),
                "detail_forecast_count": len(used),
                "detail_frameworks_matched": ", ".join(str(k) for k, w in weights.items() if w > 0),
                "detail_themes_rated": ", ".join(sorted({str(x) for x in ratings["theme"]})),
            }
        )
    out = pd.DataFrame(rows, index=index, columns=list(INDICATORS + DETAILS))
    out[list(INDICATORS)] = out[list(INDICATORS)].astype(np.float64)
    return out
