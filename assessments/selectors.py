"""Reads of scores: an audit's runs and its current scores, one score's explanation, run-level results, and the
scores a listing shows.

Every function reads through ``for_user`` / ``visible_to``, so a caller never sees another organisation's runs,
with relations joined: the pages that use them run a fixed number of queries whatever the row count.
"""

import re
from dataclasses import dataclass, field

from django.db.models import F

from assessments.indicators import AXIS_LABELS, format_indicator, group_label, indicator
from assessments.models import Quadrant, Score, ScoreRun
from audits.models import Audit
from core.models import RunStatus
from scoring.composite import explain, strategy_reasons
from scoring.methodology import AXES, MethodologyError, indicator_table, validate_spec
from stakeholders.models import StakeholderGroup

# --------------------------------------------------------------------------------------------------------
# Scores: the audit's runs, the latest succeeded run's scores, one score's explanation, run-level results
# --------------------------------------------------------------------------------------------------------


@dataclass
class Interval:
    """A 0–100 score with its Monte Carlo interval, as positions for an inline bar."""

    value: float | None
    low: float | None
    high: float | None

    @staticmethod
    def _clip(x):
        return min(max(x, 0.0), 100.0)

    @property
    def has_range(self):
        return self.low is not None and self.high is not None

    @property
    def left(self):
        return self._clip(self.low) if self.has_range else 0.0

    @property
    def width(self):
        return max(self._clip(self.high) - self.left, 0.6) if self.has_range else 0.0

    @property
    def point(self):
        return self._clip(self.value) if self.value is not None else None


def score_run_queryset(*, user, organisation):
    """The score runs ``user`` may read in the active organisation, with methodology and requester joined."""
    return ScoreRun.objects.for_user(user, organisation=organisation).select_related("methodology", "requested_by")


@dataclass
class AuditScores:
    """The audit's latest run (any status), the latest succeeded run and its scores, read in ≤ 3 queries.

    ``candidates`` are the audit's candidate clusters, best opportunity (rank) first; ``others`` the rest of
    the region's clusters in the same order. ``results`` is the scored run's run-level results, ready to show.
    """

    audit: Audit
    run: ScoreRun | None = None
    scored_run: ScoreRun | None = None
    candidates: list = field(default_factory=list)
    others: list = field(default_factory=list)
    results: "RunResults | None" = None

    @property
    def is_active(self):
        return self.run is not None and self.run.is_active

    def _behind(self, run):
        return run is not None and (run.is_stale or (run.audit_version or 0) < self.audit.version)

    @property
    def outdated(self):
        """The scores shown no longer match the audit (it changed since), and no re-score is under way."""
        return not self.is_active and (self._behind(self.run) or self._behind(self.scored_run))

    @property
    def cluster_count(self):
        return len(self.candidates) + len(self.others)

    @property
    def showing_older_run(self):
        return self.scored_run is not None and self.run is not None and self.scored_run.pk != self.run.pk

    @property
    def quadrant_counts(self):
        counts = {value: 0 for value, _ in Quadrant.choices}
        for score in self.candidates:
            if score.quadrant:
                counts[score.quadrant] += 1
        return [(value, label, counts[value]) for value, label in Quadrant.choices]


def _decorate(score):
    score.rtw = Interval(score.right_to_win, score.right_to_win_low, score.right_to_win_high)
    score.wtw = Interval(score.want_to_win, score.want_to_win_low, score.want_to_win_high)
    return score


def audit_scores(*, user, organisation, audit):
    """The audit's scores page: latest run, latest succeeded run, its scores with clusters, run-level results.

    At most three queries (none when ``audit`` comes from :func:`audit_page_queryset` and was never scored).
    """
    runs = score_run_queryset(user=user, organisation=organisation).of_audit(audit).order_by("-created_at", "-pk")
    if hasattr(audit, "latest_run_id"):  # read with the audit (``audit_page_queryset``)
        run = runs.filter(pk=audit.latest_run_id).first() if audit.latest_run_id else None
    else:
        run = runs.first()
    if run is None:
        return AuditScores(audit=audit)
    scored_run = run if run.status == RunStatus.SUCCEEDED else runs.latest_succeeded()
    if scored_run is None:
        return AuditScores(audit=audit, run=run)
    scores = [
        _decorate(score)
        for score in Score.objects.filter(run=scored_run)
        .select_related("cluster")
        .defer("indicators", "explanation")
        .order_by(F("rank").asc(nulls_last=True), "cluster__name")
    ]
    candidates = [s for s in scores if s.candidate]
    return AuditScores(
        audit=audit,
        run=run,
        scored_run=scored_run,
        candidates=candidates,
        others=[s for s in scores if not s.candidate],
        results=run_results(run=scored_run, clusters={s.cluster.code: s.cluster for s in scores}),
    )


def audit_score_run(*, user, organisation, audit, run_id):
    """One of the audit's runs, or ``ScoreRun.DoesNotExist`` (another organisation's or audit's run)."""
    return score_run_queryset(user=user, organisation=organisation).get(audit=audit, pk=run_id)


# --- Run-level results ---------------------------------------------------------------------------------------


@dataclass
class RunResults:
    """A run's maturity, partner strategy per candidate cluster and data coverage, with names for codes."""

    maturity: list
    partner_clusters: list
    coverage: list
    national_growth_window: str = ""
    data_year: int | None = None
    statistics: str = ""
    datasets: list = field(default_factory=list)


def _cluster_name(clusters, code):
    cluster = clusters.get(str(code))
    return cluster.name if cluster else str(code)


_RELATED_PAIR = re.compile(r"\(([\w.-]+) ~ ([\w.-]+)\)")


def _name_codes(reason, clusters):
    """The engine's "serve related clusters (13 ~ 5)" with the clusters' names instead of their codes."""
    return _RELATED_PAIR.sub(
        lambda m: f"({_cluster_name(clusters, m.group(1))} ~ {_cluster_name(clusters, m.group(2))})", reason
    )


def run_results(*, run, clusters):
    """The run's stored results in display form; ``clusters`` maps cluster codes to definitions (no queries)."""
    results = run.results or {}
    maturity = []
    for org in results.get("maturity") or []:
        stages = org.get("stages") or []
        maturity.append(
            {
                **org,
                "cluster_names": [_cluster_name(clusters, c) for c in org.get("clusters") or []],
                "stages_reached": sum(1 for s in stages if s.get("reached")),
            }
        )
    strategy = (results.get("partner_strategy") or {}).get("clusters") or {}
    partner_clusters = []
    for code in results.get("candidates") or list(strategy):
        entry = strategy.get(str(code))
        if entry is None:
            continue
        present = set(entry.get("groups_present") or [])
        recommendations = [
            {**rec, "reasons": [_name_codes(reason, clusters) for reason in rec.get("reasons") or []]}
            for rec in entry.get("recommendations") or []
        ]
        partner_clusters.append(
            {
                **entry,
                "code": str(code),
                "name": _cluster_name(clusters, code),
                "groups": [(value, label, value in present) for value, label in StakeholderGroup.choices],
                "recommendations": recommendations,
            }
        )
    labels = {}
    if run.methodology_id:
        try:
            spec = validate_spec(run.methodology.spec)
        except MethodologyError:
            spec = None
        if spec:
            labels = {key: (axis, entry["label"]) for axis, _, key, _, entry in indicator_table(spec)}
    coverage = [
        {
            "indicator": key,
            "label": labels.get(key, (None, key))[1],
            "axis": AXIS_LABELS.get(labels.get(key, ("",))[0], ""),
            "share": share,
        }
        for key, share in (results.get("coverage") or {}).items()
    ]
    return RunResults(
        maturity=maturity,
        partner_clusters=partner_clusters,
        coverage=coverage,
        national_growth_window=results.get("national_growth_window") or "",
        data_year=results.get("data_year"),
        statistics=results.get("statistics") or "",
        datasets=results.get("datasets") or [],
    )


# --- One score's explanation ---------------------------------------------------------------------------------


def audit_score(*, audit, score_id):
    """One score of one of the audit's own runs (never a scenario's) with its run, methodology and cluster, or
    ``Score.DoesNotExist``.

    ``audit`` must come from :func:`audit_queryset`, so visibility has already been checked.
    """
    return Score.objects.select_related("run", "run__methodology", "cluster").get(
        run__in=ScoreRun.objects.of_audit(audit), pk=score_id
    )


@dataclass
class ScoreExplanation:
    """One score's recommended strategy with its reasons, and per axis every indicator's part in the score."""

    score: Score
    strategy: str
    summary: str
    reasons: list
    axes: list


def score_explanation(*, score):
    """Rebuild a score's explanation from its stored indicators and its run's methodology (pure, no queries)."""
    spec = validate_spec(score.run.methodology.spec)
    raw = {k: v[0] for k, v in (score.indicators or {}).items()}
    normalised = {k: v[1] for k, v in (score.indicators or {}).items()}
    detail = explain(raw, normalised, spec)
    stored = score.explanation or {}
    if not stored.get("reasons") and score.quadrant:
        labels = {key: entry["label"] for _, _, key, _, entry in indicator_table(spec)}
        stored = strategy_reasons(score.quadrant, detail, labels)
    axes = []
    for axis in AXES:
        part = detail[axis]
        up, down = set(part["drivers_up"]), set(part["drivers_down"])
        rows, missing = [], []
        for row in part["indicators"]:
            row = {
                **row,
                "group_label": group_label(row["group"]),
                "raw_text": format_indicator(row["indicator"], row["raw"]),
                "driver": "up" if row["indicator"] in up else "down" if row["indicator"] in down else "",
            }
            if row["normalised"] is None:
                row["hint"] = indicator(row["indicator"]).fed_by
                missing.append(row)
            else:
                rows.append(row)
        axes.append(
            {
                "key": axis,
                "label": AXIS_LABELS[axis],
                "score": part["score"],
                "coverage": part["coverage"],
                "rows": rows,
                "missing": missing,
                "drivers_up": [r for r in rows if r["driver"] == "up"],
                "drivers_down": [r for r in rows if r["driver"] == "down"],
                "total": sum(r["contribution"] or 0 for r in rows),
            }
        )
    return ScoreExplanation(
        score=score,
        strategy=stored.get("strategy", ""),
        summary=stored.get("summary", ""),
        reasons=stored.get("reasons", []),
        axes=axes,
    )


# --- Scores for the API --------------------------------------------------------------------------------------


def current_score_runs(
    *,
    organisation,
    run=None,
    region_set=None,
    year=None,
    methodology=None,
    methodology_version=None,
    audit=None,
    scenario=None,
):
    """Ids of the succeeded runs whose scores a score listing shows.

    With ``run``, that run (if visible and succeeded). Otherwise the latest succeeded run of every subject
    (region set × year × methodology × audit × scenario) visible to ``organisation`` — public region-set runs
    and the organisation's own — narrowed by the other arguments; scenario runs only when ``scenario`` is given.
    One query over the runs table, which holds one row per run, not per score.
    """
    runs = ScoreRun.objects.visible_to(organisation).filter(status=RunStatus.SUCCEEDED)
    if run is not None:
        return list(runs.filter(pk=run).values_list("pk", flat=True))
    narrowing = {
        "region_set__slug": region_set,
        "year": year,
        "methodology_id": methodology,
        "methodology__version": methodology_version,
        "audit_id": audit,
        "scenario_id": scenario,
    }
    runs = runs.filter(**{key: value for key, value in narrowing.items() if value not in (None, "")})
    if scenario in (None, ""):
        runs = runs.filter(scenario__isnull=True)
    latest = {}
    subjects = runs.order_by("-finished_at", "-pk").values_list(
        "pk", "region_set_id", "year", "methodology_id", "audit_id", "scenario_id"
    )
    for pk, *subject in subjects:
        latest.setdefault(tuple(subject), pk)
    return sorted(latest.values())


def score_history(*, score, organisation):
    """The same region and cluster in every succeeded run of the same subject (region set, audit, no scenario),
    newest first: how the score moved as statistics, audit versions or methodologies changed."""
    run = score.run
    runs = ScoreRun.objects.visible_to(organisation).filter(
        status=RunStatus.SUCCEEDED, region_set_id=run.region_set_id, audit_id=run.audit_id, scenario__isnull=True
    )
    return (
        Score.objects.filter(run__in=runs, region_id=score.region_id, cluster_id=score.cluster_id)
        .select_related("run", "run__methodology")
        .defer("indicators", "explanation")
        .order_by("-run__finished_at", "-run_id")
    )
