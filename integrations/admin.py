"""Admin for API keys, webhooks and the delivery log."""

from django.contrib import admin, messages

from core.admin import ScopedAdminMixin
from integrations.models import APIKey, Webhook, WebhookDelivery
from integrations.services import api_key_revoke


@admin.register(APIKey)
class APIKeyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Keys are made on the organisation's API keys page (or ``manage.py create_api_key``), where the key is shown
    once; here they can be looked up, renamed, re-dated and revoked, never re-keyed."""

    list_display = ["name", "prefix", "organisation", "scope", "state", "created", "last_used_at", "expiry_date"]
    list_filter = ["scope", "revoked", "organisation"]
    search_fields = ["name", "prefix", "organisation__name"]
    list_select_related = ["organisation"]
    readonly_fields = [
        "id", "prefix", "hashed_key", "organisation", "created", "created_by", "last_used_at", "revoked",
        "revoked_at",
    ]  # fmt: skip
    fields = ["name", "scope", "expiry_date", *readonly_fields]
    actions = ["revoke_keys"]

    @admin.display(description="State")
    def state(self, obj):
        return obj.state

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request, queryset):
        keys = [key for key in queryset if not key.revoked]
        for key in keys:
            api_key_revoke(api_key=key)
        self.message_user(request, f"Revoked {len(keys)} key{'s' if len(keys) != 1 else ''}.", messages.SUCCESS)


@admin.register(Webhook)
class WebhookAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Webhooks are registered on the organisation's webhooks page or through the API (which check the URL and
    make the secret); here they can be paused or described."""

    list_display = ["url", "organisation", "is_active", "created_at", "created_by"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["url", "description", "organisation__name"]
    list_select_related = ["organisation", "created_by"]
    readonly_fields = ["organisation", "url", "created_by", "created_at", "updated_at"]
    fields = ["url", "description", "is_active", "organisation", "created_by", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The delivery log, read-only."""

    list_display = ["event", "event_id", "webhook", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status", "event", "webhook__organisation"]
    search_fields = ["event_id", "webhook__url"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
