"""One rule for "the latest run": the run that finished last among a subject's succeeded runs, and an audit's own
runs never include its scenarios' (the scores page, the edition comparison and the scenario baseline agree)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Scenario, Score, ScoreRun
from assessments.selectors import audit_scores
from assessments.services.methodologies import methodology_default
from assessments.services.scenarios import baseline_run
from audits.versions import latest_scored_run
from core.models import RunStatus
from tests.factories import AuditFactory, ClusterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(organisation):
    return AuditFactory(organisation=organisation)


def _run(audit, *, minutes_ago, status=RunStatus.SUCCEEDED, scenario=None):
    finished = timezone.now() - timedelta(minutes=minutes_ago)
    return ScoreRun.objects.create(
        organisation=audit.organisation,
        region_set=audit.region_set,
        year=audit.year,
        methodology=methodology_default(),
        audit=audit,
        scenario=scenario,
        status=status,
        finished_at=finished if status == RunStatus.SUCCEEDED else None,
        fingerprint=f"{audit.pk}-{minutes_ago}-{status}-{scenario and scenario.pk}",
    )


def test_it_is_the_succeeded_run_that_finished_last(audit):
    older_request = _run(audit, minutes_ago=1)  # requested first, finished last
    newer_request = _run(audit, minutes_ago=5)
    _run(audit, minutes_ago=0, status=RunStatus.FAILED)
    assert newer_request.created_at > older_request.created_at
    assert ScoreRun.objects.of_audit(audit).latest_succeeded() == older_request


def test_an_audits_latest_run_is_never_one_of_its_scenarios(audit, owner):
    own = _run(audit, minutes_ago=10)
    scenario = Scenario.objects.create(organisation=audit.organisation, audit=audit, name="Add a lab")
    _run(audit, minutes_ago=1, scenario=scenario)

    assert latest_scored_run(audit) == own
    assert baseline_run(audit) == own
    page = audit_scores(user=owner, organisation=audit.organisation, audit=audit)
    assert page.run == own
    assert page.scored_run == own


def test_a_region_sets_runs_exclude_audits(audit):
    _run(audit, minutes_ago=1)
    assert ScoreRun.objects.of_region_set(audit.region_set).latest_succeeded() is None


def test_the_audits_explanation_page_never_opens_a_scenarios_score(audit, owner, client):
    scenario = Scenario.objects.create(organisation=audit.organisation, audit=audit, name="Add a lab")
    scenario_run = _run(audit, minutes_ago=1, scenario=scenario)
    score = Score.objects.create(
        run=scenario_run, region=audit.region, cluster=ClusterFactory(), right_to_win=50, want_to_win=50
    )
    client.force_login(owner)

    response = client.get(reverse("audits:score_explain", args=[audit.pk, score.pk]))

    assert response.status_code == 404
