"""Scenario overrides (scoring.overrides): added jobs, anchors and weights on the engine's inputs. No database."""

import re

import numpy as np
import pandas as pd
import pytest

from scoring.economic import EconomicPanel
from scoring.methodology import default_spec, validate_spec
from scoring.overrides import OverrideError, apply_anchors, apply_jobs, apply_weights, validate_overrides


def small_panel():
    return EconomicPanel(
        regions=pd.Index(["A", "B"], name="region"),
        clusters=pd.Index(["1", "2"], name="cluster"),
        scope=np.array(["traded", "local"]),
        employment=np.array([[100.0, 50.0], [200.0, np.nan]]),
        establishments=np.full((2, 2), np.nan),
        payroll=np.full((2, 2), np.nan),
        region_total={
            "traded": np.array([100.0, 200.0]),
            "local": np.array([50.0, 0.0]),
            "all": np.array([150.0, 200.0]),
        },
        benchmark_cluster=np.array([300.0, 50.0]),
        benchmark_total={"traded": 300.0, "local": 50.0, "all": 350.0},
    )


def test_added_jobs_change_the_region_cell_its_scope_total_and_the_benchmark():
    panel = small_panel()
    out = apply_jobs(panel, "A", [{"cluster": "1", "jobs": 40}], benchmark_includes_region=True)
    assert out.employment[0, 0] == 140 and out.employment[1, 0] == 200
    assert out.region_total["traded"][0] == 140 and out.region_total["all"][0] == 190
    assert out.region_total["local"][0] == 50
    assert out.benchmark_cluster[0] == 340 and out.benchmark_total == {"traded": 340, "local": 50, "all": 390}
    assert panel.employment[0, 0] == 100 and panel.region_total["traded"][0] == 100  # the input is untouched
    outside = apply_jobs(panel, "B", [{"cluster": "2", "jobs": 5}], benchmark_includes_region=False)
    assert outside.employment[1, 1] == 5 and outside.region_total["local"][1] == 5
    assert outside.benchmark_cluster[1] == 50 and outside.benchmark_total["local"] == 50


def test_jobs_may_not_leave_negative_employment():
    with pytest.raises(OverrideError, match="negative employment"):
        apply_jobs(small_panel(), "A", [{"cluster": "1", "jobs": -101}], benchmark_includes_region=True)
    out = apply_jobs(small_panel(), "A", [{"cluster": "1", "jobs": -100}], benchmark_includes_region=True)
    assert out.employment[0, 0] == 0
    with pytest.raises(OverrideError, match="negative employment"):
        validate_overrides({"add_jobs": [{"cluster": "5", "jobs": -20}]}, employment={"5": 10.0})


def test_added_anchors_are_extra_rows_with_scenario_keys():
    anchors = pd.DataFrame(
        [[1, "MIT", "university", 100, None, 0.0, None, None, 42.0, -71.0, "a:1", "academia", ["5"]]],
        columns=["pk", "name", "anchor_type", "staff", "students", "research_spend", "patents", "spinouts",
                 "latitude", "longitude", "key", "group", "clusters"],
    )  # fmt: skip
    clean = validate_overrides(
        {"add_anchors": [{"name": "Big Pharma", "anchor_type": "major_firm", "staff": 5000, "clusters": ["5"]}]},
        clusters={"5", "13"},
    )
    out = apply_anchors(anchors, clean["add_anchors"])
    assert list(out["key"]) == ["a:1", "x:1"] and len(anchors) == 1
    added = out.iloc[1]
    assert added["group"] == "corporate" and added["clusters"] == ["5"] and added["staff"] == 5000


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"add_jobs": [{"cluster": "999", "jobs": 10}]}, "unknown cluster '999'"),
        ({"add_anchors": [{"name": "X", "anchor_type": "university", "clusters": ["42"]}]}, "unknown cluster '42'"),
        ({"add_anchors": [{"name": "X", "anchor_type": "castle", "clusters": ["5"]}]}, "anchor type must be"),
        ({"add_jobs": [{"cluster": "5", "jobs": 1.5}]}, "whole number"),
        ({"weights": {"right_to_win.anchors": -1}}, "must not be below 0"),
        ({"weights": {"right_to_win.nowhere": 1}}, "Unknown weight"),
        ({"weights": {"no_such_indicator": 1}}, "Unknown indicator"),
        ({"surprise": 1}, "Unknown override"),
    ],
)
def test_invalid_overrides_are_rejected_with_clear_messages(overrides, message):
    with pytest.raises(OverrideError, match=re.escape(message)):
        validate_overrides(overrides, clusters={"5", "13"}, spec=validate_spec(default_spec()))


def test_weights_go_into_a_validated_copy_of_the_spec():
    spec = validate_spec(default_spec())
    out = apply_weights(spec, {"right_to_win.anchors": 0.9, "lq": 2})
    assert out["axes"]["right_to_win"]["anchors"]["weight"] == 0.9
    assert out["axes"]["right_to_win"]["specialisation"]["indicators"]["lq"]["weight"] == 2
    assert spec["axes"]["right_to_win"]["anchors"]["weight"] == 0.15
    every_group = {f"right_to_win.{g}": 0 for g in spec["axes"]["right_to_win"]}
    with pytest.raises(OverrideError, match="invalid methodology"):
        apply_weights(spec, every_group)


def test_huge_weights_are_refused_not_overflowed():
    with pytest.raises(OverrideError, match="must not be above"):
        validate_overrides({"weights": {"right_to_win.anchors": 1e308}}, spec=validate_spec(default_spec()))
