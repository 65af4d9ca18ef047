"""Market indicators (scoring.market): hand-worked cases, NaN rules and cluster order."""

import math

import numpy as np
import pandas as pd
import pytest

from scoring import market

FORECAST_COLUMNS = ["cluster", "metric", "base_year", "base_value", "target_year", "target_value", "growth_rate"]


def forecasts(*rows):
    frame = pd.DataFrame(list(rows), columns=FORECAST_COLUMNS)
    frame["source"] = [f"source {i}" for i in range(len(frame))]
    return frame


def run(clusters=("c",), f=None, p=None, n=0, t=None, inputs=None):
    return market.market_indicators(
        list(clusters),
        forecasts() if f is None else f,
        pd.DataFrame(columns=["framework", "cluster", "weight"]) if p is None else p,
        n,
        pd.DataFrame(columns=["cluster", "theme", "rating"]) if t is None else t,
        pd.DataFrame() if inputs is None else inputs,
    )


def test_projected_growth_from_target_value():
    # ProfTech GVA £1.2bn (2024) → £1.5bn (2033): 1.25^(1/9) − 1 ≈ 2.51% a year.
    out = run(["proftech"], f=forecasts(["proftech", "GVA", 2024, 1.2, 2033, 1.5, np.nan]))
    assert out.loc["proftech", "projected_growth"] == pytest.approx(1.25 ** (1 / 9) - 1)
    assert out.loc["proftech", "detail_forecast_source"] == "source 0"


def test_target_value_wins_over_stated_rate_and_stated_rate_is_the_fallback():
    f = forecasts(
        ["a", "GVA", 2020, 100, 2022, 121, 0.5],  # implied 10%, stated rate ignored
        ["b", "GVA", 2020, 100, np.nan, np.nan, 0.03],  # no target: the stated 3%
        ["c", "GVA", 2020, 0, 2025, 100, 0.04],  # zero base: cannot compound, the stated 4%
        ["d", "GVA", 2020, 100, 2020, 120, np.nan],  # same year, no rate: unusable
    )
    out = run(["a", "b", "c", "d"], f=f)
    np.testing.assert_allclose(out["projected_growth"].to_numpy()[:3], [0.10, 0.03, 0.04])
    assert math.isnan(out.loc["d", "projected_growth"])
    assert out.loc["d", "detail_forecast_count"] == 0


def test_several_forecasts_prefer_gva_else_mean():
    f = forecasts(
        ["c", "employment", 2020, np.nan, np.nan, np.nan, 0.08],
        ["c", "GVA (real)", 2020, np.nan, np.nan, np.nan, 0.02],
        ["c", "gva", 2020, np.nan, np.nan, np.nan, 0.04],
        ["d", "employment", 2020, np.nan, np.nan, np.nan, 0.01],
        ["d", "turnover", 2020, np.nan, np.nan, np.nan, 0.05],
    )
    out = run(["c", "d"], f=f)
    assert out.loc["c", "projected_growth"] == pytest.approx(0.03)  # mean of the two GVA forecasts
    assert out.loc["c", "detail_forecast_source"] == "source 1; source 2"
    assert out.loc["d", "projected_growth"] == pytest.approx(0.03)  # no GVA: mean of all
    assert out.loc["d", "detail_forecast_metric"] == "employment; turnover"


def test_priority_alignment_is_the_mean_over_selected_frameworks():
    p = pd.DataFrame(
        [
            ["industrial-strategy", "c", 1.0],
            ["roadmap", "c", 0.5],
            ["roadmap", "c", 0.25],  # listed twice: the higher weight counts
            ["roadmap", "d", 0.0],
            ["roadmap", "5", 0.6],
        ],
        columns=["framework", "cluster", "weight"],
    )
    out = run(["c", "d", "e", 5], p=p, n=3)
    assert out.loc["c", "priority_alignment"] == pytest.approx(0.5)  # (1 + 0.5 + 0) / 3
    assert out.loc["c", "detail_frameworks_matched"] == "industrial-strategy, roadmap"
    assert out.loc["d", "priority_alignment"] == 0.0 and out.loc["d", "detail_frameworks_matched"] == ""
    assert out.loc["e", "priority_alignment"] == 0.0
    assert out.loc[5, "priority_alignment"] == pytest.approx(0.2)  # integer id matched as "5"


def test_priority_alignment_nan_without_frameworks():
    out = run(["c"], n=0)
    assert math.isnan(out.loc["c", "priority_alignment"])
    assert math.isnan(run(["c"], n=None).loc["c", "priority_alignment"])


def test_trend_score_and_investment_momentum():
    t = pd.DataFrame(
        [["c", "productivity", 4], ["c", "open data", 5], ["c", "inclusion", 2], ["d", "wellness", np.nan]],
        columns=["cluster", "theme", "rating"],
    )
    inputs = pd.DataFrame({"investment_growth": [0.2, np.nan]}, index=["c", "d"])
    out = run(["c", "d", "e"], t=t, inputs=inputs)
    assert out.loc["c", "trend_score"] == pytest.approx(11 / 3)
    assert out.loc["c", "detail_themes_rated"] == "inclusion, open data, productivity"
    assert math.isnan(out.loc["d", "trend_score"])
    assert out.loc["c", "investment_momentum"] == pytest.approx(0.2)
    assert out[["investment_momentum"]].iloc[1:].isna().all().all()


def test_order_columns_and_empty_inputs():
    out = market.market_indicators(["z", "a", "m"], None, None, 0, None, None)
    assert list(out.index) == ["z", "a", "m"]
    assert list(out.columns) == list(market.INDICATORS + market.DETAILS)
    assert out[list(market.INDICATORS)].isna().all().all()
