"""Pages over cluster definitions: the public benchmark and custom clusters, and the organisation's own."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q, Sum
from django.shortcuts import get_object_or_404, render

from assessments.inputs import cbp_national_totals, cbp_years
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


def cluster_members_by_subcluster(cluster, employment=None):
    """The cluster's member codes as (subcluster, members, subcluster employment) triples, subclusters in name
    order; each member carries ``employment``, its national employment from ``employment`` (by industry id), if any.
    """
    employment = employment or {}
    members = cluster.members.select_related("industry").order_by("subcluster", "industry__code")
    groups = []
    for name, rows in groupby(members, key=lambda m: m.subcluster):
        rows = list(rows)
        for member in rows:
            member.employment = employment.get(member.industry_id)
        known = [m.employment for m in rows if m.employment is not None]
        groups.append((name, rows, sum(known) if known else None))
    return groups


def cluster_national_employment(cluster):
    """``(year, {industry id: employment})``: the national employment of a benchmark cluster's member industries.

    From County Business Patterns (its latest year), NAICS 2012 bridged to 2007 and summed over the states as the
    want-to-win market growth reads it; ``(None, {})`` for other clusters or when the statistics are not loaded.
    """
    if cluster.kind != ClusterKind.BENCHMARK:
        return None, {}
    years = cbp_years()
    if not years:
        return None, {}
    year = years[-1]
    codes = set(cluster.members.values_list("industry_id", flat=True))
    bridge, totals = cbp_national_totals(codes, years=(year,))
    employment = {code: sum(totals[year][t] * w for t, w in bridge[code]) for code in codes if code in bridge}
    return year, employment


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
    employment_year, employment = cluster_national_employment(cluster)
    subclusters = cluster_members_by_subcluster(cluster, employment)
    members = [member for _, rows, _ in subclusters for member in rows]
    total = sum(employment.values()) if employment else None
    for member in members:
        member.share = 100 * member.employment / total if total and member.employment is not None else None
    context = {
        "cluster": cluster,
        "subclusters": subclusters,
        "employment_year": employment_year,
        "employment_total": total,
        "largest_members": sorted((m for m in members if m.employment), key=lambda m: m.employment, reverse=True)[:3],
        "components": cluster.components.annotate(member_count=Count("members")).order_by("name"),
        "convergences": cluster_queryset(user=request.user, organisation=request.organisation)
        .filter(components=cluster)
        .order_by("name"),
        "related": cluster_related(cluster),
        "regions_year": year,
        "top_regions": top_regions,
    }
    return render(request, "clusters/cluster_detail.html", context)
