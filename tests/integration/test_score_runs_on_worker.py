"""Score runs on a real Celery worker over Redis against PostgreSQL, including a worker killed mid-run.

Marked ``integration``: without PostgreSQL and a Redis broker these skip locally and fail in CI.
"""

import os
import signal
import subprocess

import pytest
from django.core.management import call_command
from django.db import transaction

from assessments.models import ScoreRun
from assessments.services import runs
from core.models import RunStatus
from regions.models import RegionSet
from tests.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

STATES = ["cmp-2016-states", "dps-relatedness"]


@pytest.fixture
def states(celery_worker_process):
    """Transactional tests start from a flushed database: load what a us-states run reads."""
    call_command("load_reference_data", only=STATES, verbosity=0)
    return RegionSet.objects.get(slug="us-states")


def _request(states, **kwargs):
    with transaction.atomic():
        run, created = runs.score_run_request(region_set=states, year=2016, trigger="integration", **kwargs)
    return run


def _pool_children(worker):
    out = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=False).stdout
    return [int(pid) for pid in out.split()]


def test_a_worker_computes_and_writes_a_region_set_run(states):
    run = _request(states)
    assert wait_until(lambda: not ScoreRun.objects.get(pk=run.pk).is_active, timeout=120)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.scores.count() == 50 * 67 and run.attempts == 1 and run.worker.startswith("integration@")


def test_a_run_whose_worker_dies_is_redelivered_and_finishes_once(states, celery_worker_process):
    run = _request(states, force=True)
    assert wait_until(lambda: ScoreRun.objects.get(pk=run.pk).status == RunStatus.RUNNING, timeout=60, interval=0.02)
    children = _pool_children(celery_worker_process)
    assert children, "the worker has no pool process to kill"
    for pid in children:
        os.kill(pid, signal.SIGKILL)  # the pool child dies mid-run; late ack + reject-on-loss requeue the task
    assert wait_until(lambda: not ScoreRun.objects.get(pk=run.pk).is_active, timeout=180)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.attempts == 2
    assert run.scores.count() == 50 * 67  # written exactly once
    assert ScoreRun.objects.filter(fingerprint=run.fingerprint, status=RunStatus.SUCCEEDED).count() == 1
