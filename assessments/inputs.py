"""The engine's inputs: from the database to the engine's dense frames.

The engine never touches the ORM; these functions turn a region set, a year and (optionally) an audit into
an ``EconomicPanel`` and the asset and market frames, with every query bulk and column-oriented
(``values_list``) so the us-msas panel (917 regions × 67 clusters) loads in well under a second.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db.models import Max, Q, Sum

from anchors.models import AnchorInstitution
from audits.models import AuditCluster, MarketForecast, PriorityItem, TrendRating
from audits.selectors import audit_parties, convergence_parents, serves
from clusters.models import ClusterDefinition, ClusterKind, ClusterOrganisation, ClusterRelatedness
from regions.models import Crosswalk, Dataset, EconomicObservation, RegionSet
from scoring.economic import EconomicPanel
from stakeholders.models import Stakeholder

# Growth and shift-share look back up to this many years from the statistics year.
WINDOW_YEARS = 5
# The national growth of U.S. benchmark clusters comes from County Business Patterns (states, NAICS 2007),
# because the Cluster Mapping employment files carry one year only.
CBP_DATASET = "cbp-states-2008-2011"


class NoStatistics(LookupError):
    """The region set has no statistics for the year asked (or any year before it)."""


@dataclass
class PanelContext:
    """What the database says about a panel beyond its arrays: the rows behind each index position."""

    region_set: RegionSet
    data_year: int
    start_year: int | None
    regions: list  # Region rows, in panel order
    clusters: list  # ClusterDefinition rows, in panel order
    level: str  # "cluster" (published cluster statistics) or "industry" (aggregated from member codes)
    datasets: list = field(default_factory=list)  # (slug, fingerprint) of the statistics used
    national_growth: pd.Series | None = None  # national cluster CAGR from another source, when the panel has no window
    national_growth_window: str = ""
    national_growth_overall: float | None = None  # all benchmark clusters together, same source and window


def _cluster_level(region_ids, year=None):
    query = EconomicObservation.objects.public().filter(region_id__in=region_ids, cluster__isnull=False)
    return query.filter(year=year) if year is not None else query


def _industry_level(region_ids, year=None):
    query = EconomicObservation.objects.public().filter(region_id__in=region_ids, industry__isnull=False)
    return query.filter(year=year) if year is not None else query


def statistics_year(region_set, year):
    """The latest year up to ``year`` with statistics for the region set, and whether they are cluster-level."""
    region_ids = list(region_set.regions.values_list("pk", flat=True))
    for level, query in (("cluster", _cluster_level(region_ids)), ("industry", _industry_level(region_ids))):
        latest = query.filter(year__lte=year).aggregate(latest=Max("year"))["latest"]
        if latest is not None:
            return latest, level
    raise NoStatistics(f"No statistics for {region_set.slug} in or before {year}.")


def panel_clusters(region_set, level, data_year, organisation=None):
    """The clusters a panel scores: those with published statistics, or the custom clusters of the set's classification.

    Custom clusters are the public ones plus ``organisation``'s own; U.S. benchmark clusters are ordered by
    their number.
    """
    if level == "cluster":
        region_ids = region_set.regions.values_list("pk", flat=True)
        ids = _cluster_level(region_ids, data_year).values_list("cluster_id", flat=True).distinct()
        clusters = list(ClusterDefinition.objects.filter(pk__in=ids))
    else:
        visible = Q(organisation__isnull=True)
        if organisation is not None:
            visible |= Q(organisation=organisation)
        clusters = list(
            ClusterDefinition.objects.filter(visible, classification=region_set.classification).exclude(
                kind=ClusterKind.BENCHMARK
            )
        )
    return sorted(clusters, key=lambda c: (c.organisation_id is not None, _code_key(c.code), c.slug))


def _code_key(code):
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def _dense(rows, row_index, col_index, shape, columns):
    """Scatter ``(row_id, col_id, v1, v2, ...)`` tuples into dense arrays (NaN where absent)."""
    out = [np.full(shape, np.nan) for _ in range(columns)]
    if not rows:
        return out
    data = np.array(rows, dtype=object)
    r = np.array([row_index[i] for i in data[:, 0]])
    c = np.array([col_index[i] for i in data[:, 1]])
    for k in range(columns):
        out[k][r, c] = np.array(data[:, 2 + k], dtype=np.float64)
    return out


def _membership_matrix(clusters, code_index):
    """(K, C) 0/1 matrix of industry codes in each cluster; convergence clusters take the union of components."""
    matrix = np.zeros((len(code_index), len(clusters)))
    for j, cluster in enumerate(clusters):
        for code_id in cluster.member_code_ids():
            if code_id in code_index:
                matrix[code_index[code_id], j] = 1.0
    return matrix


def _industry_matrix(region_ids, year, code_ids):
    """(R, K) industry employment for the given codes, and the regions' total employment over all codes."""
    region_index = {rid: i for i, rid in enumerate(region_ids)}
    code_index = {cid: k for k, cid in enumerate(code_ids)}
    rows = list(
        _industry_level(region_ids, year)
        .filter(industry_id__in=code_ids)
        .values_list("region_id", "industry_id", "employment")
    )
    (employment,) = _dense(rows, region_index, code_index, (len(region_ids), len(code_ids)), 1)
    totals = np.zeros(len(region_ids))
    for region_id, total in (
        _industry_level(region_ids, year).values_list("region_id").annotate(total=Sum("employment")).order_by()
    ):
        totals[region_index[region_id]] = total or 0.0
    return np.nan_to_num(employment), totals


def _totals_by_scope(employment, scope):
    traded = np.nansum(employment[:, scope == "traded"], axis=1)
    local = np.nansum(employment[:, scope == "local"], axis=1)
    return traded, local


def economic_panel(region_set, year, organisation=None):
    """The ``EconomicPanel`` of a region set for the latest statistics year up to ``year``, and its context."""
    data_year, level = statistics_year(region_set, year)
    regions = list(region_set.regions.order_by("code"))
    region_ids = [r.pk for r in regions]
    benchmark_set = region_set.benchmark_set
    bench_ids = list(benchmark_set.regions.values_list("pk", flat=True))
    clusters = panel_clusters(region_set, level, data_year, organisation)
    if not clusters:
        raise NoStatistics(f"No clusters with statistics for {region_set.slug} in {data_year}.")
    cluster_ids = [c.pk for c in clusters]
    scope = np.array([c.scope if c.kind == ClusterKind.BENCHMARK else "" for c in clusters], dtype=object)
    shape = (len(regions), len(clusters))

    start_year = None
    if level == "cluster":
        region_index = {rid: i for i, rid in enumerate(region_ids)}
        cluster_index = {cid: j for j, cid in enumerate(cluster_ids)}
        fields = ("region_id", "cluster_id", "employment", "establishments", "payroll")
        rows = list(_cluster_level(region_ids, data_year).filter(cluster_id__in=cluster_ids).values_list(*fields))
        employment, establishments, payroll = _dense(rows, region_index, cluster_index, shape, 3)
        bench_index = {rid: i for i, rid in enumerate(bench_ids)}
        bench_rows = list(_cluster_level(bench_ids, data_year).filter(cluster_id__in=cluster_ids).values_list(*fields))
        bench_emp, _, bench_pay = _dense(bench_rows, bench_index, cluster_index, (len(bench_ids), len(clusters)), 3)
        traded, local = _totals_by_scope(employment, scope)
        region_total = {"traded": traded, "local": local, "all": traded + local}
        benchmark_cluster = np.nansum(bench_emp, axis=0)
        b_traded, b_local = _totals_by_scope(bench_emp, scope)
        benchmark_total = {
            "traded": float(b_traded.sum()),
            "local": float(b_local.sum()),
            "all": float(b_traded.sum() + b_local.sum()),
        }
        benchmark_payroll = np.nansum(bench_pay, axis=0)
        benchmark_total_payroll = float(np.nansum(bench_pay))
        employment_start = benchmark_cluster_start = benchmark_total_start = None
    else:
        code_ids = sorted({cid for c in clusters for cid in c.member_code_ids()})
        code_index = {cid: k for k, cid in enumerate(code_ids)}
        membership = _membership_matrix(clusters, code_index)

        def cluster_matrix(ids, year_):
            industry, totals = _industry_matrix(ids, year_, code_ids)
            return industry @ membership, totals

        employment, totals = cluster_matrix(region_ids, data_year)
        establishments = np.full(shape, np.nan)
        payroll = np.full(shape, np.nan)
        region_total = {"traded": totals, "local": np.zeros_like(totals), "all": totals}
        bench_emp, bench_totals = (
            (employment, totals) if benchmark_set == region_set else cluster_matrix(bench_ids, data_year)
        )
        benchmark_cluster = bench_emp.sum(axis=0)
        benchmark_total = {"traded": float(bench_totals.sum()), "local": 0.0, "all": float(bench_totals.sum())}
        benchmark_payroll, benchmark_total_payroll = None, None
        years = sorted(
            _industry_level(region_ids)
            .filter(year__lt=data_year, year__gte=data_year - WINDOW_YEARS)
            .values_list("year", flat=True)
            .distinct()
        )
        employment_start = benchmark_cluster_start = benchmark_total_start = None
        if years:
            start_year = years[0]
            employment_start, start_totals = cluster_matrix(region_ids, start_year)
            bench_start, bench_start_totals = (
                (employment_start, start_totals)
                if benchmark_set == region_set
                else cluster_matrix(bench_ids, start_year)
            )
            benchmark_cluster_start = bench_start.sum(axis=0)
            total_start = float(bench_start_totals.sum())
            benchmark_total_start = {"traded": total_start, "local": 0.0, "all": total_start}

    relatedness = _relatedness_matrix(clusters)
    panel = EconomicPanel(
        regions=pd.Index([r.code for r in regions], name="region"),
        clusters=pd.Index([c.code for c in clusters], name="cluster"),
        scope=scope.astype(str),
        employment=employment,
        establishments=establishments,
        payroll=payroll,
        region_total=region_total,
        benchmark_cluster=benchmark_cluster,
        benchmark_total=benchmark_total,
        benchmark_payroll=benchmark_payroll,
        benchmark_total_payroll=benchmark_total_payroll,
        employment_start=employment_start,
        benchmark_cluster_start=benchmark_cluster_start,
        benchmark_total_start=benchmark_total_start,
        window_years=(data_year - start_year) if start_year else None,
        relatedness=relatedness,
    )
    context = PanelContext(
        region_set=region_set,
        data_year=data_year,
        start_year=start_year,
        regions=regions,
        clusters=clusters,
        level=level,
        datasets=list(
            Dataset.objects.filter(
                observations__region_id__in=region_ids[:1] + bench_ids[:1], observations__year=data_year
            )
            .values_list("slug", "fingerprint")
            .distinct()
            .order_by("slug")
        ),
    )
    if start_year is None and level == "cluster":
        growth, overall, window = national_growth_from_cbp(clusters)
        context.national_growth, context.national_growth_overall, context.national_growth_window = (
            growth,
            overall,
            window,
        )
    return panel, context


def _relatedness_matrix(clusters):
    """Published relatedness between the panel's clusters ((C, C), zero where none); None if none is published."""
    index = {c.pk: j for j, c in enumerate(clusters)}
    rows = ClusterRelatedness.objects.filter(cluster_id__in=index, related_id__in=index).values_list(
        "cluster_id", "related_id", "weight"
    )
    matrix = np.zeros((len(clusters), len(clusters)))
    found = False
    for a, b, weight in rows:
        matrix[index[a], index[b]] = weight
        found = True
    return matrix if found else None


def cbp_years():
    """The years of County Business Patterns loaded, oldest first (none without the dataset or the U.S. states)."""
    if not RegionSet.objects.filter(slug="us-states").exists():
        return []
    rows = EconomicObservation.objects.public().filter(dataset__slug=CBP_DATASET)
    return sorted(rows.values_list("year", flat=True).distinct().order_by())


def cbp_national_totals(code_ids, *, years):
    """National employment behind NAICS 2012 ``code_ids`` in County Business Patterns: ``(bridge, totals)``.

    ``bridge`` maps each code to its ``[(NAICS 2007 code id, weight)]`` (the concordance; weights split one-to-many
    links) and ``totals[year][NAICS 2007 code id]`` is that code's employment summed over the states, withheld cells
    as zero. A code's national employment is ``sum(totals[year][t] * w for t, w in bridge[code])``.
    """
    bridge = defaultdict(list)
    for source, target, weight in Crosswalk.objects.filter(source_id__in=code_ids).values_list(
        "source_id", "target_id", "weight"
    ):
        bridge[source].append((target, weight))
    targets = {t for links in bridge.values() for t, _ in links}
    totals = {year: defaultdict(float) for year in years}
    states = RegionSet.objects.filter(slug="us-states").first()
    if states is None:
        return bridge, totals
    for industry_id, year, employment in (
        EconomicObservation.objects.public()
        .filter(
            dataset__slug=CBP_DATASET,
            year__in=years,
            industry_id__in=targets,
            region__in=states.regions.all(),
        )
        .values_list("industry_id", "year")
        .annotate(total=Sum("employment"))
        .order_by()
    ):
        totals[year][industry_id] = employment or 0.0
    return bridge, totals


def national_growth_from_cbp(clusters):
    """National employment CAGR of benchmark clusters over County Business Patterns 2008–2011.

    Returns ``(growth by cluster code, growth of all benchmark clusters together, window label)``.

    Cluster members (NAICS 2012) are bridged to NAICS 2007 with the concordance (weights split one-to-many
    links) and summed over the 50 states. Withheld cells count as zero in both years, so the growth of
    clusters dominated by withheld cells is understated; the window is stated with every score.
    """
    nothing = (None, None, "")
    years = cbp_years()
    if len(years) < 2:
        return nothing
    start, end = min(years), max(years)
    member_codes = {c.pk: c.member_code_ids() for c in clusters if c.kind == ClusterKind.BENCHMARK}
    all_codes = set().union(*member_codes.values()) if member_codes else set()
    bridge, totals = cbp_national_totals(all_codes, years=(start, end))
    growth = {}
    all_first = all_last = 0.0
    for cluster in clusters:
        codes = member_codes.get(cluster.pk)
        if not codes:
            continue
        first = sum(totals[start][t] * w for code in codes for t, w in bridge.get(code, ()))
        last = sum(totals[end][t] * w for code in codes for t, w in bridge.get(code, ()))
        all_first, all_last = all_first + first, all_last + last
        if first > 0 and last > 0:
            growth[cluster.code] = (last / first) ** (1 / (end - start)) - 1
    overall = (all_last / all_first) ** (1 / (end - start)) - 1 if all_first > 0 and all_last > 0 else None
    return pd.Series(growth, dtype=float), overall, f"{start}–{end} (County Business Patterns, 50 states)"


# --------------------------------------------------------------------------------------------------------
# Audit inputs
# --------------------------------------------------------------------------------------------------------


@dataclass
class AuditInputs:
    """An audit's assets and market inputs as the engine's frames (cluster ids are panel cluster codes)."""

    region_code: str
    candidates: list  # cluster codes
    anchors: pd.DataFrame
    stakeholders: pd.DataFrame
    partnerships: pd.DataFrame
    cluster_inputs: pd.DataFrame
    forecasts: pd.DataFrame
    priorities: pd.DataFrame
    frameworks_selected: int
    trend_ratings: pd.DataFrame
    cluster_organisations: list  # dicts of governance facts with their clusters
    fingerprint_payload: dict
    convergence: dict = field(default_factory=dict)  # convergence cluster code -> its component codes


def audit_inputs(audit):
    """Read everything an audit contributes to scoring, in a fixed number of queries.

    Which clusters each party serves is ``audits.selectors.audit_parties`` (convergence clusters included), the
    same rule the completeness meter and the network page use.
    """
    network = audit_parties(audit=audit)
    parents = convergence_parents()
    code_of = dict(ClusterDefinition.objects.values_list("pk", "code"))
    convergence = defaultdict(list)
    for child_id, parent_ids in parents.items():
        for parent_id in parent_ids:
            convergence[code_of[parent_id]].append(code_of[child_id])

    def codes(ids):
        return sorted(code_of[i] for i in ids)

    anchor_fields = ("pk", "name", "anchor_type", "staff", "students", "research_spend", "patents", "spinouts",
                     "latitude", "longitude")  # fmt: skip
    anchors = pd.DataFrame(
        list(AnchorInstitution.objects.filter(audit=audit).values_list(*anchor_fields)), columns=anchor_fields
    )
    anchors["key"] = [f"a:{pk}" for pk in anchors["pk"]]
    anchors["group"] = [network.parties[key].group for key in anchors["key"]]
    anchors["clusters"] = [codes(network.parties[key].clusters) for key in anchors["key"]]
    anchors["research_spend"] = anchors["research_spend"].astype(float)

    stakeholder_fields = ("pk", "name", "group", "sector", "latitude", "longitude")
    stakeholders = pd.DataFrame(
        list(Stakeholder.objects.filter(audit=audit).values_list(*stakeholder_fields)), columns=stakeholder_fields
    )
    stakeholders["key"] = [f"s:{pk}" for pk in stakeholders["pk"]]
    stakeholders["clusters"] = [codes(network.parties[key].clusters) for key in stakeholders["key"]]

    partnerships = pd.DataFrame(
        [(source, target, kind, strength) for source, target, (kind, strength) in network.edges],
        columns=["source", "target", "kind", "strength"],
    )

    input_fields = ("cluster__code", "relevant_graduates", "patents", "research_spend", "investment_amount",
                    "investment_deals", "investment_growth")  # fmt: skip
    cluster_inputs = (
        pd.DataFrame(list(AuditCluster.objects.filter(audit=audit).values_list(*input_fields)), columns=input_fields)
        .rename(columns={"cluster__code": "cluster"})
        .set_index("cluster")
        .astype(float)
    )
    candidates = list(cluster_inputs.index)

    forecast_fields = ("cluster__code", "metric", "base_year", "base_value", "target_year", "target_value",
                       "growth_rate", "source")  # fmt: skip
    forecasts = pd.DataFrame(
        list(MarketForecast.objects.filter(audit=audit).values_list(*forecast_fields)), columns=forecast_fields
    ).rename(columns={"cluster__code": "cluster"})
    frameworks = list(audit.priority_frameworks.values_list("pk", "slug"))
    priorities = pd.DataFrame(
        list(
            PriorityItem.objects.filter(framework_id__in=[pk for pk, _ in frameworks]).values_list(
                "framework__slug", "cluster__code", "weight"
            )
        ),
        columns=["framework", "cluster", "weight"],
    )
    ratings = pd.DataFrame(
        list(TrendRating.objects.filter(audit=audit).values_list("cluster__code", "theme", "rating")),
        columns=["cluster", "theme", "rating"],
    )
    organisations = []
    for body in ClusterOrganisation.objects.filter(audit=audit).prefetch_related("clusters"):
        organisations.append(
            {
                "name": body.name,
                "clusters": codes(serves([c.pk for c in body.clusters.all()], parents)),
                "facts": {
                    "members_count": body.members_count,
                    "member_types": list(body.member_types or []),
                    "management_fte": float(body.management_fte) if body.management_fte is not None else None,
                    "has_board": body.has_board,
                    "has_ceo": body.has_ceo,
                    "annual_budget": float(body.annual_budget) if body.annual_budget is not None else None,
                    "funding_model": body.funding_model,
                    "formal_legal_entity": body.formal_legal_entity,
                    "annual_reporting": body.annual_reporting,
                    "regions_spanned": body.regions_spanned,
                    "cross_border": body.cross_border,
                },
            }
        )
    payload = {
        "audit": audit.pk,
        "version": audit.version,
        "frames": [
            pd.util.hash_pandas_object(frame.astype(str), index=True).sum().item() if len(frame) else 0
            for frame in (anchors, stakeholders, partnerships, cluster_inputs, forecasts, priorities, ratings)
        ],
        "organisations": organisations,
    }
    return AuditInputs(
        region_code=audit.region.code,
        candidates=candidates,
        anchors=anchors,
        stakeholders=stakeholders,
        partnerships=partnerships,
        cluster_inputs=cluster_inputs,
        forecasts=forecasts,
        priorities=priorities,
        frameworks_selected=len(frameworks),
        trend_ratings=ratings,
        cluster_organisations=organisations,
        fingerprint_payload=payload,
        convergence={k: sorted(v) for k, v in convergence.items()},
    )
