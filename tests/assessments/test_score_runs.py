"""Score runs: requesting, claiming, computing, writing, fanning out, reconciling, exporting."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from anchors.models import AnchorType
from assessments.models import Methodology, Score, ScoreRun
from assessments.reports.indicators import COLUMNS
from assessments.services import ScoringError, methodologies, runs
from audits import services as audit_services
from audits.models import AuditCluster
from clusters.models import ClusterDefinition
from core.models import RunStatus
from regions.models import Region, RegionSet
from scoring.methodology import MethodologyError
from stakeholders.models import Partnership
from tests.factories import AnchorFactory, AuditFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def states():
    return RegionSet.objects.get(slug="us-states")


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    """Request a run and execute its task (and any tasks it enqueues) in-process, as the embedded mode does."""

    def request(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            run, created = runs.score_run_request(**kwargs)
        run.refresh_from_db()
        return run, created

    return request


@pytest.fixture
def massachusetts_audit(organisation, states):
    region = Region.objects.get(scheme="us-state", code="25")
    audit = AuditFactory(organisation=organisation, region=region, region_set=states, year=2024)
    biopharma = ClusterDefinition.objects.get(kind="benchmark", code="5")
    education = ClusterDefinition.objects.get(kind="benchmark", code="13")
    for cluster in (biopharma, education):
        AuditCluster.objects.create(audit=audit, cluster=cluster, relevant_graduates=1200, patents=300)
    mit = AnchorFactory(
        audit=audit, name="MIT", anchor_type=AnchorType.UNIVERSITY, staff=16000, latitude=42.3601, longitude=-71.0942
    )
    mit.clusters.set([biopharma, education])
    biogen = AnchorFactory(
        audit=audit, name="Biogen", anchor_type=AnchorType.MAJOR_FIRM, staff=7000, latitude=42.3663, longitude=-71.0811
    )
    biogen.clusters.set([biopharma])
    investor = None
    for group in ("capital", "government", "entrepreneurship"):
        stakeholder = StakeholderFactory(audit=audit, group=group, latitude=42.363, longitude=-71.085)
        stakeholder.clusters.set([biopharma])
        investor = investor or stakeholder
    Partnership.objects.create(audit=audit, from_anchor=mit, to_anchor=biogen, kind="research", strength=4)
    Partnership.objects.create(audit=audit, from_stakeholder=investor, to_anchor=biogen, kind="investment")
    return audit


def test_it_scores_a_whole_region_set_from_public_statistics(run_now, states):
    run, created = run_now(region_set=states, year=2025, trigger="test")
    assert created and run.status == RunStatus.SUCCEEDED, run.error
    assert run.data_year == 2016 and run.progress == 100
    assert run.scores.count() == 50 * 67
    assert run.organisation is None and run.methodology.is_default
    score = Score.objects.get(run=run, region__code="25", cluster__code="5")
    assert score.strong and score.lq > 1
    assert 0 <= score.right_to_win <= 100 and 0 <= score.want_to_win <= 100
    assert score.right_to_win_low <= score.right_to_win_high
    assert score.quadrant in {"lead", "build", "leverage", "monitor"}
    assert 0 < score.coverage < 1  # no audit: the asset indicators are missing and say so
    assert "anchor_strength" in run.results["coverage"] and run.results["coverage"]["anchor_strength"] == 0
    assert run.results["national_growth_window"].startswith("2008")
    assert set(run.timings) >= {"read_s", "engine_s", "write_s"}


def test_it_returns_the_identical_run_instead_of_computing_again(run_now, states):
    first, _ = run_now(region_set=states, year=2025)
    again, created = runs.score_run_request(region_set=states, year=2025)
    assert not created and again.pk == first.pk
    forced, created = run_now(region_set=states, year=2025, force=True)
    assert created and forced.pk != first.pk and forced.status == RunStatus.SUCCEEDED


def test_it_returns_the_queued_run_for_identical_inputs(states, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, created = runs.score_run_request(region_set=states, year=2025)
        same, created_again = runs.score_run_request(region_set=states, year=2025, force=True)
    assert created and not created_again and same.pk == run.pk
    assert len(callbacks) == 1  # one task enqueued, and only on commit
    assert ScoreRun.objects.filter(status=RunStatus.QUEUED).count() == 1


def test_it_lets_only_one_worker_claim_a_run(states, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run, _ = runs.score_run_request(region_set=states, year=2025)
    assert run.claim("worker-a")
    assert not ScoreRun.objects.get(pk=run.pk).claim("worker-b")
    assert ScoreRun.objects.get(pk=run.pk).worker == "worker-a"
    untouched = runs.score_run_execute(run_id=run.pk, worker="worker-b")
    assert untouched.status == RunStatus.RUNNING and not untouched.scores.exists()


def test_it_scores_an_audit_with_explanations_maturity_and_partner_strategy(run_now, massachusetts_audit):
    run, _ = run_now(audit=massachusetts_audit, trigger="test")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.organisation == massachusetts_audit.organisation and run.audit_version == massachusetts_audit.version
    scores = run.scores.filter(candidate=True).select_related("cluster")
    assert {s.cluster.code for s in scores} == {"5", "13"}
    assert run.scores.count() == 67  # the audited region's clusters only
    biopharma = scores.get(cluster__code="5")
    assert biopharma.indicators["anchor_strength"][0] > 0
    assert biopharma.explanation["strategy"] in {"hybrid", "want-to-win", "right-to-win", "monitor"}
    assert biopharma.explanation["reasons"]
    assert biopharma.coverage > Score.objects.filter(run=run, candidate=False).first().coverage
    assert biopharma.right_to_win_low is not None and biopharma.rank_low <= biopharma.rank <= biopharma.rank_high
    strategy = run.results["partner_strategy"]["clusters"]["5"]
    assert "academia" in strategy["groups_present"] and strategy["brokers"]


def test_it_marks_scores_of_an_older_audit_version_stale(run_now, massachusetts_audit):
    run, _ = run_now(audit=massachusetts_audit)
    assert not run.is_stale
    audit_services.audit_changed(audit=massachusetts_audit)
    run.refresh_from_db()
    assert run.is_stale
    fresh, created = run_now(audit=massachusetts_audit)
    assert created and not fresh.is_stale and fresh.audit_version == massachusetts_audit.version


def test_it_fails_clearly_when_the_audit_clusters_have_no_statistics(run_now, organisation, states):
    region = Region.objects.get(scheme="us-state", code="25")
    audit = AuditFactory(organisation=organisation, region=region, region_set=states)
    AuditCluster.objects.create(audit=audit, cluster=ClusterDefinition.objects.get(slug="fintech"))
    run, _ = run_now(audit=audit)
    assert run.status == RunStatus.FAILED
    assert "None of the audit's candidate clusters" in run.error
    assert not run.scores.exists()


def test_it_fans_large_runs_out_in_chunks_with_the_same_numbers(run_now, states, monkeypatch):
    inline, _ = run_now(region_set=states, year=2025)
    monkeypatch.setattr(runs, "FAN_OUT_WORK", 1)
    monkeypatch.setattr(runs, "CHUNK_WORK", 50 * 67 * 200 // 3 + 1)  # three chunks
    fanned, _ = run_now(region_set=states, year=2025, force=True)
    assert fanned.status == RunStatus.SUCCEEDED, fanned.error
    assert fanned.chunks_total == 3 and fanned.chunks_done == 3
    assert not fanned.chunks.exists()  # merged and cleaned up
    columns = ["right_to_win", "right_to_win_low", "right_to_win_high", "want_to_win_low", "rank_low", "rank_high"]
    a = {(s["region_id"], s["cluster_id"]): s for s in inline.scores.values("region_id", "cluster_id", *columns)}
    b = {(s["region_id"], s["cluster_id"]): s for s in fanned.scores.values("region_id", "cluster_id", *columns)}
    assert a.keys() == b.keys()
    for key in a:
        for column in columns:
            assert a[key][column] == pytest.approx(b[key][column], abs=1e-4), (key, column)


def test_the_reconciler_requeues_lost_runs_and_gives_up_after_the_attempts(states, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        queued, _ = runs.score_run_request(region_set=states, year=2025)
    long_ago = timezone.now() - timedelta(hours=1)
    ScoreRun.objects.filter(pk=queued.pk).update(updated_at=long_ago)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts = runs.score_runs_reconcile(stuck_after_seconds=60)
    assert counts["requeued"] == 1 and len(callbacks) == 1

    ScoreRun.objects.filter(pk=queued.pk).update(status=RunStatus.RUNNING, heartbeat_at=long_ago, attempts=1)
    with django_capture_on_commit_callbacks(execute=False):
        counts = runs.score_runs_reconcile(stuck_after_seconds=60)
    assert counts["reset"] == 1 and ScoreRun.objects.get(pk=queued.pk).status == RunStatus.QUEUED

    ScoreRun.objects.filter(pk=queued.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=long_ago, attempts=runs.MAX_ATTEMPTS
    )
    counts = runs.score_runs_reconcile(stuck_after_seconds=60)
    failed = ScoreRun.objects.get(pk=queued.pk)
    assert counts["failed"] == 1 and failed.status == RunStatus.FAILED and "worker lost" in failed.error


def test_a_run_out_of_attempts_is_not_claimed_again(states, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run, _ = runs.score_run_request(region_set=states, year=2025)
    ScoreRun.objects.filter(pk=run.pk).update(attempts=runs.MAX_ATTEMPTS)
    result = runs.score_run_execute(run_id=run.pk)
    assert result.status == RunStatus.FAILED and "gave up" in result.error


def test_export_indicators_writes_the_stable_columns(run_now, states, tmp_path):
    run_now(region_set=states, year=2016)
    output = tmp_path / "states.csv"
    call_command("export_indicators", region_set="us-states", year=2016, output=str(output))
    rows = list(csv.DictReader(output.open()))
    assert list(rows[0].keys()) == COLUMNS
    assert len(rows) == 50 * 67
    massachusetts = next(r for r in rows if r["region_code"] == "25" and r["cluster_code"] == "5")
    assert massachusetts["strong"] == "true" and float(massachusetts["lq"]) > 1
    assert massachusetts["methodology_version"] == "Cluster Platform default v1"
    assert {r["strong"] for r in rows} == {"true", "false"}
    assert {r["cluster_code"] for r in rows} == {str(n) for n in range(1, 52)} | {str(n) for n in range(101, 117)}


def test_export_indicators_explains_a_missing_run():
    with pytest.raises(CommandError, match="score_region_set first"):
        call_command("export_indicators", region_set="us-states", year=2016, output="-")


def test_score_region_set_command_reports_the_run(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("score_region_set", region_set="uk-nuts2", year=2018, no_wait=True)
    assert "Started run" in capsys.readouterr().out
    call_command("score_region_set", region_set="uk-nuts2", year=2018)  # identical inputs: the finished run
    out = capsys.readouterr().out
    assert "Reusing run" in out and "succeeded: 195 scores, statistics year 2018" in out
    with pytest.raises(CommandError, match="No region set 'nowhere'"):
        call_command("score_region_set", region_set="nowhere", year=2018)


def test_methodologies_are_cloned_and_revised_as_new_versions(organisation, massachusetts_audit, run_now):
    default = methodologies.methodology_default()
    mine = methodologies.methodology_clone(methodology=default, organisation=organisation, name="Tuned")
    assert mine.version == 1 and mine.parent == default and mine.organisation == organisation
    spec = mine.spec
    spec["axes"]["right_to_win"]["anchors"]["weight"] = 0.5
    run_now(audit=massachusetts_audit, methodology=mine)
    revised = methodologies.methodology_revise(methodology=mine, spec=spec)
    assert revised.version == 2 and revised.parent == mine
    assert ScoreRun.objects.filter(methodology=revised, audit=massachusetts_audit).exists()
    spec["axes"]["right_to_win"]["anchors"]["weight"] = -1
    with pytest.raises(MethodologyError, match="must not be negative"):
        methodologies.methodology_revise(methodology=revised, spec=spec)
    with pytest.raises(ScoringError, match="clone it first"):
        methodologies.methodology_revise(methodology=default, spec=default.spec)
    assert Methodology.objects.filter(organisation=organisation, name="Tuned").count() == 2


def test_csv_cells_cannot_become_formulas():
    from core.exports import write_csv

    buffer = io.StringIO()
    write_csv(buffer, ["a", "b", "c", "d"], [["=HYPERLINK(1)", "+1", -5, True]])
    assert buffer.getvalue().splitlines()[1] == "'=HYPERLINK(1),'+1,-5,true"
