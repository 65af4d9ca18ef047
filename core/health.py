"""A health check for load balancers and compose: database, cache and (when configured) broker and workers."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)
HEARTBEAT_MAX_AGE_SECONDS = 180


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache():
    cache.set("health-check", "ok", 10)
    return "ok" if cache.get("health-check") == "ok" else "unreadable"


def _check_workers():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if latest is None:
        return "no heartbeat yet"
    age = (timezone.now() - latest.seen_at).total_seconds()
    return "ok" if age <= HEARTBEAT_MAX_AGE_SECONDS else f"last heartbeat {int(age)} s ago"


@never_cache
@require_GET
def health(request):
    """200 when the database and cache answer; worker status is reported but only informs."""
    checks = {}
    healthy = True
    for name, check in (("database", _check_database), ("cache", _check_cache), ("workers", _check_workers)):
        try:
            checks[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
            logger.warning("health check %s failed: %s", name, error)
            checks[name] = "error"
        if name != "workers" and checks[name] != "ok":
            healthy = False
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
