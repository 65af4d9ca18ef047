"""Scores on the audit page: the latest run's panel (polled while active), "Score now", the scores table, each
score's explanation and the run-level results, read as members, viewers, officers and outsiders would."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Score, ScoreRun
from assessments.services.runs import score_run_request
from audits.models import AuditCluster
from audits.services import audit_changed
from clusters.models import ClusterDefinition, ClusterOrganisation
from core.models import RunStatus
from regions.models import Region, RegionSet
from tests.conftest import html_elements, html_text
from tests.factories import AnchorFactory, AuditFactory, PartnershipFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

BOSTON = (42.3601, -71.0942)


@pytest.fixture
def audit(organisation):
    """Massachusetts among the US states, with two benchmark candidates and a small ecosystem tied to them."""
    audit = AuditFactory(
        organisation=organisation,
        title="Massachusetts life sciences",
        region=Region.objects.get(scheme="us-state", code="25"),
        region_set=RegionSet.objects.get(slug="us-states"),
        year=2016,
    )
    biopharma = ClusterDefinition.objects.get(organisation=None, kind="benchmark", code="5")
    education = ClusterDefinition.objects.get(organisation=None, kind="benchmark", code="13")
    AuditCluster.objects.create(audit=audit, cluster=biopharma, patents=40, relevant_graduates=300)
    AuditCluster.objects.create(audit=audit, cluster=education)
    lat, lon = BOSTON
    university = AnchorFactory(audit=audit, name="Testbridge University", staff=9000, latitude=lat, longitude=lon)
    university.clusters.add(biopharma, education)
    hospital = AnchorFactory(
        audit=audit, name="General Hospital", anchor_type="hospital", latitude=lat + 0.01, longitude=lon
    )
    hospital.clusters.add(biopharma)
    firm = StakeholderFactory(audit=audit, name="Helix Therapeutics", group="corporate", latitude=lat, longitude=lon)
    firm.clusters.add(biopharma)
    fund = StakeholderFactory(audit=audit, name="Harbour Ventures", group="capital", latitude=lat, longitude=lon)
    fund.clusters.add(biopharma)
    PartnershipFactory(audit=audit, from_stakeholder=firm, to_stakeholder=None, to_anchor=university)
    organisation_row = ClusterOrganisation.objects.create(audit=audit, name="Bay State Bio", members_count=40)
    organisation_row.clusters.add(biopharma)
    return audit


@pytest.fixture
def scored(audit, django_capture_on_commit_callbacks):
    """The audit after one in-process score run."""
    with django_capture_on_commit_callbacks(execute=True):
        run, created = score_run_request(audit=audit, trigger="test")
    run.refresh_from_db()
    assert created and run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def detail_url(audit):
    return reverse("audits:detail", args=[audit.pk])


def candidate(run, code):
    return Score.objects.get(run=run, cluster__code=code, cluster__organisation=None, candidate=True)


# --- The Scores tab ------------------------------------------------------------------------------------------


def test_it_shows_the_latest_run_and_the_scores_table_to_a_member(member_client, audit, scored):
    response = member_client.get(detail_url(audit))
    assert response.status_code == 200
    scores = response.context["scores"]
    assert scores.run == scored and scores.scored_run == scored
    assert [s.cluster.code for s in scores.candidates] and {s.cluster.code for s in scores.candidates} == {"5", "13"}
    assert scores.others and not any(s.candidate for s in scores.others)
    content = response.content.decode()
    for text in (f"Run #{scored.pk}", "Succeeded", "Biopharmaceuticals", "Education and Knowledge Creation",
                 "Other clusters in Massachusetts", "Partner strategy", "Cluster organisation maturity",
                 "Bay State Bio", "Data coverage", "National growth window"):  # fmt: skip
        assert text in content, text
    assert "Outdated" not in content
    assert 'hx-trigger="every 2s"' not in content  # a finished run is not polled


def test_it_orders_the_other_clusters_by_opportunity(member_client, audit, scored):
    others = member_client.get(detail_url(audit)).context["scores"].others
    ranks = [s.rank for s in others if s.rank is not None]
    assert ranks == sorted(ranks)


def test_a_viewer_sees_no_score_button_and_an_officer_does(client, member, officer, audit, scored):
    button = f'action="{reverse("audits:score", args=[audit.pk])}"'
    client.force_login(member)
    assert button not in client.get(detail_url(audit)).content.decode()
    client.force_login(officer)
    assert button in client.get(detail_url(audit)).content.decode()


def test_it_says_when_the_audit_was_never_scored(member_client, audit):
    response = member_client.get(detail_url(audit))
    assert response.status_code == 200
    assert b"Not scored yet" in response.content


def test_a_stale_run_shows_the_outdated_notice(member_client, audit, scored):
    audit_changed(audit=audit)
    content = member_client.get(detail_url(audit)).content.decode()
    assert 'data-testid="outdated-notice"' in content
    assert "Outdated — re-score" in content


def test_a_failed_run_shows_its_error_and_the_last_scores(member_client, audit, scored):
    failed = ScoreRun.objects.create(
        organisation=audit.organisation, region_set=audit.region_set, year=audit.year, methodology=scored.methodology,
        audit=audit, audit_version=audit.version, fingerprint="f" * 64, status=RunStatus.FAILED,
        error="No statistics for us-states in 1990.",
    )  # fmt: skip
    response = member_client.get(detail_url(audit))
    assert response.context["scores"].run == failed
    assert response.context["scores"].scored_run == scored
    assert b"No statistics for us-states in 1990." in response.content
    assert f"Showing the scores of run #{scored.pk}".encode() in response.content


def _score_rows(response, table_id):
    """The cluster names in a scores table's rows (an absent table shows none)."""
    assert response.status_code == 200
    tables = html_elements(response.content.decode(), "table", id=table_id)
    return [
        html_text(html_elements(row, "a", class_="explain-toggle")[0])
        for table in tables
        for row in html_elements(table, "tr", class_="score-row")
    ]


def test_the_scores_tab_runs_a_bounded_number_of_queries(member_client, audit, scored, django_assert_num_queries):
    """As many queries for 60-odd scores as for two: the scores and their clusters are read in one query."""

    def names(scores):
        return sorted(score.cluster.name for score in scores.select_related("cluster"))

    candidates, others = (
        Score.objects.filter(run=scored, candidate=True),
        Score.objects.filter(run=scored, candidate=False),
    )
    assert others.count() > 50
    with CaptureQueriesContext(connection) as everything:
        response = member_client.get(detail_url(audit))
    assert sorted(_score_rows(response, "other-scores-table")) == names(others)
    assert sorted(_score_rows(response, "candidate-scores")) == names(candidates)
    others.delete()
    with django_assert_num_queries(len(everything.captured_queries)):
        response = member_client.get(detail_url(audit))
    assert _score_rows(response, "other-scores-table") == []
    assert sorted(_score_rows(response, "candidate-scores")) == [
        "Biopharmaceuticals",
        "Education and Knowledge Creation",
    ]
    assert len(everything.captured_queries) <= 20


# --- Polling -------------------------------------------------------------------------------------------------


def test_an_active_run_polls_its_panel_every_two_seconds(member_client, audit):
    with mock.patch("assessments.tasks.execute_score_run.delay_on_commit"):
        run, _ = score_run_request(audit=audit, trigger="test")
    content = member_client.get(detail_url(audit)).content.decode()
    status_url = reverse("audits:run_status", args=[audit.pk, run.pk])
    assert f'hx-get="{status_url}"' in content and 'hx-trigger="every 2s"' in content
    response = member_client.get(status_url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode() and "Queued" in response.content.decode()


def test_the_poll_swaps_in_the_scores_once_the_run_has_finished(member_client, audit, scored):
    response = member_client.get(
        reverse("audits:run_status", args=[audit.pk, scored.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#audit-scores"
    content = response.content.decode()
    assert 'id="audit-scores"' in content and "Biopharmaceuticals" in content
    assert 'hx-trigger="every 2s"' not in content


def test_the_poll_is_404_for_an_outsider(client, outsider, audit, scored):
    client.force_login(outsider)
    assert client.get(reverse("audits:run_status", args=[audit.pk, scored.pk])).status_code == 404


def test_the_poll_is_404_for_a_run_of_another_audit(member_client, organisation, audit, scored):
    other = AuditFactory(organisation=organisation, region=audit.region, region_set=audit.region_set)
    assert member_client.get(reverse("audits:run_status", args=[other.pk, scored.pk])).status_code == 404


# --- Score now -----------------------------------------------------------------------------------------------


def test_a_viewers_score_now_is_403_and_creates_no_run(member_client, audit):
    response = member_client.post(reverse("audits:score", args=[audit.pk]))
    assert response.status_code == 403
    assert not ScoreRun.objects.filter(audit=audit).exists()


def test_an_outsiders_score_now_is_404(client, outsider, audit):
    client.force_login(outsider)
    assert client.post(reverse("audits:score", args=[audit.pk])).status_code == 404
    assert not ScoreRun.objects.filter(audit=audit).exists()


def test_score_now_needs_post(officer_client, audit):
    assert officer_client.get(reverse("audits:score", args=[audit.pk])).status_code == 405


def test_an_officers_score_now_creates_one_run_and_a_second_click_returns_it(officer_client, officer, audit):
    url = reverse("audits:score", args=[audit.pk])
    with mock.patch("assessments.tasks.execute_score_run.delay_on_commit") as enqueue:
        first = officer_client.post(url, headers={"HX-Request": "true"})
        second = officer_client.post(url, headers={"HX-Request": "true"})
    assert first.status_code == second.status_code == 200
    run = ScoreRun.objects.get(audit=audit)
    assert run.status == RunStatus.QUEUED and run.trigger == "button" and run.requested_by == officer
    enqueue.assert_called_once_with(run.pk)
    assert f"Run #{run.pk} requested." in first.content.decode()
    assert f"Run #{run.pk} is already under way." in second.content.decode()
    assert 'hx-trigger="every 2s"' in second.content.decode()


def test_an_admin_may_score_too(client, owner, audit):
    client.force_login(owner)
    with mock.patch("assessments.tasks.execute_score_run.delay_on_commit"):
        assert client.post(reverse("audits:score", args=[audit.pk]), headers={"HX-Request": "true"}).status_code == 200
    assert ScoreRun.objects.filter(audit=audit, requested_by=owner).count() == 1


def test_score_now_without_javascript_redirects_back_to_the_scores(officer_client, audit):
    with mock.patch("assessments.tasks.execute_score_run.delay_on_commit"):
        response = officer_client.post(reverse("audits:score", args=[audit.pk]))
    assert response.status_code == 302
    assert response["Location"] == detail_url(audit) + "#tab-scores"


def test_score_now_runs_in_process_in_the_embedded_mode(officer_client, audit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("audits:score", args=[audit.pk]), headers={"HX-Request": "true"})
    run = ScoreRun.objects.get(audit=audit)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert response.status_code == 200


# --- Explanations --------------------------------------------------------------------------------------------


def test_the_explanation_shows_strategy_reasons_and_every_indicator(member_client, audit, scored):
    score = candidate(scored, "5")
    url = reverse("audits:score_explain", args=[audit.pk, score.pk])
    response = member_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    content = response.content.decode()
    explanation = response.context["explanation"]
    assert explanation.strategy == score.strategy and explanation.reasons == score.explanation["reasons"]
    assert [axis["label"] for axis in explanation.axes] == ["Right to win", "Want to win"]
    for text in ("Recommended strategy", "Location quotient", "Anchor strength", "Not available — what would add it"):
        assert text in content, text
    assert "<html" not in content  # a partial for the expandable row


def test_the_explanation_lists_missing_indicators_with_what_would_add_them(member_client, audit, scored):
    score = candidate(scored, "13")  # no forecast, no trend ratings, no investment entered
    explanation = member_client.get(reverse("audits:score_explain", args=[audit.pk, score.pk])).context["explanation"]
    missing = {row["indicator"]: row["hint"] for axis in explanation.axes for row in axis["missing"]}
    assert missing["projected_growth"] == "add a sourced market forecast for this cluster"
    assert "trend_score" in missing


def test_the_explanation_derives_reasons_when_none_were_stored(member_client, audit, scored):
    score = candidate(scored, "5")
    Score.objects.filter(pk=score.pk).update(explanation={})
    explanation = member_client.get(reverse("audits:score_explain", args=[audit.pk, score.pk])).context["explanation"]
    assert explanation.strategy == score.strategy and len(explanation.reasons) == 2


def test_the_explanation_is_a_page_without_htmx(member_client, audit, scored):
    score = candidate(scored, "5")
    response = member_client.get(reverse("audits:score_explain", args=[audit.pk, score.pk]))
    assert response.status_code == 200
    assert b"<html" in response.content and b"Biopharmaceuticals" in response.content


def test_the_explanation_is_404_for_an_outsider(client, outsider, audit, scored):
    client.force_login(outsider)
    score = candidate(scored, "5")
    assert client.get(reverse("audits:score_explain", args=[audit.pk, score.pk])).status_code == 404


def test_the_explanation_is_404_through_another_audit(member_client, organisation, audit, scored):
    other = AuditFactory(organisation=organisation, region=audit.region, region_set=audit.region_set)
    score = candidate(scored, "5")
    assert member_client.get(reverse("audits:score_explain", args=[other.pk, score.pk])).status_code == 404
