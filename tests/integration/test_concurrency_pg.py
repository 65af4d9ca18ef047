"""Two people acting on the same row at the same moment, on PostgreSQL (SQLite ignores ``select_for_update``).

Each thread has its own database connection; a barrier releases them together. Exactly one wins, the other
gets a clear refusal, and the stored row is the winner's.
"""

import threading
from unittest import mock

import pytest
from django.db import connection

from anchors.models import AnchorInstitution
from assessments.models import ScoreRun
from audits.models import AuditCluster, AuditStatus
from audits.services import WorkflowError, audit_submit
from core.models import StaleEdit
from tests.conftest import require_service
from tests.factories import AnchorFactory, AuditFactory, ClusterFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "row locks need it; set DATABASE_URL=postgres://... to run the concurrency tests")


def race(*calls):
    """Run each call in its own thread (own connection), released together; returns each one's result or error."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except Exception as error:  # noqa: BLE001 - the loser's error is the outcome under test
            outcomes[index] = ("error", error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes


def test_two_officers_submitting_the_same_audit_submit_it_once():
    audit = AuditFactory()
    AuditCluster.objects.create(audit=audit, cluster=ClusterFactory())
    first, second = UserFactory(username="first"), UserFactory(username="second")

    # The race is about the transition; the score run it requests is enqueued, not executed, here.
    with mock.patch("assessments.tasks.execute_score_run.delay_on_commit"):
        outcomes = race(
            lambda: audit_submit(audit=type(audit).objects.get(pk=audit.pk), user=first),
            lambda: audit_submit(audit=type(audit).objects.get(pk=audit.pk), user=second),
        )

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, WorkflowError)
    assert str(error) == "This audit is submitted: only a draft or returned audit can be submitted."
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert ScoreRun.objects.filter(audit=audit).count() == 1
    assert audit.history.filter(status=AuditStatus.SUBMITTED).count() == 1


def test_two_saves_of_the_same_anchor_revision_keep_the_first_and_refuse_the_second():
    anchor = AnchorFactory(name="MIT", staff=1000)

    def save(staff):
        def call():
            row = AnchorInstitution.objects.get(pk=anchor.pk)
            row.staff = staff
            row.save_revision(1)
            return staff

        return call

    outcomes = race(save(16000), save(12))
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    [winner] = [value for kind, value in outcomes if kind == "ok"]
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, StaleEdit)
    stored = AnchorInstitution.objects.get(pk=anchor.pk)
    assert stored.staff == winner and stored.revision == 2


def test_two_confirmations_of_the_same_import_write_its_rows_once():
    from django.core.files.base import ContentFile

    from audits.imports import import_commit, import_preview
    from audits.models import ImportBatch, ImportStatus
    from stakeholders.models import Stakeholder

    audit = AuditFactory()
    officer = UserFactory(username="importer")
    csv = "name,group,sector,website,description,employees,address,city,postcode,latitude,longitude,clusters\n"
    csv += "".join(f"Fund {i},capital,Venture capital,,,,,,,,,\n" for i in range(20))
    with mock.patch("assessments.tasks.execute_score_run.delay_on_commit"):
        batch = import_preview(
            audit=audit, kind="stakeholders", uploaded_file=ContentFile(csv.encode(), name="funds.csv"), user=officer
        )
        assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
        outcomes = race(
            lambda: import_commit(batch=ImportBatch.objects.get(pk=batch.pk), user=officer),
            lambda: import_commit(batch=ImportBatch.objects.get(pk=batch.pk), user=officer),
        )
    assert all(kind == "ok" for kind, _ in outcomes), outcomes  # the second confirm sees a committed batch
    assert Stakeholder.objects.filter(audit=audit).count() == 20
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.COMMITTED
