"""FilterSets of the audits API."""

import django_filters

from audits.models import Audit, AuditStatus
from core.api.filtering import IdFilter, KnownIdFilter, KnownSlugFilter, YearFilter
from regions.models import RegionSet


def region_sets(request):
    return RegionSet.objects.all()


def audits(request):
    """The caller's organisation's audits: another organisation's audit id is as unknown as a made-up one."""
    return Audit.objects.visible_to(getattr(request, "organisation", None))


def region_set_filter(**kwargs):
    return KnownSlugFilter(known=region_sets, noun="region set", listed_at="/api/v1/region-sets/", **kwargs)


def audit_filter(**kwargs):
    return KnownIdFilter(known=audits, noun="audit", listed_at="/api/v1/audits/", **kwargs)


class AuditFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AuditStatus.choices)
    year = YearFilter()
    region = IdFilter(field_name="region_id")
    region_set = region_set_filter(field_name="region_set__slug")

    class Meta:
        model = Audit
        fields = ["status", "year", "region", "region_set"]


class AssetFilter(django_filters.FilterSet):
    """``?audit=<id>`` on anchors, stakeholders, partnerships and candidate clusters."""

    audit = audit_filter(field_name="audit_id")
