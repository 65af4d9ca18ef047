from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from anchors.models import AnchorCandidate, AnchorInstitution
from core.admin import ScopedAdminMixin


@admin.register(AnchorInstitution)
class AnchorInstitutionAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "anchor_type", "audit", "city", "staff", "students"]
    list_filter = ["anchor_type"]
    search_fields = ["name", "city"]
    raw_id_fields = ["audit", "candidate"]
    filter_horizontal = ["clusters"]


@admin.register(AnchorCandidate)
class AnchorCandidateAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "external_id", "region", "metro", "category"]
    list_filter = ["source", "anchor_type"]
    search_fields = ["name", "external_id", "city"]
    raw_id_fields = ["region", "metro"]
    list_select_related = ["region", "metro"]
