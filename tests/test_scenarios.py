"""Scenarios: overrides applied to the engine's inputs, scenario runs, the what-if pages and the methodology editor."""
# ruff: noqa: F811 - fixtures imported from tests.test_score_runs are redefined as arguments

import json
import re

import pytest
from django.urls import reverse

from assessments.models import Methodology, Scenario, Score, ScoreRun
from assessments.services import methodologies, scenarios
from core.models import Role, RunStatus
from tests.factories import MembershipFactory, UserFactory
from tests.test_score_runs import massachusetts_audit, run_now, states  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


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


def test_a_scenarios_explanations_use_its_own_weights(
    baseline, massachusetts_audit, django_capture_on_commit_callbacks
):
    # Under the saved weights anchor strength is not among the top drivers; weighted ×33 here, it leads them.
    assert "Anchor strength" not in " ".join(_candidate(baseline).explanation["reasons"])
    scenario = scenarios.scenario_create(
        audit=massachusetts_audit, name="Anchors above all", overrides={"weights": {"right_to_win.anchors": 5}}
    )
    run = _score_scenario(django_capture_on_commit_callbacks, scenario)
    assert "lifted by Anchor strength" in " ".join(_candidate(run).explanation["reasons"])


# --------------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def reviewer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.REVIEWER, user=UserFactory(username="reviewer")).user


def test_an_officer_creates_a_scenario_and_sees_arrows_and_deltas(
    client, officer, baseline, massachusetts_audit, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    url = reverse("dashboard_scenarios", args=[massachusetts_audit.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"scenario-form" in page.content
    form = {"name": "New campus", "anchor_name": "New campus", "anchor_type": "university", "anchor_staff": "20000",
            "anchor_clusters": ["13"], "anchor_latitude": "42.36", "anchor_longitude": "-71.09",
            "jobs_cluster": "5", "jobs": "15000"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response.url == reverse("dashboard_scenario", args=[scenario.pk])
    assert scenario.overrides["add_jobs"] == [{"cluster": "5", "jobs": 15000}]
    assert scenario.overrides["add_anchors"][0]["clusters"] == ["13"] and scenario.created_by == officer
    assert scenario.runs.get().status == RunStatus.SUCCEEDED
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="scenario-chart"' in html
    figure = json.loads(
        re.search(
            r'Plotly\.newPlot\(\s*"scenario-chart",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo"', html, re.S
        ).group(2)
    )
    arrows = [a for a in figure["annotations"] if a.get("showarrow")]
    assert len(arrows) == 2 and all(a["arrowhead"] and a["axref"] == "x" for a in arrows)
    assert 'data-testid="deltas"' in html and "Education and Knowledge Creation" in html and "+" in html


def test_the_live_validation_answers_with_messages(client, officer, baseline, massachusetts_audit):
    client.force_login(officer)
    url = reverse("dashboard_scenario_validate", args=[massachusetts_audit.pk])
    bad = client.post(url, {"jobs_cluster": "5", "jobs": "-9999999"})
    assert bad.status_code == 200 and b"negative employment" in bad.content
    negative = client.post(url, {"weight_right_to_win.anchors": "-1"})
    assert b"must not be below 0" in negative.content
    good = client.post(url, {"jobs_cluster": "5", "jobs": "10"})
    assert b"Valid." in good.content and b"alert-danger" not in good.content


def test_an_invalid_scenario_is_shown_with_its_error_and_not_saved(client, officer, baseline, massachusetts_audit):
    client.force_login(officer)
    response = client.post(
        reverse("dashboard_scenarios", args=[massachusetts_audit.pk]), {"name": "Nothing", "jobs": "0"}
    )
    assert response.status_code == 400 and b"changes nothing" in response.content
    assert not Scenario.objects.exists()


def test_viewers_read_scenarios_but_cannot_create_them(client, member, baseline, massachusetts_audit):
    scenario = scenarios.scenario_create(
        audit=massachusetts_audit, name="Jobs", overrides={"add_jobs": [{"cluster": "5", "jobs": 5}]}
    )
    client.force_login(member)
    page = client.get(reverse("dashboard_scenarios", args=[massachusetts_audit.pk]))
    assert page.status_code == 200 and b"scenario-form" not in page.content and b"Jobs" in page.content
    assert client.get(reverse("dashboard_scenario", args=[scenario.pk])).status_code == 200
    url = reverse("dashboard_scenarios", args=[massachusetts_audit.pk])
    assert client.post(url, {"name": "X", "jobs_cluster": "5", "jobs": "5"}).status_code == 403
    assert client.post(reverse("dashboard_scenario_validate", args=[massachusetts_audit.pk])).status_code == 403
    assert client.post(reverse("dashboard_scenario_rescore", args=[scenario.pk])).status_code == 403
    assert Scenario.objects.count() == 1


def test_another_organisation_gets_404(client, outsider, massachusetts_audit):
    scenario = scenarios.scenario_create(
        audit=massachusetts_audit, name="Jobs", overrides={"add_jobs": [{"cluster": "5", "jobs": 5}]}
    )
    client.force_login(outsider)
    assert client.get(reverse("dashboard_scenarios", args=[massachusetts_audit.pk])).status_code == 404
    assert client.get(reverse("dashboard_scenario", args=[scenario.pk])).status_code == 404
    assert client.post(reverse("dashboard_scenario_validate", args=[massachusetts_audit.pk])).status_code == 404
    mine = methodologies.methodology_clone(
        methodology=methodologies.methodology_default(), organisation=massachusetts_audit.organisation
    )
    assert client.get(reverse("dashboard_methodology_edit", args=[mine.pk])).status_code == 404
    assert mine.label not in client.get(reverse("dashboard_methodologies")).content.decode()


# --------------------------------------------------------------------------------------------------------
# Methodology editor
# --------------------------------------------------------------------------------------------------------


def _editor_form(spec, **changes):
    form = {}
    for axis, groups in spec["axes"].items():
        for group, entry in groups.items():
            form[f"g:{axis}.{group}"] = str(entry["weight"])
            for key, indicator in entry["indicators"].items():
                form[f"i:{axis}.{group}.{key}"] = str(indicator["weight"])
    form.update(changes)
    return form


def test_the_shipped_methodology_is_read_only(client, reviewer):
    default = methodologies.methodology_default()
    client.force_login(reviewer)
    listing = client.get(reverse("dashboard_methodologies"))
    assert listing.status_code == 200 and default.label in listing.content.decode()
    page = client.get(reverse("dashboard_methodology_edit", args=[default.pk]))
    assert page.status_code == 200 and b"read-only" in page.content and b"Save as a new version" not in page.content
    assert (
        client.post(reverse("dashboard_methodology_edit", args=[default.pk]), _editor_form(default.spec)).status_code
        == 403
    )


def test_clone_validate_and_revise_a_methodology(
    client, reviewer, massachusetts_audit, run_now, django_capture_on_commit_callbacks
):
    default = methodologies.methodology_default()
    client.force_login(reviewer)
    response = client.post(reverse("dashboard_methodology_clone", args=[default.pk]))
    clone = Methodology.objects.get(organisation=massachusetts_audit.organisation)
    assert response.status_code == 302 and response.url == reverse("dashboard_methodology_edit", args=[clone.pk])
    assert clone.version == 1 and clone.parent == default
    run, _ = run_now(audit=massachusetts_audit, methodology=clone)
    assert run.status == RunStatus.SUCCEEDED, run.error

    edit = reverse("dashboard_methodology_edit", args=[clone.pk])
    assert b"Save as a new version" in client.get(edit).content
    check = client.post(
        reverse("dashboard_methodology_validate", args=[clone.pk]),
        _editor_form(clone.spec, **{"g:right_to_win.anchors": "-2"}),
    )
    assert b"weight must not be negative" in check.content
    invalid = client.post(edit, _editor_form(clone.spec, **{"g:right_to_win.anchors": "-2"}))
    assert invalid.status_code == 400 and b"weight must not be negative" in invalid.content
    assert Methodology.objects.filter(organisation=massachusetts_audit.organisation).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(edit, _editor_form(clone.spec, **{"g:right_to_win.anchors": "0.6"}))
    v2 = Methodology.objects.get(organisation=massachusetts_audit.organisation, version=2)
    assert saved.status_code == 302 and saved.url == reverse("dashboard_methodology_edit", args=[v2.pk])
    assert v2.spec["axes"]["right_to_win"]["anchors"]["weight"] == 0.6 and v2.parent == clone
    rescored = ScoreRun.objects.get(methodology=v2, audit=massachusetts_audit)
    assert rescored.status == RunStatus.SUCCEEDED and rescored.trigger == "methodology changed"


def test_viewers_cannot_clone_or_edit(client, member, organisation):
    default = methodologies.methodology_default()
    mine = methodologies.methodology_clone(methodology=default, organisation=organisation)
    client.force_login(member)
    assert b"Clone" not in client.get(reverse("dashboard_methodologies")).content
    assert client.post(reverse("dashboard_methodology_clone", args=[default.pk])).status_code == 403
    assert (
        client.post(reverse("dashboard_methodology_edit", args=[mine.pk]), _editor_form(mine.spec)).status_code == 403
    )


def _shown_weights(page):
    """The weight inputs of the what-if form as the page renders them (name → value)."""
    return dict(re.findall(r'name="(weight_[a-z_]+\.[a-z_]+)" value="([^"]*)"', page.content.decode()))


def test_choosing_another_methodology_keeps_its_weights_and_only_changed_weights_are_overrides(
    client, officer, organisation, baseline, massachusetts_audit
):
    custom = methodologies.methodology_clone(
        methodology=methodologies.methodology_default(), organisation=organisation, name="Market first"
    )
    spec = json.loads(json.dumps(custom.spec))
    spec["axes"]["want_to_win"]["market_growth"]["weight"] = 0.9
    custom = methodologies.methodology_revise(methodology=custom, spec=spec, trigger_rescore=False)
    client.force_login(officer)
    url = reverse("dashboard_scenarios", args=[massachusetts_audit.pk])
    shown = _shown_weights(client.get(url))
    assert shown["weight_want_to_win.market_growth"] != "0.9"  # the default's weights, as first shown

    # The form as posted without refreshing its weights: none was changed, so none is an override.
    client.post(url, {"name": "Under v2", "methodology": custom.pk, "weights_basis": "", "jobs_cluster": "5",
                      "jobs": "100", **shown})  # fmt: skip
    assert "weights" not in Scenario.objects.get(name="Under v2").overrides

    # Choosing the methodology swaps in its weights; the one weight then changed is the only override.
    refreshed = client.get(
        reverse("dashboard_scenario_weights", args=[massachusetts_audit.pk]), {"methodology": custom.pk}
    )
    weights = _shown_weights(refreshed)
    assert weights["weight_want_to_win.market_growth"] == "0.9"
    assert f'name="weights_basis" value="{custom.pk}"' in refreshed.content.decode()
    weights["weight_right_to_win.anchors"] = "0.5"
    client.post(url, {"name": "Anchors up", "methodology": custom.pk, "weights_basis": custom.pk, **weights})
    assert Scenario.objects.get(name="Anchors up").overrides["weights"] == {"right_to_win.anchors": 0.5}


@pytest.mark.parametrize(
    ("typed", "read"),
    [("1.5", 1.5), ("12,000", 12000), ("1,234,567.25", 1234567.25), ("-3", -3), ("", None), ("abc", "abc")],
)
def test_a_typed_number_is_read_with_a_point_for_decimals_and_commas_only_between_thousands(typed, read):
    from assessments.forms import number

    assert number(typed) == read


@pytest.mark.parametrize("typed", ["1,5", "0,25", "1,2345", "0,500", "1.234,5", "12,00"])
def test_a_decimal_comma_is_refused_never_read_as_ten_times_the_number(typed):
    from assessments.forms import NumberFormatError, number

    with pytest.raises(NumberFormatError, match=r"use a point for decimals: "):
        number(typed)


def test_the_editor_refuses_1_comma_5_with_a_clear_error_and_saves_nothing(client, reviewer, organisation):
    mine = methodologies.methodology_clone(methodology=methodologies.methodology_default(), organisation=organisation)
    client.force_login(reviewer)
    form = _editor_form(mine.spec, **{"g:right_to_win.anchors": "1,5"})
    check = client.post(reverse("dashboard_methodology_validate", args=[mine.pk]), form)
    assert "use a point for decimals: 1.5" in check.content.decode()
    response = client.post(reverse("dashboard_methodology_edit", args=[mine.pk]), form)
    assert response.status_code == 400 and "use a point for decimals: 1.5" in response.content.decode()
    assert Methodology.objects.filter(organisation=organisation).count() == 1


def test_the_what_if_form_refuses_a_decimal_comma_in_a_weight(client, officer, massachusetts_audit):
    client.force_login(officer)
    response = client.post(
        reverse("dashboard_scenario_validate", args=[massachusetts_audit.pk]), {"weight_right_to_win.anchors": "0,5"}
    )
    assert "use a point for decimals: 0.5" in response.content.decode()


def test_re_scores_from_the_pages_share_the_apis_scoring_rate_per_user(
    client, officer, baseline, massachusetts_audit, monkeypatch, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    from core.api.throttling import CallerRateThrottle

    monkeypatch.setitem(CallerRateThrottle.THROTTLE_RATES, "scoring", "3/min")
    scenario = scenarios.scenario_create(
        audit=massachusetts_audit, name="Jobs", overrides={"add_jobs": [{"cluster": "5", "jobs": 5}]}
    )
    client.force_login(officer)
    api = APIClient()
    api.force_login(officer)
    rescore = reverse("dashboard_scenario_rescore", args=[scenario.pk])
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(rescore).status_code == 302
        assert api.post(f"/api/v1/audits/{massachusetts_audit.pk}/score/").status_code == 202  # the same budget
        assert client.post(rescore).status_code == 302
        refused = client.post(rescore)
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "Too many runs requested" in refused.content.decode()
        create = client.post(
            reverse("dashboard_scenarios", args=[massachusetts_audit.pk]), {"name": "More", "jobs": "1"}
        )
        assert create.status_code == 429
        assert client.post(reverse("audits:score", args=[massachusetts_audit.pk])).status_code == 429
    assert client.get(reverse("dashboard_scenario", args=[scenario.pk])).status_code == 200  # reading is not limited
