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
