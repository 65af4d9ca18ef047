from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clusters.models import ClusterDefinition, ClusterMember, ClusterOrganisation, ClusterRelatedness
from core.admin import ScopedAdminMixin


class ClusterMemberInline(admin.TabularInline):
    model = ClusterMember
    extra = 0
    raw_id_fields = ["industry"]


@admin.register(ClusterDefinition)
class ClusterDefinitionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "scope", "classification", "organisation"]
    list_filter = ["kind", "scope", "classification"]
    search_fields = ["name", "code", "slug"]
    filter_horizontal = ["components"]
    inlines = [ClusterMemberInline]


@admin.register(ClusterRelatedness)
class ClusterRelatednessAdmin(admin.ModelAdmin):
    list_display = ["cluster", "related", "weight", "percentile", "is_related"]
    list_filter = ["is_related"]
    search_fields = ["cluster__name", "related__name"]
    list_select_related = ["cluster", "related"]


@admin.register(ClusterOrganisation)
class ClusterOrganisationAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "audit", "members_count", "management_fte", "has_board", "has_ceo"]
    search_fields = ["name"]
    raw_id_fields = ["audit"]
