from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ScopedAdminMixin
from stakeholders.models import Partnership, Stakeholder


@admin.register(Stakeholder)
class StakeholderAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "group", "sector", "audit", "city"]
    list_filter = ["group"]
    search_fields = ["name", "sector"]
    raw_id_fields = ["audit"]
    filter_horizontal = ["clusters"]


@admin.register(Partnership)
class PartnershipAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "strength", "audit", "started_on"]
    list_filter = ["kind", "strength"]
    raw_id_fields = ["audit", "from_stakeholder", "from_anchor", "to_stakeholder", "to_anchor"]
