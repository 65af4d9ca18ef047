"""Pages over cluster definitions: the public benchmark and custom clusters, and the organisation's own."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q, Sum
from django.shortcuts import get_object_or_404, render

from clusters.models import ClusterDefinition, ClusterKind, ClusterRelatedness, ClusterScope
from regions.models import EconomicObservation, Region, RegionScheme

TOP_RELATED = 10
TOP_REGIONS_PER_SCHEME = 10

CLUSTER_GROUPS = [
    ("traded", "Benchmark traded clusters", "Delgado–Porter–Stern clusters that sell across regions."),
    ("local", "Benchmark local clusters", "Delgado–Porter–Stern clusters that serve the local market."),
    ("custom", "Custom and convergence clusters", "Clusters built from chosen industry codes or other clusters."),
]


def cluster_queryset(*, user, organisation):
    """Public cluster definitions plus the active organisation's own."""
    return ClusterDefinition.objects.for_user(user, organisation=organisation).select_related(
        "classification", "organisation"
    )


def _group_of(cluster):
    if cluster.kind == ClusterKind.BENCHMARK:
        return "traded" if cluster.scope == ClusterScope.TRADED else "local"
    return "custom"


def cluster_groups(*, user, organisation, query=""):
    """The visible clusters matching ``query``, as (key, title, help, clusters) groups in a fixed order."""
    clusters = cluster_queryset(user=user, organisation=organisation).annotate(
        member_count=Count("members", distinct=True), component_count=Count("components", distinct=True)
    )
    if query:
        clusters = clusters.filter(Q(name__icontains=query) | Q(code__iexact=query) | Q(slug__icontains=query))
    grouped = {key: [] for key, _, _ in CLUSTER_GROUPS}
    for cluster in clusters:
        grouped[_group_of(cluster)].append(cluster)
    for rows in grouped.values():
        rows.sort(key=lambda c: (int(c.code) if c.code.isdigit() else 10**6, c.name))
    return [(key, title, text, grouped[key]) for key, title, text in CLUSTER_GROUPS]


def cluster_members_by_subcluster(cluster):
    """The cluster's member codes as (subcluster, members) pairs, subclusters in name order."""
    members = cluster.members.select_related("industry").order_by("subcluster", "industry__code")
    return [(name, list(rows)) for name, rows in groupby(members, key=lambda m: m.subcluster)]


def cluster_related(cluster):
    """The most related clusters by overall relatedness weight."""
    return list(
        ClusterRelatedness.objects.filter(cluster=cluster).select_related("related").order_by("-weight")[:TOP_RELATED]
    )


def cluster_top_regions(cluster):
    """(year, [(scheme label, rows)]) — the regions with most employment in the cluster's latest year.

    Published cluster-level observations are used when there are any; otherwise (custom clusters) employment is
    summed over the industry observations of the member codes, components included. Regions are ranked within
    their scheme, since states, metros and NUTS2 regions are not peers.
    """
    cluster_rows = EconomicObservation.objects.public().filter(cluster=cluster)
    year = cluster_rows.aggregate(year=Max("year"))["year"]
    if year is not None:
        rows = cluster_rows.filter(year=year)
    else:
        codes = cluster.member_code_ids()
        if not codes:
            return None, []
        industry_rows = EconomicObservation.objects.public().filter(industry_id__in=codes)
        year = industry_rows.aggregate(year=Max("year"))["year"]
        if year is None:
            return None, []
        rows = industry_rows.filter(year=year)
    totals = rows.order_by().values("region", "region__scheme").annotate(total=Sum("employment"))
    by_scheme = {}
    for row in totals:
        by_scheme.setdefault(row["region__scheme"], []).append((row["total"] or 0, row["region"]))
    top = {scheme: sorted(pairs, reverse=True)[:TOP_REGIONS_PER_SCHEME] for scheme, pairs in by_scheme.items()}
    regions = Region.objects.defer("boundary").in_bulk([pk for pairs in top.values() for _, pk in pairs])
    labels = dict(RegionScheme.choices)
    schemes = [
        (labels.get(scheme, scheme), [(regions[pk], total) for total, pk in pairs])
        for scheme, pairs in sorted(top.items(), key=lambda item: labels.get(item[0], item[0]))
    ]
    return year, schemes


@login_required
def cluster_list(request):
    query = request.GET.get("q", "").strip()
    groups = cluster_groups(user=request.user, organisation=request.organisation, query=query)
    context = {"groups": groups, "query": query, "total": sum(len(rows) for *_, rows in groups)}
    return render(request, "clusters/cluster_list.html", context)


@login_required
def cluster_detail(request, pk):
    cluster = get_object_or_404(cluster_queryset(user=request.user, organisation=request.organisation), pk=pk)
    year, top_regions = cluster_top_regions(cluster)
    context = {
        "cluster": cluster,
        "subclusters": cluster_members_by_subcluster(cluster),
        "components": cluster.components.annotate(member_count=Count("members")).order_by("name"),
        "convergences": cluster_queryset(user=request.user, organisation=request.organisation)
        .filter(components=cluster)
        .order_by("name"),
        "related": cluster_related(cluster),
        "regions_year": year,
        "top_regions": top_regions,
    }
    return render(request, "clusters/cluster_detail.html", context)
