"""Tasks run on a real Celery worker over Redis against the PostgreSQL test database.

Marked ``integration``: without PostgreSQL and a Redis broker these skip locally and fail in CI.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from core.models import WorkerHeartbeat
from core.tasks import record_heartbeat
from tests.conftest import require_service

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
WORKER_NAME = "integration@%h"


def _database_url():
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait_until(predicate, timeout, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on the configured broker, sharing the test database."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "set DATABASE_URL=postgres://... to run the integration tests")
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        require_service("Redis", "set CELERY_BROKER_URL=redis://... to run the integration tests")
    from clusterplatform.celery import app

    try:
        app.connection_for_write().ensure_connection(max_retries=2)
    except Exception as error:  # noqa: BLE001 - any connection failure means the broker is missing
        require_service("Redis", f"the broker at {settings.CELERY_BROKER_URL} does not answer: {error}")
    app.control.purge()
    # The rest of the suite may run tasks in-process; these tests must go through the broker.
    was_eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_TASK_ALWAYS_EAGER": "false"}
    log = open(ROOT / "artifacts" / "celery-worker.log", "w") if (ROOT / "artifacts").is_dir() else subprocess.DEVNULL
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "clusterplatform", "worker", "-c", "1", "-n", WORKER_NAME,
         "--without-mingle", "--without-gossip", "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        if not _wait_until(lambda: bool(app.control.ping(timeout=0.5)), timeout=60):
            pytest.fail("The Celery worker did not answer a ping within 60 s.")
        yield worker
    finally:
        app.conf.task_always_eager = was_eager
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


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
