"""Reads that span relations: audits and everything recorded in them.

Every function takes the requesting user and the active organisation and reads through ``for_user``, so a
caller can never see another organisation's rows. Each returns querysets or plain data with its relations
already joined or prefetched: the pages that use them run a fixed number of queries whatever the row count.
"""

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from anchors.models import AnchorInstitution
from assessments.models import ScoreRun
from audits import completeness
from audits.models import Audit, AuditCluster, AuditStatus, MarketForecast, PriorityItem, TrendRating
from clusters.models import ClusterDefinition, ClusterOrganisation
from scoring.assets import ANCHOR_GROUPS
from stakeholders.models import Partnership, Stakeholder, StakeholderGroup


def _count_of(model, fk="audit"):
    """A subquery counting ``model`` rows per audit; avoids the row multiplication of several joined Counts."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def audit_queryset(*, user, organisation):
    """The audits of the active organisation that ``user`` may read, with region and region set joined."""
    return Audit.objects.for_user(user, organisation=organisation).select_related("region", "region_set")


def audit_page_queryset(*, user, organisation):
    """``audit_queryset`` with the id of each audit's latest score run, so a never-scored audit costs no query."""
    latest = ScoreRun.objects.of_audit(OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    return audit_queryset(user=user, organisation=organisation).annotate(latest_run_id=Subquery(latest))


def audit_list(*, user, organisation):
    """The organisation's audits with counts of candidate clusters, anchors and stakeholders."""
    return audit_queryset(user=user, organisation=organisation).annotate(
        cluster_count=_count_of(AuditCluster),
        anchor_count=_count_of(AnchorInstitution),
        stakeholder_count=_count_of(Stakeholder),
        partnership_count=_count_of(Partnership),
    )


def audits_awaiting_review(*, user, organisation):
    """The organisation's submitted audits, longest waiting first, with who submitted them."""
    return (
        audit_queryset(user=user, organisation=organisation)
        .filter(status=AuditStatus.SUBMITTED)
        .select_related("submitted_by")
        .order_by("submitted_at", "pk")
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
        """Stakeholder groups among the audit's parties, anchors counting towards their type's (``party_group``):
        the rule of ``audit_parties``, which the editor's meter counts with, read from the rows already loaded."""
        groups = {group.value for group in self.stakeholder_groups if group.count}
        return len(groups | {party_group(anchor.anchor_type) for anchor in self.anchors})


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


# --------------------------------------------------------------------------------------------------------
# The audit's parties and the clusters they serve: one rule for scoring, completeness and the network
# --------------------------------------------------------------------------------------------------------


def convergence_parents():
    """{cluster id: ids of the convergence clusters built directly from it} (one query over the component links)."""
    parents = {}
    for parent_id, child_id in ClusterDefinition.components.through.objects.values_list(
        "from_clusterdefinition_id", "to_clusterdefinition_id"
    ):
        parents.setdefault(child_id, set()).add(parent_id)
    return parents


def serves(cluster_ids, parents):
    """A party serving a cluster also serves every convergence cluster built from it, at any depth."""
    out = set(cluster_ids)
    frontier = list(cluster_ids)
    while frontier:
        for parent in parents.get(frontier.pop(), ()):
            if parent not in out:
                out.add(parent)
                frontier.append(parent)
    return frozenset(out)


@dataclass(frozen=True)
class Party:
    """An anchor (``a:<pk>``) or a stakeholder (``s:<pk>``) of an audit, with the clusters it serves."""

    key: str
    pk: int
    kind: str  # "anchor" or "stakeholder"
    name: str
    group: str  # the stakeholder group; an anchor counts towards its type's
    latitude: float | None
    longitude: float | None
    clusters: frozenset  # cluster ids served, convergence clusters included (``serves``)

    @property
    def located(self):
        return self.latitude is not None and self.longitude is not None


@dataclass
class AuditParties:
    """Every party of an audit and every partnership between two of them (``(source key, target key, row)``)."""

    parties: dict
    edges: list

    def of_cluster(self, cluster_id):
        """Keys of the parties that serve ``cluster_id`` (convergence included)."""
        return {key for key, party in self.parties.items() if cluster_id in party.clusters}

    def is_cross_sector(self, source, target):
        """A tie is cross-sector when its two parties serve no cluster in common (convergence included): the
        engine's rule (``scoring.assets.network_measures``), so the network and the score say the same."""
        return not (self.parties[source].clusters & self.parties[target].clusters)

    def ties_of(self, cluster_id):
        """The partnerships touching the parties of ``cluster_id`` (both ends known, two different parties), as the
        engine counts them: ``(source, target, cross-sector)``."""
        members = self.of_cluster(cluster_id)
        return [
            (a, b, self.is_cross_sector(a, b))
            for a, b, _ in self.edges
            if a != b and a in self.parties and b in self.parties and (a in members or b in members)
        ]

    def anchors(self):
        return [p for p in self.parties.values() if p.kind == "anchor"]

    def stakeholders(self):
        return [p for p in self.parties.values() if p.kind == "stakeholder"]


def party_group(anchor_type):
    """The stakeholder group an anchor of ``anchor_type`` counts towards (a university: academia)."""
    return ANCHOR_GROUPS[anchor_type]


def _party_key(stakeholder_id, anchor_id):
    return f"s:{stakeholder_id}" if stakeholder_id else f"a:{anchor_id}"


def audit_parties(*, audit):
    """The audit's anchors and stakeholders with the clusters each serves, and its partnerships: six queries.

    ``audit`` must already have been read through the requester's organisation.
    """
    parents = convergence_parents()
    ties = {}
    for pk, cluster_id in AnchorInstitution.clusters.through.objects.filter(anchorinstitution__audit=audit).values_list(
        "anchorinstitution_id", "clusterdefinition_id"
    ):
        ties.setdefault(f"a:{pk}", set()).add(cluster_id)
    for pk, cluster_id in Stakeholder.clusters.through.objects.filter(stakeholder__audit=audit).values_list(
        "stakeholder_id", "clusterdefinition_id"
    ):
        ties.setdefault(f"s:{pk}", set()).add(cluster_id)
    parties = {}
    for pk, name, anchor_type, lat, lng in AnchorInstitution.objects.filter(audit=audit).values_list(
        "pk", "name", "anchor_type", "latitude", "longitude"
    ):
        key = f"a:{pk}"
        parties[key] = Party(key, pk, "anchor", name, party_group(anchor_type), lat, lng,
                             serves(ties.get(key, ()), parents))  # fmt: skip
    for pk, name, group, lat, lng in Stakeholder.objects.filter(audit=audit).values_list(
        "pk", "name", "group", "latitude", "longitude"
    ):
        key = f"s:{pk}"
        parties[key] = Party(key, pk, "stakeholder", name, group, lat, lng, serves(ties.get(key, ()), parents))
    edges = [
        (_party_key(fs, fa), _party_key(ts, ta), (kind, strength))
        for fs, fa, ts, ta, kind, strength in Partnership.objects.filter(audit=audit).values_list(
            "from_stakeholder_id", "from_anchor_id", "to_stakeholder_id", "to_anchor_id", "kind", "strength"
        )
    ]
    return AuditParties(parties=parties, edges=edges)


def cluster_network(*, audit, cluster):
    """The parties serving ``cluster`` in ``audit`` (convergence included) and every partnership touching them.

    Nodes are ``{key, name, group, in_cluster}`` (partners outside the cluster are included, ``in_cluster`` false);
    edges ``{source, target, cross}``, with the parties and the cross-sector rule of ``audit_parties``, so the
    counts here are the ones the score's explanation was computed from.
    """
    network = audit_parties(audit=audit)
    members = network.of_cluster(cluster.pk)
    edges = [{"source": a, "target": b, "cross": cross} for a, b, cross in network.ties_of(cluster.pk)]
    keys = members | {e["source"] for e in edges} | {e["target"] for e in edges}
    parties = network.parties
    nodes = sorted(
        ({"key": k, "name": parties[k].name, "group": parties[k].group, "in_cluster": k in members} for k in keys),
        key=lambda n: (not n["in_cluster"], n["group"], n["name"]),
    )
    present = {n["group"] for n in nodes if n["in_cluster"]}
    return {
        "nodes": nodes,
        "edges": edges,
        "cross_count": sum(1 for e in edges if e["cross"]),
        "groups": [(value, label, value in present) for value, label in StakeholderGroup.choices],
        "missing": [(value, label) for value, label in StakeholderGroup.choices if value not in present],
    }


def completeness_facts(audit):
    """Plain facts about ``audit`` for the completeness meter, in a fixed number of queries.

    A party counts for a candidate cluster when it serves it (``audit_parties``: a party tied to a component of a
    convergence cluster serves the convergence cluster too), as in scoring.
    """
    candidates = list(AuditCluster.objects.filter(audit=audit).select_related("cluster").order_by("cluster__name"))
    network = audit_parties(audit=audit)
    parties = network.parties
    forecasts = list(MarketForecast.objects.filter(audit=audit).values_list("cluster_id", flat=True))
    ratings = list(TrendRating.objects.filter(audit=audit).values_list("cluster_id", flat=True))
    framework_ids = list(audit.priority_frameworks.values_list("pk", flat=True))
    prioritised = set(
        PriorityItem.objects.filter(framework_id__in=framework_ids, weight__gt=0).values_list("cluster_id", flat=True)
    )
    cluster_facts = []
    for row in candidates:
        tied = network.of_cluster(row.cluster_id)
        cluster_facts.append(
            completeness.ClusterFacts(
                cluster_id=row.cluster_id,
                name=row.cluster.name,
                anchors=sum(1 for key in tied if parties[key].kind == "anchor"),
                located=sum(1 for key in tied if parties[key].located),
                groups=frozenset(parties[key].group for key in tied),
                partnerships=sum(1 for a, b, _ in network.edges if a in tied or b in tied),
                talent=row.relevant_graduates is not None,
                innovation=row.patents is not None or row.research_spend is not None,
                investment=any(
                    v is not None for v in (row.investment_amount, row.investment_deals, row.investment_growth)
                ),
                forecasts=forecasts.count(row.cluster_id),
                priority=row.cluster_id in prioritised,
                ratings=ratings.count(row.cluster_id),
            )
        )
    return completeness.AuditFacts(
        candidates=tuple(cluster_facts),
        anchors=len(network.anchors()),
        stakeholders=len(network.stakeholders()),
        groups=frozenset(party.group for party in parties.values()),
        partnerships=len(network.edges),
        organisations=ClusterOrganisation.objects.filter(audit=audit).count(),
        forecasts=len(forecasts),
        frameworks=len(framework_ids),
        ratings=len(ratings),
    )
