"""The webhooks endpoints of the API: the organisation's webhooks and their delivery logs."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.mixins import OrganisationMixin
from integrations import services
from integrations.models import Webhook, WebhookDelivery


class WebhookSerializer(serializers.ModelSerializer):
    url = serializers.URLField(max_length=500, help_text="Where to POST events (https in production).")
    events = serializers.SerializerMethodField()

    class Meta:
        model = Webhook
        fields = ["id", "url", "description", "is_active", "events", "created_at"]
        read_only_fields = ["created_at"]

    def get_events(self, webhook) -> list[str]:
        return list(Webhook.EVENTS)

    def validate_url(self, value):
        try:
            services.check_target(value)
        except services.WebhookError as error:
            raise serializers.ValidationError(str(error)) from error
        return value


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Shown once: verify each delivery's X-Cluster-Signature with it."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event", "event_id", "status", "attempts", "response_status", "error", "created_at",
            "next_attempt_at", "delivered_at", "payload",
        ]  # fmt: skip


@extend_schema(tags=["webhooks"])
class WebhookViewSet(
    OrganisationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your organisation's webhooks: each is told (a signed POST) when one of your score runs finishes."""

    serializer_class = WebhookSerializer
    ordering = ["-created_at"]

    def get_queryset(self):
        return Webhook.objects.visible_to(self.organisation)

    @extend_schema(responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            webhook = services.webhook_create(
                organisation=self.require_organisation(),
                url=serializer.validated_data["url"],
                description=serializer.validated_data.get("description", ""),
                user=self.acting_user,
            )
        except services.WebhookError as error:  # e.g. the organisation's webhook limit
            raise serializers.ValidationError({"non_field_errors": [str(error)]}) from error
        return Response(WebhookCreatedSerializer(webhook).data, status=201)

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @action(detail=True)
    def deliveries(self, request, pk=None):
        """The webhook's delivery log, newest first: status, attempts and the receiver's last answer."""
        webhook = self.get_object()
        page = self.paginate_queryset(webhook.deliveries.order_by("-created_at", "-pk"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
