"""Maps and benchmarking: indicator choropleths, an audit's assets as points, a cluster across regions,
regions side by side and a peer finder.

Every page reads the latest succeeded public run of a region set (no audit, no scenario; the most recent year
first) with a fixed number of queries, whatever the size of the set.
"""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from assessments.services import ScoringError
from assessments.services.runs import score_run_request
from audits.access import audit_or_404
from clusters.models import ClusterDefinition
from core.access import visible_or_404
from dashboards import selectors
from dashboards.charts import maps as charts
from dashboards.charts.base import figure_html
from dashboards.forms import BENCHMARK_MAX, BenchmarkQuery, ChoroplethQuery, PeersQuery
from regions.models import RegionSet

TABLE_ROWS = 25


def _latest_run(request, region_set):
    return selectors.region_set_latest_run(user=request.user, organisation=request.organisation, region_set=region_set)


def _set_view(regions):
    """Centre and zoom that frame the main body of a region set (far-flung members just outside the view)."""
    points = [(r.longitude, r.latitude) for r in regions if r.longitude is not None and r.latitude is not None]
    return charts.fit_view(points=charts.main_body(points))


def _sorted_rows(rows, sort):
    """Rows (dicts with name and value) by ``sort``: value (descending, the default), -value or name."""
    if sort == "name":
        return sorted(rows, key=lambda r: r["name"])
    present = [r for r in rows if r["value"] is not None]
    missing = [r for r in rows if r["value"] is None]
    present.sort(key=lambda r: r["value"], reverse=sort != "-value")
    return present + missing


def _choropleth_chart(regions, rows, indicator, label):
    mapped = [(row["code"], row["name"], row["value"]) for row in rows if row["value"] is not None]
    if not mapped:
        return "", 0
    center, zoom = _set_view(regions)
    figure = charts.choropleth_figure(
        geojson=charts.feature_collection(regions), rows=mapped, label=indicator[1], center=center, zoom=zoom,
        value_format=indicator[2],
    )  # fmt: skip
    return figure_html(figure, div_id="choropleth", label=label), len(mapped)


@login_required
def choropleth(request, region_set_slug):
    region_set = get_object_or_404(RegionSet, slug=region_set_slug)
    run = _latest_run(request, region_set)
    context = {"region_set": region_set, "run": run}
    if run is None:
        return render(request, "dashboards/maps/choropleth.html", context)
    clusters = selectors.run_clusters(user=request.user, organisation=request.organisation, run=run)
    form = ChoroplethQuery(request.GET, clusters=clusters, indicators=selectors.indicator_keys(run))
    form.is_valid()  # an invalid choice is named on the page (a 400), which then shows the default in its place
    cluster = form.cleaned_data.get("cluster") or form.default_cluster
    scores = selectors.cluster_scores(run=run, cluster=cluster)
    choices = selectors.indicator_choices(run, scores, form.cleaned_data.get("indicator", ""))
    indicator = next((c for c in choices if c[0] == form.cleaned_data.get("indicator")), choices[0])
    regions = selectors.set_regions(region_set, boundary=True)
    rows = selectors.indicator_rows(regions, scores, indicator[0])
    label = f"Map of {indicator[1].lower()} for {cluster.name if cluster else 'the cluster'} across {region_set.name}"
    chart, mapped_count = _choropleth_chart(regions, rows, indicator, label)
    sort = form.cleaned_data.get("sort") or "value"
    context.update(
        clusters=clusters, cluster=cluster, choices=choices, indicator=indicator, chart=chart, sort=sort,
        rows=_sorted_rows(rows, sort)[:TABLE_ROWS], mapped_count=mapped_count, region_count=len(regions),
        query={"cluster": cluster.code if cluster else "", "indicator": indicator[0]}, errors=form.messages(),
    )  # fmt: skip
    return render(request, "dashboards/maps/choropleth.html", context, status=400 if form.errors else 200)


@login_required
def audit_points(request, pk):
    audit = audit_or_404(request, pk)
    points = selectors.audit_points(audit)
    located = [p for p in points if p["latitude"] is not None and p["longitude"] is not None]
    region = audit.region
    center, zoom = charts.fit_view(
        points=[(p["longitude"], p["latitude"]) for p in located] or [(region.longitude, region.latitude)],
        geometries=[region.boundary] if region.boundary else (),
    )
    chart = ""
    if located or region.boundary:
        figure = charts.points_figure(points=located, boundary=region.boundary, center=center, zoom=zoom)
        chart = figure_html(figure, div_id="audit-points", label=f"Map of anchors and stakeholders in {region.name}")
    context = {"audit": audit, "points": points, "located_count": len(located), "chart": chart}
    return render(request, "dashboards/maps/audit_points.html", context)


def _cluster_chart(regions, rows, cluster):
    mapped = [(row["region"].code, row["region"].name, row["score"].lq) for row in rows if row["score"].lq is not None]
    if not mapped:
        return ""
    center, zoom = _set_view(regions)
    figure = charts.choropleth_figure(
        geojson=charts.feature_collection(regions), rows=mapped, label="Location quotient", center=center, zoom=zoom
    )
    return figure_html(figure, div_id="cluster-lq", label=f"Map of the location quotient of {cluster.name}")


@login_required
def cluster_regions(request, cluster_pk, region_set_slug):
    region_set = get_object_or_404(RegionSet, slug=region_set_slug)
    cluster = visible_or_404(request, ClusterDefinition, pk=cluster_pk)
    run = _latest_run(request, region_set)
    context = {"region_set": region_set, "cluster": cluster, "run": run}
    if run is None:
        return render(request, "dashboards/maps/cluster_regions.html", context)
    regions = selectors.set_regions(region_set, boundary=True)
    rows = selectors.cluster_ranking(run=run, regions=regions, cluster=cluster)
    context.update(
        rows=rows[:50],
        total=len(rows),
        strong_count=sum(1 for row in rows if row["score"].strong),
        chart=_cluster_chart(regions, rows, cluster),
        choropleth_query=urlencode({"cluster": cluster.code, "indicator": "lq"}),
    )
    return render(request, "dashboards/maps/cluster_regions.html", context)


def _form_context(form):
    """What the benchmark and peer pages show of their form, valid or not."""
    region_set = form.cleaned_data.get("region_set")
    context = {"region_sets": form.region_sets, "region_set": region_set, "errors": form.messages()}
    if region_set is not None:
        context.update(all_regions=form.regions)
    return context


@login_required
def benchmark(request):
    form = BenchmarkQuery(request.GET, region_sets=selectors.region_sets(), regions_of=selectors.set_regions)
    valid = form.is_valid()
    context = {**_form_context(form), "codes": form.codes}
    if not valid or not form.cleaned_data.get("selected"):
        return render(request, "dashboards/maps/benchmark.html", context, status=400 if form.errors else 200)
    run = context["run"] = _latest_run(request, form.cleaned_data["region_set"])
    context["selected"] = form.cleaned_data["selected"]
    if run is None:
        return render(request, "dashboards/maps/benchmark.html", context)
    result = selectors.benchmark(
        user=request.user, organisation=request.organisation, run=run, selected=form.cleaned_data["selected"]
    )
    chart = ""
    if result.clusters:
        figure = charts.benchmark_figure(clusters=[c.name for c in result.clusters], series=result.series)
        chart = figure_html(figure, div_id="benchmark", label="Right to win by cluster for the selected regions")
    context.update(chart=chart, table=result.table)
    return render(request, "dashboards/maps/benchmark.html", context)


def _benchmark_url(region_set, codes):
    query = [("region_set", region_set.slug)] + [("regions", code) for code in codes]
    return reverse("dashboard_benchmark") + "?" + urlencode(query)


@login_required
def peers(request):
    form = PeersQuery(request.GET, region_sets=selectors.region_sets(), regions_of=selectors.set_regions)
    valid = form.is_valid()
    context = {**_form_context(form), "code": form.code}
    region = form.cleaned_data.get("region") if valid else None
    if not region:
        return render(request, "dashboards/maps/peers.html", context, status=400 if form.errors else 200)
    region_set = form.cleaned_data["region_set"]
    run = context["run"] = _latest_run(request, region_set)
    context["region"] = region
    if run is None:
        return render(request, "dashboards/maps/peers.html", context)
    found = selectors.peer_regions(
        user=request.user, organisation=request.organisation, run=run, regions=form.regions, region=region
    )
    context["peers"] = [
        {"region": peer, "similarity": value, "benchmark_url": _benchmark_url(region_set, [region.code, peer.code])}
        for peer, value in found
    ]
    top_codes = [region.code] + [peer.code for peer, _ in found[: BENCHMARK_MAX - 1]]
    context["benchmark_all_url"] = _benchmark_url(region_set, top_codes)
    return render(request, "dashboards/maps/peers.html", context)


@staff_member_required
@require_POST
def region_set_score(request, region_set_slug):
    """Score a whole region set from public statistics (the site's staff; the maps' empty state offers it).

    The same service as ``manage.py score_region_set``, over the newest year the set has statistics for.
    """
    region_set = get_object_or_404(RegionSet, slug=region_set_slug)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("dashboard_choropleth", args=[region_set.slug])
    year = selectors.region_set_statistics_year(region_set)
    if year is None:
        messages.error(request, f"{region_set.name} has no public statistics to score.")
        return redirect(back)
    try:
        run, created = score_run_request(region_set=region_set, year=year, trigger="page", user=request.user)
    except ScoringError as error:
        messages.error(request, str(error))
        return redirect(back)
    if run.is_active:
        messages.success(request, f"Scoring {region_set.name} ({year} statistics): reload this page in a minute.")
    else:
        messages.success(request, f"{region_set.name} is scored ({year} statistics, run #{run.pk}).")
    return redirect(back)
