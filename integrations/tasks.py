"""Thin Celery tasks for webhook deliveries: each calls a service and leaves the rules to it."""

from celery import shared_task
from django.db import OperationalError

from integrations import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_webhook(self, delivery_id):
    """Send one webhook delivery; a failed attempt is retried after the service's backoff (it caps attempts)."""
    wait = services.webhook_deliver(delivery_id=delivery_id)
    if wait is not None and not self.request.is_eager:
        raise self.retry(countdown=wait)
    # Embedded mode has no broker to wait on: a failed attempt stays 'retrying' until the beat sweep (or a
    # "Resend" from the webhook's page) tries again, rather than holding up the run that raised the event.
    return "done"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=60, max_retries=3)
def resend_due_webhooks():
    """Periodic: re-send deliveries whose retry message was lost (beat, every two minutes)."""
    due = services.webhooks_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
