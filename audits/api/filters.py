"""FilterSets of the audits API."""

import django_filters

from audits.models import Audit, AuditStatus
from core.api.filtering import IdFilter, YearFilter


class AuditFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AuditStatus.choices)
    year = YearFilter()
    region = IdFilter(field_name="region_id")
    region_set = django_filters.CharFilter(field_name="region_set__slug")

    class Meta:
        model = Audit
        fields = ["status", "year", "region", "region_set"]


class AssetFilter(django_filters.FilterSet):
    """``?audit=<id>`` on anchors, stakeholders, partnerships and candidate clusters."""

    audit = IdFilter(field_name="audit_id")
