"""Tasks run on a real Celery worker over Redis against the PostgreSQL test database.

Marked ``integration``: without PostgreSQL and a Redis broker these skip locally and fail in CI.
"""

import pytest
from django.db import transaction

from core.models import WorkerHeartbeat
from core.tasks import record_heartbeat
from tests.conftest import wait_until as _wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_it_runs_a_task_on_a_real_worker_after_commit(celery_worker_process):
    with transaction.atomic():
        record_heartbeat.delay_on_commit("integration-host")
        assert not WorkerHeartbeat.objects.filter(hostname="integration-host").exists()
    assert _wait_until(lambda: WorkerHeartbeat.objects.filter(hostname="integration-host").exists(), timeout=30)


def test_it_enqueues_nothing_when_the_transaction_rolls_back(celery_worker_process):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        record_heartbeat.delay_on_commit("rolled-back-host")
        raise Abort
    record_heartbeat.delay("sentinel-host")  # a later task proves the queue was drained
    assert _wait_until(lambda: WorkerHeartbeat.objects.filter(hostname="sentinel-host").exists(), timeout=30)
    assert not WorkerHeartbeat.objects.filter(hostname="rolled-back-host").exists()
