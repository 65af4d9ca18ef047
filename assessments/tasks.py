"""Thin Celery tasks: load ids, call a service, retry transient errors, record failures through a service."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from assessments.models import ScoreRun
from assessments.services import runs
from core.models import RunStatus

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def _release_if_redelivered(task, run_id):
    """A redelivered message means the worker that held it died mid-run: put its run back in the queue.

    With late acks and reject-on-worker-lost, Celery redelivers only when the previous worker was lost, so the
    run's 'running' state is a leftover; the claim's attempt counter still caps how often this can happen.
    """
    if (task.request.delivery_info or {}).get("redelivered"):
        released = ScoreRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(status=RunStatus.QUEUED)
        if released:
            logger.warning("score run %s: previous worker lost, re-running", run_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, **RETRY)
def execute_score_run(self, run_id):
    """Claim and compute one score run."""
    _release_if_redelivered(self, run_id)
    try:
        run = runs.score_run_execute(run_id=run_id, worker=self.request.hostname or "")
    except SoftTimeLimitExceeded:
        runs.score_run_fail(run_id=run_id, error="the run exceeded its time limit", status=RunStatus.TIMED_OUT)
        return "timed_out"
    except TRANSIENT:
        raise
    except Exception as error:
        runs.score_run_fail(run_id=run_id, error=f"{type(error).__name__}: {error}")
        raise
    return run.status


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, **RETRY)
def execute_score_chunk(self, run_id, index, total):
    """Compute one region chunk of a fanned-out run's Monte Carlo (the last chunk writes the scores)."""
    try:
        run = runs.score_run_chunk(run_id=run_id, index=index, total=total)
    except SoftTimeLimitExceeded:
        runs.score_run_fail(run_id=run_id, error=f"chunk {index} exceeded its time limit", status=RunStatus.TIMED_OUT)
        return "timed_out"
    except TRANSIENT:
        raise
    except Exception as error:
        runs.score_run_fail(run_id=run_id, error=f"chunk {index}: {type(error).__name__}: {error}")
        raise
    return run.status


@shared_task(**RETRY)
def reconcile_score_runs():
    """Periodic: re-enqueue runs stuck by a lost message or a dead worker (beat, every five minutes)."""
    return runs.score_runs_reconcile()
