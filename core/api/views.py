"""Platform endpoints of the API: a ping that shows who is calling."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import can_write


class PingView(APIView):
    """A trivial authenticated call: check a key works and see which organisation and access it has."""

    @extend_schema(
        tags=["platform"],
        responses={
            200: inline_serializer(
                "Ping",
                {
                    "status": serializers.CharField(),
                    "organisation": serializers.CharField(allow_null=True),
                    "access": serializers.ChoiceField(choices=["read", "write"]),
                },
            ),
            401: OpenApiResponse(description="No, or an invalid, API key."),
        },
    )
    def get(self, request):
        organisation = getattr(request, "organisation", None)
        return Response(
            {
                "status": "ok",
                "organisation": organisation.slug if organisation else None,
                "access": "write" if can_write(request) else "read",
            }
        )
