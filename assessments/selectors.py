"""Reads that span relations: audits and everything recorded in them.

Every function takes the requesting user and the active organisation and reads through ``for_user``, so a
caller can never see another organisation's rows. Each returns querysets or plain data with its relations
already joined or prefetched: the pages that use them run a fixed number of queries whatever the row count.
"""

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from anchors.models import AnchorInstitution
from assessments.models import Audit, AuditCluster, MarketForecast, PriorityItem, TrendRating
from clusters.models import ClusterOrganisation
from stakeholders.models import Partnership, Stakeholder, StakeholderGroup


def _count_of(model, fk="audit"):
    """A subquery counting ``model`` rows per audit; avoids the row multiplication of several joined Counts."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def audit_queryset(*, user, organisation):
    """The audits of the active organisation that ``user`` may read, with region and region set joined."""
    return Audit.objects.for_user(user, organisation=organisation).select_related("region", "region_set")


def audit_list(*, user, organisation):
    """The organisation's audits with counts of candidate clusters, anchors and stakeholders."""
    return audit_queryset(user=user, organisation=organisation).annotate(
        cluster_count=_count_of(AuditCluster),
        anchor_count=_count_of(AnchorInstitution),
        stakeholder_count=_count_of(Stakeholder),
        partnership_count=_count_of(Partnership),
    )


@dataclass
class StakeholderGroupRow:
    """One of the five stakeholder groups and the audit's stakeholders in it (possibly none)."""

    value: str
    label: str
    stakeholders: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.stakeholders)


@dataclass
class AuditDetail:
    """Everything the audit page shows, read in a bounded number of queries."""

    audit: Audit
    candidate_clusters: list
    anchors: list
    stakeholder_groups: list
    stakeholder_count: int
    partnerships: list
    cluster_organisations: list
    forecasts: list
    trend_ratings: list
    priority_frameworks: list

    @property
    def market_count(self):
        return len(self.forecasts) + len(self.trend_ratings)

    @property
    def groups_present(self):
        return sum(1 for group in self.stakeholder_groups if group.count)


def audit_detail(*, audit):
    """The audit's candidate clusters, assets, network and market inputs, each with its relations loaded.

    ``audit`` must come from :func:`audit_queryset`, so visibility has already been checked.
    """
    candidate_clusters = list(
        AuditCluster.objects.filter(audit=audit).select_related("cluster", "cluster__classification")
    )
    anchors = list(AnchorInstitution.objects.filter(audit=audit).prefetch_related("clusters"))

    stakeholders = list(Stakeholder.objects.filter(audit=audit).prefetch_related("clusters"))
    groups = {value: StakeholderGroupRow(value, label) for value, label in StakeholderGroup.choices}
    for stakeholder in stakeholders:
        groups[stakeholder.group].stakeholders.append(stakeholder)

    partnerships = list(
        Partnership.objects.filter(audit=audit)
        .select_related("from_stakeholder", "from_anchor", "to_stakeholder", "to_anchor")
        .order_by("-strength", "kind", "pk")
    )
    cluster_organisations = list(ClusterOrganisation.objects.filter(audit=audit).prefetch_related("clusters"))
    forecasts = list(
        MarketForecast.objects.filter(audit=audit).select_related("cluster").order_by("cluster__name", "metric")
    )
    trend_ratings = list(TrendRating.objects.filter(audit=audit).select_related("cluster").order_by("cluster__name"))

    for forecast in forecasts:
        growth = forecast.annual_growth
        forecast.annual_growth_percent = None if growth is None else growth * 100
    for row in candidate_clusters:
        row.investment_growth_percent = None if row.investment_growth is None else row.investment_growth * 100

    candidate_ids = [row.cluster_id for row in candidate_clusters]
    priority_frameworks = list(
        audit.priority_frameworks.all().prefetch_related(
            Prefetch(
                "items",
                queryset=PriorityItem.objects.filter(cluster_id__in=candidate_ids)
                .select_related("cluster")
                .order_by("-weight", "cluster__name"),
                to_attr="candidate_items",
            )
        )
    )
    return AuditDetail(
        audit=audit,
        candidate_clusters=candidate_clusters,
        anchors=anchors,
        stakeholder_groups=list(groups.values()),
        stakeholder_count=len(stakeholders),
        partnerships=partnerships,
        cluster_organisations=cluster_organisations,
        forecasts=forecasts,
        trend_ratings=trend_ratings,
        priority_frameworks=priority_frameworks,
    )
