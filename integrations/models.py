"""API keys for partner systems, and webhooks with their deliveries.

The tables were created by ``core`` and kept their names when the models moved here (state-only migrations).
"""

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from core.models import Role, TimeStampedModel
from core.querysets import scoped_queryset


class APIKeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class APIKey(AbstractAPIKey):
    """A partner system's key to the REST API: one organisation's, read or write, hashed, revocable, expiring.

    Only the SHA-512 hash is stored (``djangorestframework-api-key``); the key itself is shown once, when it
    is made. The 8-character prefix identifies the key in logs, throttles and pages without revealing it.
    """

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="api_keys")
    scope = models.CharField(max_length=10, choices=APIKeyScope.choices, default=APIKeyScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = APIKeyManager.from_queryset(scoped_queryset("organisation"))()

    class Meta(AbstractAPIKey.Meta):
        db_table = "core_apikey"  # moved from core without touching the table
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    @property
    def can_write(self):
        return self.scope == APIKeyScope.WRITE

    @property
    def role(self):
        """The role a key acts with (``core.access``): a read key as a viewer, a write key as an officer."""
        return Role.OFFICER if self.can_write else Role.VIEWER

    @property
    def is_usable(self):
        return not self.revoked and not self.has_expired

    @property
    def state(self):
        if self.revoked:
            return "revoked"
        return "expired" if self.has_expired else "active"


class Webhook(TimeStampedModel):
    """A partner's URL, told when the organisation's score runs finish; payloads are signed with ``secret``."""

    EVENTS = ("score_run.finished",)

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=64, editable=False, help_text="HMAC-SHA256 key for the signature header.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_queryset("organisation").as_manager()

    class Meta:
        db_table = "core_webhook"
        ordering = ["-created_at"]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TimeStampedModel):
    """One event sent (or being sent) to one webhook: the exact body signed, every attempt's outcome."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    event_id = models.CharField(max_length=80, help_text="Stable across retries, so receivers can de-duplicate.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 500 characters of the last response.")
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    log = models.TextField(blank=True)

    objects = scoped_queryset("webhook__organisation").as_manager()

    class Meta:
        db_table = "core_webhookdelivery"
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["webhook", "event_id"], name="unique_webhook_event")]

    def __str__(self):
        return f"{self.event} to {self.webhook} ({self.status})"
