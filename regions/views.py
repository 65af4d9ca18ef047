"""Pages over the public reference geography: region sets, their regions, and one region's economy."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, render

from anchors.models import AnchorCandidate
from clusters.models import ClusterDefinition, ClusterKind
from regions.models import EconomicObservation, Region, RegionSet

REGIONS_PER_PAGE = 50
TOP_INDUSTRIES = 15
ANCHOR_CANDIDATES_SHOWN = 50


@dataclass
class DerivedClusterRow:
    """A custom cluster's employment in a region, summed from the industry observations of its member codes."""

    cluster: ClusterDefinition
    employment: float
    codes_observed: int
    codes_defined: int


def region_set_summaries():
    """Every region set with its region count, classification and benchmark."""
    return RegionSet.objects.select_related("classification", "benchmark").annotate(region_count=Count("regions"))


def region_search(region_set, query=""):
    """The regions of ``region_set`` whose name or code contains ``query``."""
    regions = region_set.regions.select_related("parent").defer("boundary", "parent__boundary").order_by("name")
    if query:
        regions = regions.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return regions


def region_cluster_employment(region):
    """(year, observations) for the latest year with cluster-level observations, largest employment first."""
    cluster_rows = EconomicObservation.objects.public().filter(region=region, cluster__isnull=False)
    year = cluster_rows.aggregate(year=Max("year"))["year"]
    if year is None:
        return None, []
    rows = (
        cluster_rows.filter(year=year)
        .select_related("cluster")
        .order_by("-employment", "cluster__name")
        .only(
            "employment", "establishments", "payroll", "suppressed", "cluster__name", "cluster__code", "cluster__scope"
        )
    )
    return year, list(rows)


def region_industry_employment(region):
    """(year, {industry_id: employment}, top industry observations) for the latest year of industry observations."""
    industry_rows = EconomicObservation.objects.public().filter(region=region, industry__isnull=False)
    year = industry_rows.aggregate(year=Max("year"))["year"]
    if year is None:
        return None, {}, []
    latest = industry_rows.filter(year=year)
    by_industry = {}
    for industry_id, employment in latest.values_list("industry_id", "employment"):
        by_industry[industry_id] = by_industry.get(industry_id, 0) + (employment or 0)
    top = list(
        latest.filter(employment__gt=0)
        .select_related("industry")
        .order_by("-employment", "industry__code")
        .only("employment", "establishments", "payroll", "suppressed", "industry__code", "industry__title")[
            :TOP_INDUSTRIES
        ]
    )
    return year, by_industry, top


def custom_cluster_employment(by_industry):
    """Employment of each public custom or convergence cluster, summed over its member codes' observations.

    A convergence cluster counts the codes of its components too (each code once). Clusters none of whose codes
    were observed (another classification) are left out.
    """
    if not by_industry:
        return []
    clusters = (
        ClusterDefinition.objects.public()
        .exclude(kind=ClusterKind.BENCHMARK)
        .prefetch_related("members", "components__members")
        .order_by("name")
    )
    rows = []
    for cluster in clusters:
        codes = {member.industry_id for member in cluster.members.all()}
        for component in cluster.components.all():
            codes |= {member.industry_id for member in component.members.all()}
        observed = codes & by_industry.keys()
        if observed:
            rows.append(
                DerivedClusterRow(
                    cluster=cluster,
                    employment=sum(by_industry[code] for code in observed),
                    codes_observed=len(observed),
                    codes_defined=len(codes),
                )
            )
    rows.sort(key=lambda row: (-row.employment, row.cluster.name))
    return rows


def region_anchor_candidates(region):
    """Public anchor candidates located in the region or its metro area, and how many there are."""
    candidates = AnchorCandidate.objects.filter(Q(region=region) | Q(metro=region)).order_by("name")
    return candidates.count(), list(candidates[:ANCHOR_CANDIDATES_SHOWN])


@login_required
def region_set_list(request):
    return render(request, "regions/region_set_list.html", {"region_sets": region_set_summaries()})


@login_required
def region_list(request, slug):
    region_set = get_object_or_404(RegionSet.objects.select_related("classification", "benchmark"), slug=slug)
    query = request.GET.get("q", "").strip()
    page = Paginator(region_search(region_set, query), REGIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"region_set": region_set, "query": query, "page": page, "regions": page.object_list}
    return render(request, "regions/region_list.html", context)


@login_required
def region_detail(request, pk):
    region = get_object_or_404(Region.objects.select_related("parent"), pk=pk)
    cluster_year, cluster_rows = region_cluster_employment(region)
    industry_year, by_industry, top_industries = region_industry_employment(region)
    derived_rows = [] if cluster_rows else custom_cluster_employment(by_industry)
    candidate_count, candidates = region_anchor_candidates(region)
    region_sets = list(region.region_sets.order_by("name"))
    chosen = request.GET.get("set", "")
    context = {
        "region": region,
        "region_sets": region_sets,
        "breadcrumb_set": next((s for s in region_sets if s.slug == chosen), region_sets[0] if region_sets else None),
        "children_count": region.children.count(),
        "cluster_year": cluster_year,
        "cluster_rows": cluster_rows,
        "industry_year": industry_year,
        "top_industries": top_industries,
        "derived_rows": derived_rows,
        "candidate_count": candidate_count,
        "candidates": candidates,
    }
    return render(request, "regions/region_detail.html", context)
