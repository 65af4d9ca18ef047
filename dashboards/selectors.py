"""Every read of the dashboards, in a fixed number of queries whatever the size of a region set.

Runs are read through ``for_user`` with the active organisation, and "the latest run" is always
``ScoreRun.objects.latest_succeeded`` (the run that finished last). Nothing here builds a figure: the views pass
what these return to ``dashboards.charts``.
"""

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Exists, F, Max, OuterRef, Subquery

from anchors.models import AnchorInstitution, AnchorType
from assessments.indicators import AXIS_LABELS, group_label
from assessments.models import Score, ScoreRun
from assessments.selectors import run_results, score_explanation
from assessments.services import scenarios
from audits import selectors as audit_selectors
from audits.models import Audit
from clusters.models import ClusterDefinition, ClusterScope
from core.models import RunStatus
from regions.models import Dataset, EconomicObservation, Region, RegionSet
from regions.selectors import employment_over_years
from scoring.methodology import MethodologyError, indicator_table, validate_spec
from stakeholders.models import Stakeholder

DEFAULT_THRESHOLDS = {"right_to_win": 50.0, "want_to_win": 50.0}
BASE_INDICATORS = [
    ("right_to_win", "Right to win", ".1f"),
    ("want_to_win", "Want to win", ".1f"),
    ("lq", "Location quotient", ".2f"),
    ("employment", "Employment", ",.0f"),
]
BENCHMARK_CLUSTERS = 15
PEERS = 10


# --------------------------------------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------------------------------------


def reference_data_summary(*, user, organisation):
    """Region sets with region counts, visible clusters by kind, and the loaded datasets."""
    kinds = (
        ClusterDefinition.objects.for_user(user, organisation=organisation)
        .order_by()
        .values("kind", "scope")
        .annotate(n=Count("pk"))
    )
    by_kind = {(row["kind"], row["scope"]): row["n"] for row in kinds}
    return {
        "region_sets": RegionSet.objects.annotate(region_count=Count("regions")).order_by("name"),
        "cluster_total": sum(by_kind.values()),
        "benchmark_traded": by_kind.get(("benchmark", "traded"), 0),
        "benchmark_local": by_kind.get(("benchmark", "local"), 0),
        "custom_clusters": sum(n for (kind, _), n in by_kind.items() if kind != "benchmark"),
        "datasets": Dataset.objects.filter(loaded_at__isnull=False).order_by("name"),
    }


# --------------------------------------------------------------------------------------------------------
# Runs: which run a page reads
# --------------------------------------------------------------------------------------------------------


def visible_runs(*, user, organisation):
    return ScoreRun.objects.for_user(user, organisation=organisation).select_related("methodology")


def audit_latest_run(*, user, organisation, audit):
    """The audit's latest succeeded run (its own, never a scenario's), or None."""
    return visible_runs(user=user, organisation=organisation).of_audit(audit).latest_succeeded()


def region_latest_run(*, user, organisation, region_set, region):
    """The latest succeeded run over the whole ``region_set`` that scored ``region``, or None."""
    scored = Exists(Score.objects.filter(run=OuterRef("pk"), region=region))
    runs = visible_runs(user=user, organisation=organisation).of_region_set(region_set)
    return runs.filter(scored).latest_succeeded()


def region_set_latest_run(*, user, organisation, region_set):
    """The latest succeeded run over ``region_set`` in the most recent year that has one, or None (one query)."""
    runs = visible_runs(user=user, organisation=organisation).of_region_set(region_set)
    newest_year = runs.succeeded().order_by("-year").values("year")[:1]
    return runs.filter(year=Subquery(newest_year)).latest_succeeded()


def region_set_statistics_year(region_set):
    """The newest year with public statistics for a region of ``region_set`` (the year to score it at), or None."""
    rows = EconomicObservation.objects.public().filter(region__region_sets=region_set)
    return rows.aggregate(year=Max("year"))["year"]


def thresholds_of(run):
    """The run's quadrant thresholds; the defaults when its methodology can no longer be read."""
    try:
        return validate_spec(run.methodology.spec)["thresholds"]
    except (MethodologyError, KeyError, TypeError):
        return DEFAULT_THRESHOLDS


# --------------------------------------------------------------------------------------------------------
# The region dashboard and the cluster-in-region page
# --------------------------------------------------------------------------------------------------------


def cluster_strength(scores):
    """Share of the region's traded employment in strong traded clusters (None without traded employment)."""
    traded = [s for s in scores if s.cluster.scope == ClusterScope.TRADED and s.employment]
    total = sum(s.employment for s in traded)
    if not total:
        return None
    return sum(s.employment for s in traded if s.strong) / total


@dataclass
class RegionDashboard:
    """A region's scores in one run: every cluster, the charted ones (an audit's candidates), and its strength."""

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
    """The run's scores for ``region`` in one query (cluster joined) and the region's cluster strength."""
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
    return dashboard


def score_queryset(*, user, organisation):
    """Scores of the runs the user may see, with what the cluster-in-region page shows joined."""
    return Score.objects.select_related(
        "run", "run__methodology", "run__audit", "run__region_set", "cluster", "region"
    ).filter(run__in=ScoreRun.objects.for_user(user, organisation=organisation))


def _partner_strategy(run, cluster):
    """The run's partner strategy for ``cluster`` (brokers included), or None."""
    results = run_results(run=run, clusters={cluster.code: cluster})
    partner = next((p for p in results.partner_clusters if p["code"] == cluster.code), None)
    if partner is None:
        entry = ((run.results or {}).get("partner_strategy") or {}).get("clusters", {}).get(cluster.code)
        partner = entry and {**entry, "code": cluster.code, "name": cluster.name}
    return partner or None


def cluster_in_region(*, score):
    """What the cluster-in-region page shows besides its figures: the score's explanation, the employment trend,
    and for an audit's run the partner strategy and the cluster's partner network.

    Raises ``MethodologyError`` when the run's methodology can no longer be read.
    """
    run, audit = score.run, score.run.audit
    return {
        "score": score,
        "run": run,
        "audit": audit,
        "explanation": score_explanation(score=score),
        "trend": employment_over_years(score.region, score.cluster),
        "partner": _partner_strategy(run, score.cluster) if audit is not None else None,
        "network": audit_selectors.cluster_network(audit=audit, cluster=score.cluster) if audit is not None else None,
    }


# --------------------------------------------------------------------------------------------------------
# Maps and benchmarking
# --------------------------------------------------------------------------------------------------------


def region_sets():
    return list(RegionSet.objects.order_by("name").only("pk", "slug", "name"))


def set_regions(region_set, *, boundary=False):
    """The set's regions by name, with their boundaries when ``boundary``."""
    fields = ["pk", "code", "name", "latitude", "longitude"] + (["boundary"] if boundary else [])
    return list(Region.objects.filter(region_sets=region_set).only(*fields).order_by("name"))


def run_clusters(*, user, organisation, run):
    """The clusters scored in ``run`` that the user may see, in the usual order."""
    scored = Score.objects.filter(run=run).values("cluster_id")
    return list(
        ClusterDefinition.objects.for_user(user, organisation=organisation)
        .filter(pk__in=scored)
        .only("pk", "code", "name", "kind", "scope")
    )


def _methodology_indicators(run):
    """``(key, label, format)`` of the base indicators, then of each indicator of the run's methodology."""
    choices = list(BASE_INDICATORS)
    seen = {key for key, _, _ in choices}
    for _axis, _group, key, _weight, entry in indicator_table(run.methodology.spec):
        if key not in seen:
            seen.add(key)
            choices.append((key, entry.get("label") or key, ",.3g"))
    return choices


def indicator_keys(run):
    """Every indicator a map of ``run`` can show."""
    return [key for key, _, _ in _methodology_indicators(run)]


def indicator_choices(run, scores, selected=""):
    """The base indicators plus each methodology indicator with a raw value in ``scores`` (and ``selected``)."""
    with_data = {selected}
    for score in scores:
        for key, pair in (score.indicators or {}).items():
            if pair and pair[0] is not None:
                with_data.add(key)
    return [c for i, c in enumerate(_methodology_indicators(run)) if i < len(BASE_INDICATORS) or c[0] in with_data]


def _value(score, key):
    if hasattr(Score, key) and key != "indicators":
        return getattr(score, key)
    pair = (score.indicators or {}).get(key)
    return pair[0] if pair else None


def cluster_scores(*, run, cluster):
    """The cluster's scores in ``run``, one per region, with the values a map shows."""
    return list(
        Score.objects.filter(run=run, cluster=cluster).only(
            "pk",
            "region_id",
            "employment",
            "lq",
            "strong",
            "strong10",
            "significant",
            "right_to_win",
            "want_to_win",
            "indicators",
        )  # fmt: skip
    )


def indicator_rows(regions, scores, key):
    """``{code, name, value}`` of indicator ``key`` for every region (value None where it has none)."""
    by_region = {s.region_id: _value(s, key) for s in scores}
    return [{"code": r.code, "name": r.name, "value": by_region.get(r.pk)} for r in regions]


def audit_points(audit):
    """The audit's anchors and stakeholders as map points (located or not), anchors first."""
    points = [
        {
            "kind": "anchor",
            "name": anchor.name,
            "type": anchor.get_anchor_type_display(),
            "group": anchor.stakeholder_group,
            "latitude": anchor.latitude,
            "longitude": anchor.longitude,
            "city": anchor.city,
        }
        for anchor in AnchorInstitution.objects.filter(audit=audit).order_by("name")
    ]
    points += [
        {
            "kind": "stakeholder",
            "name": stakeholder.name,
            "type": stakeholder.sector or stakeholder.get_group_display(),
            "group": stakeholder.group,
            "latitude": stakeholder.latitude,
            "longitude": stakeholder.longitude,
            "city": stakeholder.city,
        }
        for stakeholder in Stakeholder.objects.filter(audit=audit).order_by("group", "name")
    ]
    return points


def cluster_ranking(*, run, regions, cluster):
    """The cluster's scores across ``regions`` ranked by right to win (then location quotient): ``rank``,
    ``region`` and ``score`` per row."""
    by_pk = {r.pk: r for r in regions}
    ranked = sorted(
        (s for s in cluster_scores(run=run, cluster=cluster) if s.region_id in by_pk),
        key=lambda s: (s.right_to_win is None, -(s.right_to_win or 0), -(s.lq or 0)),
    )
    return [{"rank": i, "region": by_pk[s.region_id], "score": s} for i, s in enumerate(ranked, start=1)]


@dataclass
class Benchmark:
    """Right to win of the top clusters (by average over the selected regions) in each selected region."""

    selected: list
    clusters: list  # the top clusters, best average first
    table: list  # {cluster, average, values (one per selected region)}

    @property
    def series(self):
        """``(region name, [value per top cluster])`` per selected region."""
        return [(region.name, [row["values"][i] for row in self.table]) for i, region in enumerate(self.selected)]


def benchmark(*, user, organisation, run, selected):
    """The ``Benchmark`` of ``selected`` regions in ``run`` over the clusters the user may see."""
    clusters = {c.pk: c for c in run_clusters(user=user, organisation=organisation, run=run)}
    values = {
        (region_id, cluster_id): value
        for region_id, cluster_id, value in Score.objects.filter(
            run=run, region__in=[r.pk for r in selected], cluster__in=list(clusters)
        ).values_list("region_id", "cluster_id", "right_to_win")
    }

    def average(cluster_id):
        present = [v for v in (values.get((r.pk, cluster_id)) for r in selected) if v is not None]
        return sum(present) / len(present) if present else None

    averages = {pk: average(pk) for pk in clusters}
    top = sorted((pk for pk, avg in averages.items() if avg is not None), key=lambda pk: -averages[pk])
    table = [
        {"cluster": clusters[pk], "average": averages[pk], "values": [values.get((r.pk, pk)) for r in selected]}
        for pk in top[:BENCHMARK_CLUSTERS]
    ]
    return Benchmark(selected=selected, clusters=[row["cluster"] for row in table], table=table)


def employment_similarity(region_ids, cluster_ids, triples):
    """Cosine similarity of every region's cluster employment-share vector to every other's.

    ``triples`` are ``(region_id, cluster_id, employment)``. Returns the (R, R) matrix.
    """
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


def peer_regions(*, user, organisation, run, regions, region):
    """The ``PEERS`` regions of ``regions`` most alike ``region``, as ``(region, similarity)``, most alike first."""
    clusters = run_clusters(user=user, organisation=organisation, run=run)
    # Benchmark clusters partition employment; custom clusters overlap them, so they stay out of the shares.
    cluster_ids = [c.pk for c in clusters if c.kind == "benchmark"] or [c.pk for c in clusters]
    triples = Score.objects.filter(run=run, cluster__in=cluster_ids).values_list(
        "region_id", "cluster_id", "employment"
    )
    region_ids = [r.pk for r in regions]
    similarity = employment_similarity(region_ids, cluster_ids, triples.iterator(chunk_size=5000))
    me = region_ids.index(region.pk)
    order = [i for i in similarity[me].argsort()[::-1] if i != me][:PEERS]
    return [(regions[i], float(similarity[me, i])) for i in order]


# --------------------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------------------


@dataclass
class Delta:
    """One candidate cluster before and after the scenario."""

    code: str
    name: str
    right_before: float | None
    right_after: float | None
    want_before: float | None
    want_after: float | None
    quadrant_before: str
    quadrant_after: str

    @staticmethod
    def _diff(after, before):
        return None if after is None or before is None else after - before

    @property
    def right_delta(self):
        return self._diff(self.right_after, self.right_before)

    @property
    def want_delta(self):
        return self._diff(self.want_after, self.want_before)

    @property
    def quadrant_changed(self):
        return self.quadrant_before != self.quadrant_after

    @property
    def placed(self):
        return None not in (self.right_before, self.right_after, self.want_before, self.want_after)


def deltas(before_scores, after_scores):
    """``Delta`` rows for the clusters in either run (scores with ``cluster`` loaded), ordered by name."""
    before = {s.cluster.code: s for s in before_scores}
    after = {s.cluster.code: s for s in after_scores}
    rows = []
    for code in sorted(set(before) | set(after)):
        b, a = before.get(code), after.get(code)
        cluster = (a or b).cluster
        rows.append(
            Delta(
                code=code,
                name=cluster.name,
                right_before=b.right_to_win if b else None,
                right_after=a.right_to_win if a else None,
                want_before=b.want_to_win if b else None,
                want_after=a.want_to_win if a else None,
                quadrant_before=b.quadrant if b else "",
                quadrant_after=a.quadrant if a else "",
            )
        )
    return sorted(rows, key=lambda d: d.name)


def scenario_changes(scenario):
    """The scenario's overrides in words, with labels and cluster names (never codes or internal keys):
    ``[(icon, text), ...]``."""
    overrides = scenario.overrides or {}
    codes = {a["cluster"] for a in overrides.get("add_jobs", [])}
    codes |= {code for a in overrides.get("add_anchors", []) for code in a.get("clusters", [])}
    names = dict(ClusterDefinition.objects.filter(audits=scenario.audit, code__in=codes).values_list("code", "name"))
    types = dict(AnchorType.choices)
    changes = []
    for anchor in overrides.get("add_anchors", []):
        kind = types.get(anchor.get("anchor_type"), anchor.get("anchor_type") or "anchor").lower()
        staff = f", {anchor['staff']:,} staff" if anchor.get("staff") else ""
        serves = ", ".join(names.get(code, code) for code in anchor.get("clusters", [])) or "no cluster"
        changes.append(("bank", f"Add the anchor “{anchor['name']}” ({kind}{staff}) serving {serves}"))
    for item in overrides.get("add_jobs", []):
        verb = "Add" if item["jobs"] >= 0 else "Remove"
        cluster = names.get(item["cluster"], item["cluster"])
        changes.append(("people", f"{verb} {abs(item['jobs']):,} jobs in {cluster}"))
    for key, value in (overrides.get("weights") or {}).items():
        axis, _, group = key.partition(".")
        changes.append(("sliders", f"Weight of {AXIS_LABELS.get(axis, axis)} · {group_label(group)} → {value}"))
    return changes


def scenario_comparison(scenario):
    """``(before run, after run, delta rows)`` for a scenario's candidate clusters.

    Before is the audit's baseline (its latest succeeded run); after is the scenario's latest run, whatever its
    status, so the page can say it is still running or failed.
    """
    before = scenarios.baseline_run(scenario.audit)
    after = scenarios.scenario_latest_run(scenario)

    def candidates(run):
        if run is None or run.status != RunStatus.SUCCEEDED:
            return []
        return list(Score.objects.filter(run=run, candidate=True).select_related("cluster"))

    return before, after, deltas(candidates(before), candidates(after))
