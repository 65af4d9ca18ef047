"""Thin Celery tasks for webhook deliveries: each calls a service and leaves the rules to it.

A delivery never runs in the thread of the request that queued it. With a broker, Celery's workers send it; in the
embedded mode (no broker, tasks "eager") a daemon thread of the web process does (``EmbeddedSender``), so a slow
or hostile receiver holds that thread for at most one attempt's deadline and never a user's request.
"""

import logging
import queue
import threading
from typing import Any

from celery import Task, shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError, close_old_connections, connection

from integrations import services

logger = logging.getLogger(__name__)


class EmbeddedSender:
    """One daemon thread that runs queued deliveries one after another, each with its own database connection."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Task, tuple[Any, ...], dict[str, Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._queue.put((task, args, kwargs))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            task, args, kwargs = self._queue.get()
            try:
                close_old_connections()
                task.apply(args=args, kwargs=kwargs)
            except Exception:
                logger.exception("webhook delivery %s failed in the embedded sender", args)
            finally:
                connection.close()


embedded_sender = EmbeddedSender()


class SentInBackground(DjangoTask):
    """``delay``/``apply_async`` hand the task to a worker: Celery's, or the embedded sender when tasks are eager."""

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None, shadow=None,
                    **options):  # fmt: skip
        if self.app.conf.task_always_eager:
            embedded_sender.submit(self, tuple(args or ()), dict(kwargs or {}))
            return None
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, **options)


@shared_task(bind=True, base=SentInBackground, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_webhook(self, delivery_id):
    """Send one webhook delivery; a failed attempt is retried after the service's backoff (it caps attempts)."""
    wait = services.webhook_deliver(delivery_id=delivery_id)
    if wait is not None and not self.request.is_eager:
        raise self.retry(countdown=wait)
    # Embedded mode has no broker to wait on: a failed attempt stays 'retrying' until the beat sweep (or a
    # "Resend" from the webhook's page) tries again.
    return "done"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=60, max_retries=3)
def resend_due_webhooks():
    """Periodic: re-send deliveries whose retry message was lost (beat, every two minutes)."""
    due = services.webhooks_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
