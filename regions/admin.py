from django.contrib import admin

from regions.models import Classification, Crosswalk, Dataset, EconomicObservation, IndustryCode, Region, RegionSet


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "scheme", "area_type", "parent"]
    list_filter = ["scheme", "region_sets"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    exclude = ["boundary"]


@admin.register(RegionSet)
class RegionSetAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "benchmark", "classification"]
    search_fields = ["name", "slug"]


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "publisher"]


@admin.register(IndustryCode)
class IndustryCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "level", "classification", "parent"]
    list_filter = ["classification", "level"]
    search_fields = ["code", "title"]
    raw_id_fields = ["parent"]


@admin.register(Crosswalk)
class CrosswalkAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "weight", "partial"]
    list_filter = ["source__classification", "target__classification"]
    search_fields = ["source__code", "target__code"]
    raw_id_fields = ["source", "target"]
    list_select_related = ["source", "target"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "rows", "loaded_at", "licence"]
    readonly_fields = ["fingerprint", "rows", "loaded_at"]


@admin.register(EconomicObservation)
class EconomicObservationAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "industry", "cluster", "employment", "establishments", "suppressed", "dataset"]
    list_filter = ["dataset", "year", "suppressed"]
    search_fields = ["region__name", "region__code", "industry__code", "cluster__name"]
    raw_id_fields = ["region", "industry", "cluster"]
    list_select_related = ["region", "industry", "cluster", "dataset"]
    show_full_result_count = False
