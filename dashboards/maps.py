"""Maps and benchmarking: indicator choropleths, an audit's assets as points, a cluster across regions,
regions side by side and a peer finder.

Every page reads the latest succeeded public run of a region set (no audit, no scenario) with a fixed number
of queries, whatever the size of the set.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from anchors.models import AnchorInstitution
from assessments.models import Score, ScoreRun
from audits.models import Audit
from clusters.models import ClusterDefinition
from core.models import RunStatus
from dashboards import map_charts
from dashboards.charts import figure_html
from regions.models import Region, RegionSet
from scoring.methodology import indicator_table
from stakeholders.models import Stakeholder

BASE_INDICATORS = [
    ("right_to_win", "Right to win", ".1f"),
    ("want_to_win", "Want to win", ".1f"),
    ("lq", "Location quotient", ".2f"),
    ("employment", "Employment", ",.0f"),
]
TABLE_ROWS = 25
BENCHMARK_MIN, BENCHMARK_MAX = 2, 10
BENCHMARK_CLUSTERS = 15
PEERS = 10


def latest_run(request, region_set):
    """The latest succeeded public run over ``region_set`` (any year; the most recent year first), or None."""
    return (
        ScoreRun.objects.for_user(request.user, organisation=request.organisation)
        .filter(region_set=region_set, audit=None, scenario=None, status=RunStatus.SUCCEEDED)
        .select_related("methodology")
        .order_by("-year", "-finished_at")
        .first()
    )


def score_command(region_set):
    return f"python manage.py score_region_set --region-set {region_set.slug} --year 2016"


def _regions(region_set, *, boundary=False):
    fields = ["pk", "code", "name", "latitude", "longitude"] + (["boundary"] if boundary else [])
    return list(Region.objects.filter(region_sets=region_set).only(*fields).order_by("name"))


def _run_clusters(request, run):
    """The clusters scored in ``run`` that the user may see, in the usual order."""
    scored = Score.objects.filter(run=run).values("cluster_id")
    return list(
        ClusterDefinition.objects.for_user(request.user, organisation=request.organisation)
        .filter(pk__in=scored)
        .only("pk", "code", "name", "kind", "scope")
    )


def _set_view(regions):
    points = [(r.longitude, r.latitude) for r in regions if r.longitude is not None and r.latitude is not None]
    return map_charts.fit_view(points=map_charts.main_body(points))


def _indicator_choices(run, scores):
    """The base indicators plus every methodology indicator with a raw value in ``scores``."""
    with_data = set()
    for score in scores:
        for key, pair in (score.indicators or {}).items():
            if pair and pair[0] is not None:
                with_data.add(key)
    choices = list(BASE_INDICATORS)
    seen = {key for key, _, _ in choices}
    for _axis, _group, key, _weight, entry in indicator_table(run.methodology.spec):
        if key in with_data and key not in seen:
            seen.add(key)
            choices.append((key, entry.get("label") or key, ",.3g"))
    return choices


def _value(score, key):
    if hasattr(Score, key) and key != "indicators":
        return getattr(score, key)
    pair = (score.indicators or {}).get(key)
    return pair[0] if pair else None


def _sorted_rows(rows, sort):
    """Rows (dicts with name and value) by ``sort``: value (descending, the default), -value or name."""
    if sort == "name":
        return sorted(rows, key=lambda r: r["name"])
    present = [r for r in rows if r["value"] is not None]
    missing = [r for r in rows if r["value"] is None]
    present.sort(key=lambda r: r["value"], reverse=sort != "-value")
    return present + missing


@login_required
def choropleth(request, region_set_slug):
    region_set = get_object_or_404(RegionSet, slug=region_set_slug)
    run = latest_run(request, region_set)
    context = {"region_set": region_set, "run": run, "command": score_command(region_set)}
    if run is None:
        return render(request, "dashboards/maps/choropleth.html", context)
    clusters = _run_clusters(request, run)
    requested = request.GET.get("cluster", "")
    cluster = next((c for c in clusters if c.code == requested), None)
    if cluster is None:
        cluster = next((c for c in clusters if c.kind == "benchmark"), clusters[0] if clusters else None)
    scores = list(
        Score.objects.filter(run=run, cluster=cluster).only(
            "pk", "region_id", "employment", "lq", "right_to_win", "want_to_win", "indicators"
        )
    )
    choices = _indicator_choices(run, scores)
    key = request.GET.get("indicator", "right_to_win")
    indicator = next((c for c in choices if c[0] == key), choices[0])
    regions = _regions(region_set, boundary=True)
    by_region = {s.region_id: _value(s, indicator[0]) for s in scores}
    rows = [{"code": r.code, "name": r.name, "value": by_region.get(r.pk)} for r in regions]
    mapped = [(row["code"], row["name"], row["value"]) for row in rows if row["value"] is not None]
    geojson = map_charts.feature_collection(regions)
    center, zoom = _set_view(regions)
    figure = map_charts.choropleth_figure(
        geojson=geojson, rows=mapped, label=indicator[1], center=center, zoom=zoom, value_format=indicator[2]
    )
    sort = request.GET.get("sort", "value")
    label = f"Map of {indicator[1].lower()} for {cluster.name if cluster else 'the cluster'} across {region_set.name}"
    context.update(
        clusters=clusters,
        cluster=cluster,
        choices=choices,
        indicator=indicator,
        chart=figure_html(figure, div_id="choropleth", label=label) if mapped else "",
        rows=_sorted_rows(rows, sort)[:TABLE_ROWS],
        sort=sort,
        mapped_count=len(mapped),
        region_count=len(regions),
        query={"cluster": cluster.code if cluster else "", "indicator": indicator[0]},
    )
    return render(request, "dashboards/maps/choropleth.html", context)


@login_required
def audit_points(request, pk):
    audit = get_object_or_404(
        Audit.objects.for_user(request.user, organisation=request.organisation).select_related("region"), pk=pk
    )
    points = []
    for anchor in AnchorInstitution.objects.filter(audit=audit).order_by("name"):
        points.append(
            {
                "kind": "anchor",
                "name": anchor.name,
                "type": anchor.get_anchor_type_display(),
                "group": anchor.stakeholder_group,
                "latitude": anchor.latitude,
                "longitude": anchor.longitude,
                "city": anchor.city,
            }
        )
    for stakeholder in Stakeholder.objects.filter(audit=audit).order_by("group", "name"):
        points.append(
            {
                "kind": "stakeholder",
                "name": stakeholder.name,
                "type": stakeholder.sector or stakeholder.get_group_display(),
                "group": stakeholder.group,
                "latitude": stakeholder.latitude,
                "longitude": stakeholder.longitude,
                "city": stakeholder.city,
            }
        )
    located = [p for p in points if p["latitude"] is not None and p["longitude"] is not None]
    region = audit.region
    center, zoom = map_charts.fit_view(
        points=[(p["longitude"], p["latitude"]) for p in located] or [(region.longitude, region.latitude)],
        geometries=[region.boundary] if region.boundary else (),
    )
    chart = ""
    if located or region.boundary:
        figure = map_charts.points_figure(points=located, boundary=region.boundary, center=center, zoom=zoom)
        chart = figure_html(figure, div_id="audit-points", label=f"Map of anchors and stakeholders in {region.name}")
    context = {
        "audit": audit,
        "points": points,
        "located_count": len(located),
        "chart": chart,
    }
    return render(request, "dashboards/maps/audit_points.html", context)


@login_required
def cluster_regions(request, cluster_pk, region_set_slug):
    region_set = get_object_or_404(RegionSet, slug=region_set_slug)
    cluster = get_object_or_404(
        ClusterDefinition.objects.for_user(request.user, organisation=request.organisation), pk=cluster_pk
    )
    run = latest_run(request, region_set)
    context = {"region_set": region_set, "cluster": cluster, "run": run, "command": score_command(region_set)}
    if run is None:
        return render(request, "dashboards/maps/cluster_regions.html", context)
    scores = list(
        Score.objects.filter(run=run, cluster=cluster).only(
            "pk", "region_id", "employment", "lq", "strong", "strong10", "significant", "right_to_win", "want_to_win"
        )
    )
    regions = _regions(region_set, boundary=True)
    by_pk = {r.pk: r for r in regions}
    ranked = sorted(
        (s for s in scores if s.region_id in by_pk),
        key=lambda s: (s.right_to_win is None, -(s.right_to_win or 0), -(s.lq or 0)),
    )
    rows = [{"rank": i, "region": by_pk[s.region_id], "score": s} for i, s in enumerate(ranked, start=1)]
    mapped = [(by_pk[s.region_id].code, by_pk[s.region_id].name, s.lq) for s in ranked if s.lq is not None]
    chart = ""
    if mapped:
        center, zoom = _set_view(regions)
        figure = map_charts.choropleth_figure(
            geojson=map_charts.feature_collection(regions),
            rows=mapped,
            label="Location quotient",
            center=center,
            zoom=zoom,
        )
        chart = figure_html(figure, div_id="cluster-lq", label=f"Map of the location quotient of {cluster.name}")
    context.update(
        rows=rows[:50],
        total=len(rows),
        strong_count=sum(1 for s in scores if s.strong),
        chart=chart,
        choropleth_query=urlencode({"cluster": cluster.code, "indicator": "lq"}),
    )
    return render(request, "dashboards/maps/cluster_regions.html", context)


def _region_sets():
    return list(RegionSet.objects.order_by("name").only("pk", "slug", "name"))


@login_required
def benchmark(request):
    region_sets = _region_sets()
    slug = request.GET.get("region_set") or (region_sets[0].slug if region_sets else "")
    region_set = next((rs for rs in region_sets if rs.slug == slug), None)
    codes = [c.strip() for c in request.GET.getlist("regions") if c.strip()]
    codes = list(dict.fromkeys(codes))
    context = {"region_sets": region_sets, "region_set": region_set, "codes": codes, "errors": []}
    errors = context["errors"]
    if region_set is None:
        if slug:
            errors.append(f"Unknown region set “{slug}”.")
        return render(request, "dashboards/maps/benchmark.html", context, status=400 if errors else 200)
    context["command"] = score_command(region_set)
    regions = _regions(region_set)
    context["all_regions"] = regions
    if not codes:
        return render(request, "dashboards/maps/benchmark.html", context)
    by_code = {r.code: r for r in regions}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        errors.append(f"Not in {region_set.name}: {', '.join(unknown)}.")
    if len(codes) < BENCHMARK_MIN:
        errors.append(f"Choose at least {BENCHMARK_MIN} regions to compare.")
    if len(codes) > BENCHMARK_MAX:
        errors.append(f"Choose at most {BENCHMARK_MAX} regions (you chose {len(codes)}).")
    if errors:
        return render(request, "dashboards/maps/benchmark.html", context, status=400)
    run = latest_run(request, region_set)
    context["run"] = run
    if run is None:
        return render(request, "dashboards/maps/benchmark.html", context)
    selected = [by_code[c] for c in codes]
    clusters = {c.pk: c for c in _run_clusters(request, run)}
    values = {}
    for region_id, cluster_id, value in Score.objects.filter(
        run=run, region__in=[r.pk for r in selected], cluster__in=list(clusters)
    ).values_list("region_id", "cluster_id", "right_to_win"):
        values[(region_id, cluster_id)] = value

    def average(cluster_id):
        present = [values.get((r.pk, cluster_id)) for r in selected]
        present = [v for v in present if v is not None]
        return sum(present) / len(present) if present else None

    averages = {pk: average(pk) for pk in clusters}
    top = sorted((pk for pk, avg in averages.items() if avg is not None), key=lambda pk: -averages[pk])
    top = top[:BENCHMARK_CLUSTERS]
    series = [(r.name, [values.get((r.pk, pk)) for pk in top]) for r in selected]
    chart = ""
    if top:
        figure = map_charts.benchmark_figure(clusters=[clusters[pk].name for pk in top], series=series)
        chart = figure_html(figure, div_id="benchmark", label="Right to win by cluster for the selected regions")
    context.update(
        selected=selected,
        chart=chart,
        table=[
            {"cluster": clusters[pk], "average": averages[pk], "values": [values.get((r.pk, pk)) for r in selected]}
            for pk in top
        ],
    )
    return render(request, "dashboards/maps/benchmark.html", context)


def employment_similarity(region_ids, cluster_ids, triples):
    """Cosine similarity of every region's cluster employment-share vector to every other's.

    ``triples`` are ``(region_id, cluster_id, employment)``. Returns the (R, R) matrix.
    """
    import numpy as np

    row = {pk: i for i, pk in enumerate(region_ids)}
    column = {pk: j for j, pk in enumerate(cluster_ids)}
    matrix = np.zeros((len(region_ids), len(cluster_ids)))
    for region_id, cluster_id, employment in triples:
        if employment and region_id in row and cluster_id in column:
            matrix[row[region_id], column[cluster_id]] = employment
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    norms = np.linalg.norm(shares, axis=1, keepdims=True)
    unit = np.divide(shares, norms, out=np.zeros_like(shares), where=norms > 0)
    return unit @ unit.T


@login_required
def peers(request):
    region_sets = _region_sets()
    slug = request.GET.get("region_set") or (region_sets[0].slug if region_sets else "")
    region_set = next((rs for rs in region_sets if rs.slug == slug), None)
    code = request.GET.get("region", "").strip()
    context = {"region_sets": region_sets, "region_set": region_set, "code": code, "errors": []}
    if region_set is None:
        if slug:
            context["errors"].append(f"Unknown region set “{slug}”.")
        return render(request, "dashboards/maps/peers.html", context, status=400 if slug else 200)
    context["command"] = score_command(region_set)
    regions = _regions(region_set)
    context["all_regions"] = regions
    if not code:
        return render(request, "dashboards/maps/peers.html", context)
    region = next((r for r in regions if r.code == code), None)
    if region is None:
        context["errors"].append(f"“{code}” is not a region of {region_set.name}.")
        return render(request, "dashboards/maps/peers.html", context, status=400)
    context["region"] = region
    run = latest_run(request, region_set)
    context["run"] = run
    if run is None:
        return render(request, "dashboards/maps/peers.html", context)
    clusters = _run_clusters(request, run)
    # Benchmark clusters partition employment; custom clusters overlap them, so they stay out of the shares.
    cluster_ids = [c.pk for c in clusters if c.kind == "benchmark"] or [c.pk for c in clusters]
    triples = Score.objects.filter(run=run, cluster__in=cluster_ids).values_list(
        "region_id", "cluster_id", "employment"
    )
    region_ids = [r.pk for r in regions]
    similarity = employment_similarity(region_ids, cluster_ids, triples.iterator(chunk_size=5000))
    me = region_ids.index(region.pk)
    order = [i for i in similarity[me].argsort()[::-1] if i != me][:PEERS]
    peer_rows = []
    for i in order:
        peer = regions[i]
        link = (
            reverse("dashboard_benchmark")
            + "?"
            + urlencode([("region_set", region_set.slug), ("regions", region.code), ("regions", peer.code)])
        )
        peer_rows.append({"region": peer, "similarity": float(similarity[me, i]), "benchmark_url": link})
    top_codes = [region.code] + [row["region"].code for row in peer_rows[: BENCHMARK_MAX - 1]]
    context.update(
        peers=peer_rows,
        benchmark_all_url=reverse("dashboard_benchmark")
        + "?"
        + urlencode([("region_set", region_set.slug)] + [("regions", c) for c in top_codes]),
    )
    return render(request, "dashboards/maps/peers.html", context)
