"""The region dashboard (an audit's region, or a public region in a region set) and the cluster-in-region page."""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from assessments.models import Score, ScoreRun
from assessments.selectors import run_results, score_explanation
from audits.models import Audit
from audits.selectors import cluster_network
from clusters.models import ClusterScope
from core.models import RunStatus
from dashboards import region_charts
from dashboards.charts import GROUP_COLOURS
from regions.models import Region, RegionSet
from regions.selectors import employment_over_years
from scoring.methodology import MethodologyError, validate_spec

DEFAULT_THRESHOLDS = {"right_to_win": 50.0, "want_to_win": 50.0}


def cluster_strength(scores):
    """Share of the region's traded employment in strong traded clusters (None without traded employment)."""
    traded = [s for s in scores if s.cluster.scope == ClusterScope.TRADED and s.employment]
    total = sum(s.employment for s in traded)
    if not total:
        return None
    return sum(s.employment for s in traded if s.strong) / total


def thresholds_of(run):
    try:
        return validate_spec(run.methodology.spec)["thresholds"]
    except (MethodologyError, KeyError, TypeError):
        return DEFAULT_THRESHOLDS


@dataclass
class RegionDashboard:
    region: Region
    region_set: RegionSet
    run: ScoreRun | None
    audit: Audit | None = None
    scores: list = field(default_factory=list)
    charted: list = field(default_factory=list)
    strength: float | None = None
    strong_count: int = 0
    chart: str = ""

    @property
    def strength_percent(self):
        return None if self.strength is None else self.strength * 100


def region_dashboard(*, region, region_set, run, audit=None):
    """The run's scores for ``region`` in one query (cluster joined), the chart and the region's cluster strength."""
    dashboard = RegionDashboard(region=region, region_set=region_set, run=run, audit=audit)
    if run is None:
        return dashboard
    scores = list(
        Score.objects.filter(run=run, region=region)
        .select_related("cluster")
        .defer("explanation")
        .order_by(F("rank").asc(nulls_last=True), "cluster__name")
    )
    for score in scores:
        # Cluster employment growth over the statistics window, where the data has more than one year.
        growth = (score.indicators.get("cagr") or [None])[0]
        score.growth_percent = None if growth is None else growth * 100
    dashboard.scores = scores
    dashboard.charted = [s for s in scores if s.candidate] if audit is not None else scores
    dashboard.strength = cluster_strength(scores)
    dashboard.strong_count = sum(1 for s in scores if s.strong and s.cluster.scope == ClusterScope.TRADED)
    dashboard.chart = region_charts.quadrant_chart(dashboard.charted, thresholds_of(run))
    return dashboard


def _runs(request):
    return ScoreRun.objects.for_user(request.user, organisation=request.organisation).select_related("methodology")


@login_required
def audit_dashboard(request, pk):
    audit = get_object_or_404(
        Audit.objects.for_user(request.user, organisation=request.organisation).select_related("region", "region_set"),
        pk=pk,
    )
    run = (
        _runs(request)
        .filter(audit=audit, scenario__isnull=True, status=RunStatus.SUCCEEDED)
        .order_by("-created_at", "-pk")
        .first()
    )
    dashboard = region_dashboard(region=audit.region, region_set=audit.region_set, run=run, audit=audit)
    return render(request, "dashboards/region/dashboard.html", {"dashboard": dashboard})


@login_required
def region_set_dashboard(request, region_pk, region_set_slug):
    region_set = get_object_or_404(RegionSet, slug=region_set_slug)
    region = get_object_or_404(Region, pk=region_pk, region_sets=region_set)
    run = (
        _runs(request)
        .filter(region_set=region_set, audit__isnull=True, scenario__isnull=True, status=RunStatus.SUCCEEDED)
        .filter(Exists(Score.objects.filter(run=OuterRef("pk"), region=region)))
        .order_by("-created_at", "-pk")
        .first()
    )
    dashboard = region_dashboard(region=region, region_set=region_set, run=run)
    return render(request, "dashboards/region/dashboard.html", {"dashboard": dashboard})


# --- One cluster in one region ----------------------------------------------------------------------------


@login_required
def score_page(request, score_pk):
    score = get_object_or_404(
        Score.objects.select_related("run", "run__methodology", "run__audit", "run__region_set", "cluster", "region"),
        pk=score_pk,
        run__in=ScoreRun.objects.for_user(request.user, organisation=request.organisation),
    )
    try:
        explanation = score_explanation(score=score)
    except MethodologyError as error:
        raise Http404("This score's methodology can no longer be read.") from error
    for axis in explanation.axes:
        axis["chart"] = region_charts.contribution_chart(axis)
    run = score.run
    audit = run.audit
    partner = network = network_chart = None
    if audit is not None:
        results = run_results(run=run, clusters={score.cluster.code: score.cluster})
        partner = next((p for p in results.partner_clusters if p["code"] == score.cluster.code), None)
        if partner is None:
            entry = ((run.results or {}).get("partner_strategy") or {}).get("clusters", {}).get(score.cluster.code)
            partner = entry and {**entry, "code": score.cluster.code, "name": score.cluster.name}
        if partner:
            partner["brokers"] = [
                {**broker, "colour": GROUP_COLOURS.get(broker.get("group"), "#55606e")}
                for broker in partner.get("brokers") or []
            ]
        network = cluster_network(audit=audit, cluster=score.cluster)
        if network["nodes"]:
            network_chart = region_charts.network_chart(network)
    trend = employment_over_years(score.region, score.cluster)
    trend_chart = (
        region_charts.trend_chart(trend, f"Employment in {score.cluster.name}, {score.region.name}, by year")
        if len(trend) > 1
        else None
    )
    context = {
        "score": score,
        "run": run,
        "trend": trend,
        "trend_chart": trend_chart,
        "audit": audit,
        "explanation": explanation,
        "partner": partner,
        "network": network,
        "network_chart": network_chart,
    }
    return render(request, "dashboards/region/score.html", context)
