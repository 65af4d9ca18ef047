"""Admin for audits, their market inputs and the priority frameworks (organisation-scoped for non-superusers)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from audits.models import Audit, AuditCluster, MarketForecast, PriorityFramework, PriorityItem, TrendRating
from core.admin import ScopedAdminMixin


class AuditClusterInline(admin.TabularInline):
    model = AuditCluster
    extra = 0
    raw_id_fields = ["cluster"]


class MarketForecastInline(admin.TabularInline):
    model = MarketForecast
    extra = 0
    raw_id_fields = ["cluster"]


class TrendRatingInline(admin.TabularInline):
    model = TrendRating
    extra = 0
    raw_id_fields = ["cluster"]


@admin.register(Audit)
class AuditAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "organisation", "region", "year", "status", "version"]
    list_filter = ["status", "organisation", "year"]
    search_fields = ["title", "region__name"]
    raw_id_fields = ["region", "previous"]
    readonly_fields = ["version", "submitted_at", "submitted_by", "approved_at", "approved_by"]
    inlines = [AuditClusterInline, MarketForecastInline, TrendRatingInline]


class PriorityItemInline(admin.TabularInline):
    model = PriorityItem
    extra = 0
    raw_id_fields = ["cluster"]


@admin.register(PriorityFramework)
class PriorityFrameworkAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "publisher", "year", "organisation"]
    inlines = [PriorityItemInline]
