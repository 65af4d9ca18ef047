"""The region dashboard (an audit's region, or a public region in a region set) and the cluster-in-region page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from audits.access import audit_or_404
from dashboards import selectors
from dashboards.charts import region as charts
from dashboards.charts.base import GROUP_COLOURS
from regions.models import Region, RegionSet
from scoring.methodology import MethodologyError


def _render_dashboard(request, dashboard):
    if dashboard.run is not None:
        dashboard.chart = charts.quadrant_chart(dashboard.charted, selectors.thresholds_of(dashboard.run))
    return render(request, "dashboards/region/dashboard.html", {"dashboard": dashboard})


@login_required
def audit_dashboard(request, pk):
    audit = audit_or_404(request, pk)
    run = selectors.audit_latest_run(user=request.user, organisation=request.organisation, audit=audit)
    dashboard = selectors.region_dashboard(region=audit.region, region_set=audit.region_set, run=run, audit=audit)
    return _render_dashboard(request, dashboard)


@login_required
def region_set_dashboard(request, region_pk, region_set_slug):
    region_set = get_object_or_404(RegionSet, slug=region_set_slug)
    region = get_object_or_404(Region, pk=region_pk, region_sets=region_set)
    run = selectors.region_latest_run(
        user=request.user, organisation=request.organisation, region_set=region_set, region=region
    )
    return _render_dashboard(request, selectors.region_dashboard(region=region, region_set=region_set, run=run))


@login_required
def score_page(request, score_pk):
    queryset = selectors.score_queryset(user=request.user, organisation=request.organisation)
    score = get_object_or_404(queryset, pk=score_pk)
    try:
        context = selectors.cluster_in_region(score=score)
    except MethodologyError as error:
        raise Http404("This score's methodology can no longer be read.") from error
    for axis in context["explanation"].axes:
        axis["chart"] = charts.contribution_chart(axis)
    for broker in (context["partner"] or {}).get("brokers") or []:
        broker["colour"] = GROUP_COLOURS.get(broker.get("group"), "#55606e")
    network, trend = context["network"], context["trend"]
    context["network_chart"] = charts.network_chart(network) if network and network["nodes"] else None
    label = f"Employment in {score.cluster.name}, {score.region.name}, by year"
    context["trend_chart"] = charts.trend_chart(trend, label) if len(trend) > 1 else None
    return render(request, "dashboards/region/score.html", context)
