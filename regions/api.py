"""Read-only API for regions and region sets (public reference data)."""

import django_filters
from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets

from core.api.mixins import ID_PATTERN
from regions.models import Region, RegionScheme, RegionSet


class RegionRefSerializer(serializers.ModelSerializer):
    """A region as other resources name it."""

    class Meta:
        model = Region
        fields = ["id", "scheme", "code", "name"]


class RegionSerializer(serializers.ModelSerializer):
    region_sets = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["id", "scheme", "code", "name", "area_type", "country", "latitude", "longitude", "region_sets"]

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_region_sets(self, region):
        return [s.slug for s in region.region_sets.all()]


class RegionSetSerializer(serializers.ModelSerializer):
    classification = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    benchmark = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    region_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RegionSet
        fields = ["id", "slug", "name", "description", "country", "classification", "benchmark", "region_count"]


class RegionFilter(django_filters.FilterSet):
    region_set = django_filters.CharFilter(field_name="region_sets__slug", help_text="A region set's slug.")
    scheme = django_filters.ChoiceFilter(choices=RegionScheme.choices)
    code = django_filters.CharFilter(help_text="Exact code, e.g. 25 (Massachusetts) or UKG3.")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Part of the name.")

    class Meta:
        model = Region
        fields = ["region_set", "scheme", "code", "country", "search"]


@extend_schema(tags=["reference data"])
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions: U.S. states and metro areas, UK NUTS2 regions."""

    serializer_class = RegionSerializer
    lookup_value_regex = ID_PATTERN
    queryset = Region.objects.defer("boundary").prefetch_related("region_sets").order_by("scheme", "name", "pk")
    filterset_class = RegionFilter
    ordering_fields = ["name", "code"]


@extend_schema(tags=["reference data"])
class RegionSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Region sets: the peer groups scores are normalised over."""

    serializer_class = RegionSetSerializer
    queryset = (
        RegionSet.objects.select_related("classification", "benchmark")
        .annotate(region_count=Count("regions"))
        .order_by("name")
    )
    lookup_field = "slug"
    filterset_fields = ["country"]
    ordering_fields = ["name", "slug"]
