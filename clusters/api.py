"""Read-only API for cluster definitions: the public benchmark and custom clusters, and the caller's own."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from clusters.models import ClusterDefinition, ClusterKind, ClusterScope
from core.api.mixins import OrganisationMixin


class ClusterRefSerializer(serializers.ModelSerializer):
    """A cluster as other resources name it."""

    class Meta:
        model = ClusterDefinition
        fields = ["id", "code", "slug", "name"]


class ClusterSerializer(serializers.ModelSerializer):
    classification = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    codes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    components = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    private = serializers.SerializerMethodField()

    class Meta:
        model = ClusterDefinition
        fields = [
            "id", "code", "slug", "name", "kind", "scope", "classification", "description", "source", "codes",
            "components", "private",
        ]  # fmt: skip

    def get_private(self, cluster) -> bool:
        """True for the caller's organisation's own definitions."""
        return cluster.organisation_id is not None


class ClusterFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ClusterKind.choices)
    scope = django_filters.ChoiceFilter(choices=ClusterScope.choices)
    classification = django_filters.CharFilter(field_name="classification__slug")
    code = django_filters.CharFilter()
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = ClusterDefinition
        fields = ["kind", "scope", "classification", "code", "search"]


@extend_schema(tags=["reference data"])
class ClusterViewSet(OrganisationMixin, viewsets.ReadOnlyModelViewSet):
    """Cluster definitions with their industry codes: public ones, and the caller's organisation's own."""

    serializer_class = ClusterSerializer
    filterset_class = ClusterFilter
    ordering_fields = ["name", "code"]

    def get_queryset(self):
        return (
            ClusterDefinition.objects.visible_to(self.organisation)
            .select_related("classification")
            .prefetch_related("codes", "components")
            .order_by("kind", "scope", "name", "pk")
        )
