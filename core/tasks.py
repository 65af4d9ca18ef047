"""Platform tasks."""

import socket

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from core.models import WorkerHeartbeat


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=60, max_retries=3)
def record_heartbeat(hostname=None):
    """Record that a worker is alive and consuming; scheduled by beat and used by the health check."""
    hostname = hostname or socket.gethostname()
    beat, _ = WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"seen_at": timezone.now()})
    return beat.seen_at.isoformat()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_webhook(self, delivery_id):
    """Send one webhook delivery; a failed attempt is retried after the service's backoff (it caps attempts)."""
    from core.webhooks import webhook_deliver

    wait = webhook_deliver(delivery_id=delivery_id)
    if wait is not None and not self.request.is_eager:
        raise self.retry(countdown=wait)
    # Embedded mode has no broker to wait on: a failed attempt stays 'retrying' until the beat sweep (or a
    # "Resend" from the webhook's page) tries again, rather than holding up the run that raised the event.
    return "done"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=60, max_retries=3)
def resend_due_webhooks():
    """Periodic: re-send deliveries whose retry message was lost (beat, every two minutes)."""
    from core.webhooks import webhooks_due

    due = webhooks_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
