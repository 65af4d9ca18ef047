from django.contrib import admin

from assessments.models import Methodology, Scenario, Score, ScoreRun
from core.admin import ScopedAdminMixin


@admin.register(Methodology)
class MethodologyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "version", "organisation", "is_default", "created_at"]
    list_filter = ["is_default"]


@admin.register(Scenario)
class ScenarioAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "audit", "organisation", "created_at"]
    raw_id_fields = ["audit"]


@admin.register(ScoreRun)
class ScoreRunAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "region_set", "year", "methodology", "audit", "status", "progress", "created_at"]
    list_filter = ["status", "region_set"]
    readonly_fields = ["fingerprint", "attempts", "started_at", "finished_at", "heartbeat_at", "worker", "error", "log"]
    raw_id_fields = ["audit", "scenario"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["run", "region", "cluster", "right_to_win", "want_to_win", "quadrant", "coverage"]
    list_filter = ["quadrant"]
    raw_id_fields = ["run", "region", "cluster"]
    list_select_related = ["run", "region", "cluster"]
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(run__in=ScoreRun.objects.for_user(request.user))
