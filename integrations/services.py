"""Writes for API keys and webhooks: making and revoking keys, registering webhooks, queueing and sending events.

Delivery is a row per event and webhook (``WebhookDelivery``), sent by a Celery task. An attempt is *claimed* with
a conditional update (the attempt counter moves on only if nobody else moved it first), sent outside any
transaction — no row lock or open transaction is held across DNS resolution and the outbound call — and its
outcome recorded afterwards. Failures are retried with exponential backoff up to ``WEBHOOK_MAX_ATTEMPTS``, each
attempt logged. Receivers on private or loopback addresses are refused unless ``WEBHOOK_ALLOW_PRIVATE_HOSTS``
(development, tests); redirects are not followed.
"""

import ipaddress
import json
import logging
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from core.models import Organisation
from integrations import tasks, transport
from integrations.models import APIKey, APIKeyScope, DeliveryStatus, Webhook, WebhookDelivery
from integrations.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 600  # below the broker's visibility timeout, so a countdown never causes a redelivery
# While an attempt is in flight its next attempt is pushed this far ahead, so the beat sweep does not send it
# a second time; a worker that dies mid-send leaves it due again after this lease.
CLAIM_LEASE_SECONDS = 60
# A retry's message may arrive a moment before its due time (clocks, countdown rounding): it still counts as due.
EARLY_SECONDS = 5
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookError(ValueError):
    """A webhook URL that cannot be used; the message says why."""


# --------------------------------------------------------------------------------------------------------
# API keys
# --------------------------------------------------------------------------------------------------------


def api_key_create(
    *,
    organisation: Organisation,
    name: str | None,
    scope: str = APIKeyScope.READ,
    expires_at: datetime | None = None,
    user: User | AnonymousUser | None = None,
) -> tuple[APIKey, str]:
    """Make an API key for ``organisation``; returns ``(api_key, key)``: the key is shown once, only its hash kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("An API key needs a name, e.g. the partner system that will use it.")
    if len(name) > 50:
        raise ValidationError("Keep the key's name within 50 characters.")
    if scope not in APIKeyScope.values:
        raise ValidationError(f"Scope must be one of {', '.join(APIKeyScope.values)}, not '{scope}'.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry date must be in the future.")
    created: tuple[APIKey, str] = APIKey.objects.create_key(
        organisation=organisation,
        name=name,
        scope=scope,
        expiry_date=expires_at,
        created_by=user if isinstance(user, User) and user.pk else None,
    )
    return created


def api_key_revoke(*, api_key: APIKey) -> APIKey:
    """Revoke a key at once (it cannot be undone); revoking twice is harmless."""
    if not api_key.revoked:
        api_key.revoked = True
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked", "revoked_at"])
    return api_key


# --------------------------------------------------------------------------------------------------------
# Webhooks
# --------------------------------------------------------------------------------------------------------


def check_target(url: str) -> None:
    """Refuse URLs a webhook must not call: other schemes, and (unless allowed) private or local addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("Give an http(s) URL with a host name.")
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return
    if parts.scheme != "https":
        raise WebhookError("Webhook URLs must use https.")
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except socket.gaierror as error:
        raise WebhookError(f"The host {parts.hostname} cannot be resolved.") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise WebhookError(f"The host {parts.hostname} resolves to a private address ({ip}); it is refused.")


@transaction.atomic
def webhook_create(
    *,
    organisation: Organisation,
    url: str,
    description: str = "",
    user: User | AnonymousUser | None = None,
) -> Webhook:
    """Register a webhook for ``organisation`` with a fresh signing secret (shown to the caller once).

    An organisation has at most ``WEBHOOKS_PER_ORGANISATION`` webhooks (each finished run is sent to every one).
    """
    check_target(url)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # counts one creation at a time
    limit = settings.WEBHOOKS_PER_ORGANISATION
    if Webhook.objects.filter(organisation=organisation).count() >= limit:
        raise WebhookError(
            f"{organisation.name} already has {limit} webhooks, the most an organisation can have: "
            "delete one you no longer need first."
        )
    return Webhook.objects.create(
        organisation=organisation,
        url=url,
        description=description[:200],
        secret=secrets.token_hex(32),
        created_by=user if isinstance(user, User) and user.pk else None,
    )


def webhook_toggle(*, webhook: Webhook) -> Webhook:
    """Pause an active webhook or activate a paused one; returns it."""
    webhook.is_active = not webhook.is_active
    webhook.save(update_fields=["is_active", "updated_at"])
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """Delete a webhook and its delivery log; deliveries being sent finish against a row that is gone."""
    webhook.delete()


def webhooks_notify(*, organisation_id: int, event: str, event_id: str, data: Any) -> list[WebhookDelivery]:
    """Queue ``event`` for every active webhook of the organisation; the same ``event_id`` is queued once."""
    payload = {"event": event, "event_id": event_id, "created_at": timezone.now().isoformat(), "data": data}
    queued: list[WebhookDelivery] = []
    for webhook in Webhook.objects.filter(organisation_id=organisation_id, is_active=True):
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    webhook=webhook, event=event, event_id=event_id, payload=payload, next_attempt_at=timezone.now()
                )
        except IntegrityError:
            continue  # already queued for this webhook
        tasks.deliver_webhook.delay_on_commit(delivery.pk)
        queued.append(delivery)
    return queued


def _sender(delivery_id: int) -> Callable[[], None]:
    """The on-commit callback that queues one delivery (a named function, as Django's error log expects)."""

    def send_webhook_delivery() -> None:
        tasks.deliver_webhook.delay(delivery_id)

    return send_webhook_delivery


def webhook_delivery_resend(*, delivery: WebhookDelivery, user: User) -> WebhookDelivery:
    """Queue a delivery again: back to pending, due now, its attempts kept (so the attempt limit still holds).

    Raises ``WebhookError`` for a paused webhook. The message is sent once the row is committed; a broker that
    cannot take it is logged, not raised: the row is pending and due, so the periodic sweep sends it anyway.
    """
    if not delivery.webhook.is_active:
        raise WebhookError("This webhook is paused: activate it before re-sending a delivery.")
    now = timezone.now()
    line = f"{now:%Y-%m-%d %H:%M:%S} re-sent by {user.get_username()}\n"
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            delivered_at=None,
            log=Concat("log", Value(line)),
            updated_at=now,
        )
        transaction.on_commit(_sender(delivery.pk), robust=True)
    delivery.refresh_from_db()
    return delivery


def backoff(attempt: int) -> int:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): 10, 20, 40 … capped at 10 minutes."""
    seconds: int = min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)
    return seconds


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Claim the next attempt of an open, due delivery: the delivery with its new attempt number, or ``None``.

    The conditional update moves ``attempts`` on only from the value this worker read and only while the delivery is
    due, and pushes its next attempt a lease ahead: two workers (a redelivered message, a re-send, the sweep) never
    make the same attempt, and an attempt in flight is not due.
    """
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(seconds=EARLY_SECONDS))
    open_and_due = WebhookDelivery.objects.filter(due, pk=delivery_id, status__in=OPEN)
    delivery = open_and_due.select_related("webhook").first()
    if delivery is None:
        return None
    claimed = open_and_due.filter(attempts=delivery.attempts).update(
        attempts=delivery.attempts + 1, next_attempt_at=now + timedelta(seconds=CLAIM_LEASE_SECONDS), updated_at=now
    )
    if not claimed:
        return None
    delivery.attempts += 1
    return delivery


def target_address(url: str) -> tuple[str, int]:
    """The one ``(IP address, port)`` a delivery to ``url`` connects to: ``check_target``'s rules, then the host
    resolved once here and every address it gave checked again, so the connection goes to an address that was
    checked and no later lookup (DNS rebinding) can point it somewhere else."""
    check_target(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise WebhookError(f"The host {parts.hostname} cannot be resolved.") from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise WebhookError(f"The host {parts.hostname} cannot be resolved.")
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not ip.is_global:
                raise WebhookError(f"The host {parts.hostname} resolves to a private address ({ip}); it is refused.")
    return addresses[0], port


def _send(delivery: WebhookDelivery) -> tuple[bool, int | None, str, str, str]:
    """POST the signed body; returns ``(ok, response_status, response_body, error, outcome)``. No database.

    Bounded whatever the receiver does (``integrations.transport``): ``WEBHOOK_DEADLINE_SECONDS`` in all, at most
    ``WEBHOOK_MAX_REPLY_BYTES`` of the reply read, to the address ``target_address`` resolved and checked.
    """
    webhook = delivery.webhook
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ClusterPlatform-Webhooks/1",
        SIGNATURE_HEADER: sign(webhook.secret, body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: delivery.event_id,
    }
    try:
        address, port = target_address(webhook.url)
        reply = transport.post(
            webhook.url,
            address=address,
            port=port,
            body=body,
            headers=headers,
            deadline=settings.WEBHOOK_DEADLINE_SECONDS,
            read_timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_reply_bytes=settings.WEBHOOK_MAX_REPLY_BYTES,
        )
    except (transport.DeliveryFailed, WebhookError) as error:
        return False, None, "", str(error)[:1000], str(error)[:200]
    ok = 200 <= reply.status < 300
    failure = "" if ok else f"the receiver answered {reply.status}"
    text = reply.body[:500].decode("utf-8", errors="replace")
    return ok, reply.status, text, failure, f"HTTP {reply.status}"


def webhook_deliver(*, delivery_id: int) -> int | None:
    """Make one attempt at a delivery; returns seconds until the next attempt, or ``None`` when finished.

    Claim the attempt, send it with no transaction open, then record the outcome on the row.
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return None  # finished, or another worker holds this attempt
    ok, response_status, response_body, error, outcome = _send(delivery)
    now = timezone.now()
    wait = None
    if ok:
        status, next_attempt, delivered = DeliveryStatus.DELIVERED, None, now
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        status, next_attempt, delivered = DeliveryStatus.FAILED, None, None
        logger.warning("webhook delivery %s failed after %s attempts", delivery.pk, delivery.attempts)
    else:
        wait = backoff(delivery.attempts)
        status, next_attempt, delivered = DeliveryStatus.RETRYING, now + timedelta(seconds=wait), None
    line = f"{now:%Y-%m-%d %H:%M:%S} attempt {delivery.attempts}: {outcome}\n"
    WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(
        status=status,
        next_attempt_at=next_attempt,
        delivered_at=delivered,
        response_status=response_status,
        response_body=response_body,
        error=error,
        log=Concat("log", Value(line)),
        updated_at=now,
    )
    return wait


def webhooks_due(*, now: datetime | None = None, grace_seconds: int = 120) -> list[int]:
    """Deliveries whose next attempt is overdue (a lost message or a worker restart): the beat sweep re-sends."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=OPEN, next_attempt_at__lt=now - timedelta(seconds=grace_seconds)
        ).values_list("pk", flat=True)
    )
