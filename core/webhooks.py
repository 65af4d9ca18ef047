"""Webhooks: partners register a URL and receive signed, retried notifications of their organisation's events.

Signing follows the common scheme receivers know: ``X-Cluster-Signature: t=<unix time>,v1=<hex>`` where the
hex is HMAC-SHA256 over ``"<t>.<raw body>"`` with the webhook's secret. Receivers recompute it, compare in
constant time and refuse old timestamps (``verify_signature`` does exactly that, for tests and examples).

Delivery is a row per event and webhook (``WebhookDelivery``), sent by a Celery task; failures are retried
with exponential backoff up to ``WEBHOOK_MAX_ATTEMPTS``, each attempt logged. Receivers on private or loopback
addresses are refused unless ``WEBHOOK_ALLOW_PRIVATE_HOSTS`` (development, tests); redirects are not followed.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import DeliveryStatus, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Cluster-Signature"
EVENT_HEADER = "X-Cluster-Event"
DELIVERY_HEADER = "X-Cluster-Delivery"
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 600  # below the broker's visibility timeout, so a countdown never causes a redelivery


class WebhookError(ValueError):
    """A webhook URL that cannot be used; the message says why."""


def check_target(url):
    """Refuse URLs a webhook must not call: other schemes, and (unless allowed) private or local addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("Give an http(s) URL with a host name.")
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return
    if parts.scheme != "https":
        raise WebhookError("Webhook URLs must use https.")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except socket.gaierror as error:
        raise WebhookError(f"The host {parts.hostname} cannot be resolved.") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise WebhookError(f"The host {parts.hostname} resolves to a private address ({ip}); it is refused.")


def webhook_create(*, organisation, url, description="", user=None):
    """Register a webhook for ``organisation`` with a fresh signing secret (shown to the caller once)."""
    check_target(url)
    return Webhook.objects.create(
        organisation=organisation,
        url=url,
        description=description[:200],
        secret=secrets.token_hex(32),
        created_by=user if user is not None and getattr(user, "pk", None) else None,
    )


def sign(secret, body, timestamp=None):
    """The signature header value for ``body`` (bytes) at ``timestamp`` (default now)."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret, header, body, *, tolerance=300, now=None):
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within ``tolerance`` seconds."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def webhooks_notify(*, organisation_id, event, event_id, data):
    """Queue ``event`` for every active webhook of the organisation; the same ``event_id`` is queued once."""
    from core.tasks import deliver_webhook

    payload = {"event": event, "event_id": event_id, "created_at": timezone.now().isoformat(), "data": data}
    queued = []
    for webhook in Webhook.objects.filter(organisation_id=organisation_id, is_active=True):
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    webhook=webhook, event=event, event_id=event_id, payload=payload, next_attempt_at=timezone.now()
                )
        except IntegrityError:
            continue  # already queued for this webhook
        deliver_webhook.delay_on_commit(delivery.pk)
        queued.append(delivery)
    return queued


def backoff(attempt):
    """Seconds to wait after failed attempt number ``attempt`` (1-based): 10, 20, 40 … capped at 10 minutes."""
    return min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)


def webhook_deliver(*, delivery_id):
    """Make one attempt at a delivery; returns seconds until the next attempt, or ``None`` when finished.

    The row is locked while it is sent, so two workers never send the same attempt.
    """
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("webhook").get(pk=delivery_id)
        if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            return None
        webhook = delivery.webhook
        body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ClusterPlatform-Webhooks/1",
            SIGNATURE_HEADER: sign(webhook.secret, body),
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: delivery.event_id,
        }
        delivery.attempts += 1
        now = timezone.now()
        try:
            check_target(webhook.url)
            response = requests.post(
                webhook.url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, allow_redirects=False
            )
            delivery.response_status = response.status_code
            delivery.response_body = response.text[:500]
            ok = 200 <= response.status_code < 300
            outcome = f"HTTP {response.status_code}"
            delivery.error = "" if ok else f"the receiver answered {response.status_code}"
        except (requests.RequestException, WebhookError) as error:
            ok, outcome = False, type(error).__name__
            delivery.response_status = None
            delivery.response_body = ""
            delivery.error = str(error)[:1000]
        delivery.log += f"{now:%Y-%m-%d %H:%M:%S} attempt {delivery.attempts}: {outcome}\n"
        wait = None
        if ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            logger.warning("webhook delivery %s failed after %s attempts", delivery.pk, delivery.attempts)
        else:
            wait = backoff(delivery.attempts)
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + timedelta(seconds=wait)
        delivery.save()
    return wait


def webhooks_due(*, now=None, grace_seconds=120):
    """Deliveries whose next attempt is overdue (a lost message or a worker restart): the beat sweep re-sends."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
            next_attempt_at__lt=now - timedelta(seconds=grace_seconds),
        ).values_list("pk", flat=True)
    )
