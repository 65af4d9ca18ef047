"""Scenarios: overrides applied to the engine's inputs, scenario runs, the what-if pages and the methodology editor."""
# ruff: noqa: F811 - fixtures imported from tests.test_score_runs are redefined as arguments

import re

import numpy as np
import pandas as pd
import pytest

from assessments import scenarios
from assessments.models import Methodology, Scenario, Score
from assessments.scoring.economic import EconomicPanel
from assessments.scoring.methodology import default_spec, validate_spec
from core.models import RunStatus
from tests.test_score_runs import massachusetts_audit, run_now, states  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------------------------------------
# Pure functions
# --------------------------------------------------------------------------------------------------------


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
    out = scenarios.apply_jobs(panel, "A", [{"cluster": "1", "jobs": 40}], benchmark_includes_region=True)
    assert out.employment[0, 0] == 140 and out.employment[1, 0] == 200
    assert out.region_total["traded"][0] == 140 and out.region_total["all"][0] == 190
    assert out.region_total["local"][0] == 50
    assert out.benchmark_cluster[0] == 340 and out.benchmark_total == {"traded": 340, "local": 50, "all": 390}
    assert panel.employment[0, 0] == 100 and panel.region_total["traded"][0] == 100  # the input is untouched
    outside = scenarios.apply_jobs(panel, "B", [{"cluster": "2", "jobs": 5}], benchmark_includes_region=False)
    assert outside.employment[1, 1] == 5 and outside.region_total["local"][1] == 5
    assert outside.benchmark_cluster[1] == 50 and outside.benchmark_total["local"] == 50


def test_jobs_may_not_leave_negative_employment():
    with pytest.raises(scenarios.ScenarioError, match="negative employment"):
        scenarios.apply_jobs(small_panel(), "A", [{"cluster": "1", "jobs": -101}], benchmark_includes_region=True)
    out = scenarios.apply_jobs(small_panel(), "A", [{"cluster": "1", "jobs": -100}], benchmark_includes_region=True)
    assert out.employment[0, 0] == 0
    with pytest.raises(scenarios.ScenarioError, match="negative employment"):
        scenarios.validate_overrides({"add_jobs": [{"cluster": "5", "jobs": -20}]}, employment={"5": 10.0})


def test_added_anchors_are_extra_rows_with_scenario_keys():
    anchors = pd.DataFrame(
        [[1, "MIT", "university", 100, None, 0.0, None, None, 42.0, -71.0, "a:1", "academia", ["5"]]],
        columns=["pk", "name", "anchor_type", "staff", "students", "research_spend", "patents", "spinouts",
                 "latitude", "longitude", "key", "group", "clusters"],
    )  # fmt: skip
    clean = scenarios.validate_overrides(
        {"add_anchors": [{"name": "Big Pharma", "anchor_type": "major_firm", "staff": 5000, "clusters": ["5"]}]},
        clusters={"5", "13"},
    )
    out = scenarios.apply_anchors(anchors, clean["add_anchors"])
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
    with pytest.raises(scenarios.ScenarioError, match=re.escape(message)):
        scenarios.validate_overrides(overrides, clusters={"5", "13"}, spec=validate_spec(default_spec()))


def test_weights_go_into_a_validated_copy_of_the_spec():
    spec = validate_spec(default_spec())
    out = scenarios.apply_weights(spec, {"right_to_win.anchors": 0.9, "lq": 2})
    assert out["axes"]["right_to_win"]["anchors"]["weight"] == 0.9
    assert out["axes"]["right_to_win"]["specialisation"]["indicators"]["lq"]["weight"] == 2
    assert spec["axes"]["right_to_win"]["anchors"]["weight"] == 0.15
    every_group = {f"right_to_win.{g}": 0 for g in spec["axes"]["right_to_win"]}
    with pytest.raises(scenarios.ScenarioError, match="invalid methodology"):
        scenarios.apply_weights(spec, every_group)


# --------------------------------------------------------------------------------------------------------
# Scenario runs
# --------------------------------------------------------------------------------------------------------


def _candidate(run, code="5"):
    return Score.objects.get(run=run, candidate=True, cluster__code=code)


@pytest.fixture
def baseline(run_now, massachusetts_audit):
    run, _ = run_now(audit=massachusetts_audit, trigger="test")
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _score_scenario(django_capture_on_commit_callbacks, scenario):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = scenarios.scenario_score(scenario=scenario)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.scenario == scenario and run.trigger == "scenario"
    return run


def test_a_large_anchor_raises_the_candidates_right_to_win(
    baseline,
    massachusetts_audit,
    django_capture_on_commit_callbacks,
):
    scenario = scenarios.scenario_create(
        audit=massachusetts_audit,
        name="A research hospital for education",
        overrides={"add_anchors": [
            {"name": "Teaching hospital", "anchor_type": "university", "staff": 20000, "clusters": ["13"],
             "latitude": 42.36, "longitude": -71.09},
            {"name": "Second campus", "anchor_type": "research_centre", "staff": 8000, "clusters": ["13"],
             "latitude": 42.37, "longitude": -71.08},
        ]},
    )  # fmt: skip
    assert scenario.organisation == massachusetts_audit.organisation
    run = _score_scenario(django_capture_on_commit_callbacks, scenario)
    before, after = _candidate(baseline, "13"), _candidate(run, "13")
    assert after.indicators["anchor_strength"][0] > before.indicators["anchor_strength"][0]
    assert after.right_to_win > before.right_to_win
    assert run.pk != baseline.pk and baseline.scores.count() == run.scores.count()


def test_added_jobs_raise_lq_and_scale(baseline, massachusetts_audit, django_capture_on_commit_callbacks):
    scenario = scenarios.scenario_create(
        audit=massachusetts_audit, name="Jobs", overrides={"add_jobs": [{"cluster": "5", "jobs": 20000}]}
    )
    run = _score_scenario(django_capture_on_commit_callbacks, scenario)
    before, after = _candidate(baseline), _candidate(run)
    assert after.employment == pytest.approx(before.employment + 20000)
    assert after.lq > before.lq
    assert after.indicators["scale"][0] > before.indicators["scale"][0]


def test_removing_more_jobs_than_exist_is_refused_before_saving(baseline, massachusetts_audit):
    employment = _candidate(baseline).employment
    with pytest.raises(scenarios.ScenarioError, match="negative employment"):
        scenarios.scenario_create(
            audit=massachusetts_audit,
            name="Closure",
            overrides={"add_jobs": [{"cluster": "5", "jobs": -int(employment) - 10}]},
        )
    assert not Scenario.objects.exists()


def test_scenario_weights_change_the_scores_not_the_methodology(
    baseline,
    massachusetts_audit,
    django_capture_on_commit_callbacks,
):
    scenario = scenarios.scenario_create(
        audit=massachusetts_audit, name="Anchors matter", overrides={"weights": {"right_to_win.anchors": 5}}
    )
    run = _score_scenario(django_capture_on_commit_callbacks, scenario)
    assert run.methodology == baseline.methodology and run.fingerprint != baseline.fingerprint
    assert _candidate(run).right_to_win != _candidate(baseline).right_to_win
    assert Methodology.objects.count() == 1
