"""Score runs (request, claim, execute, fan out, fail, reconcile), staleness.

A score request flows one way: ``score_run_request`` creates a run row (or returns the identical queued or
running one) and enqueues it on commit; a worker claims the row with a conditional update and calls
``score_run_execute``, which reads frames through ``assessments.inputs``, runs the engine and writes every score
and the run's success in one transaction. Large runs fan their Monte Carlo out in region chunks
(``score_run_chunk``); the last chunk to finish writes the scores.
"""

import dataclasses
import io
import json
import logging
import math
import os
import socket
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from numpy.typing import ArrayLike, NDArray

from assessments import score_cache, tasks
from assessments.inputs import NoStatistics, PanelContext, audit_inputs, economic_panel
from assessments.models import Methodology, Scenario, Score, ScoreRun, ScoreRunChunk
from assessments.services import ScoringError, methodologies, scenarios
from audits.models import Audit
from clusters.models import ClusterDefinition, ClusterRelatedness
from core.bulk import insert_rows
from core.models import Organisation, RunStatus
from integrations.services import webhooks_notify
from regions.models import Dataset, RegionSet
from scoring import composite, pipeline
from scoring.composite import explain, strategy_reasons
from scoring.methodology import spec_fingerprint, validate_spec
from scoring.types import Floats, Json

Plan = list[NDArray[np.intp]]  # the unit positions of each Monte Carlo chunk; empty when the run does not fan out

logger = logging.getLogger(__name__)

# Monte Carlo work (units × draws) above which a run fans out across workers, and the work per chunk.
FAN_OUT_WORK = 20_000_000
CHUNK_WORK = 5_000_000
MAX_ATTEMPTS = 3

# --------------------------------------------------------------------------------------------------------
# Requesting and claiming runs
# --------------------------------------------------------------------------------------------------------


def _fingerprint(
    *,
    region_set: RegionSet,
    year: int,
    methodology: Methodology,
    audit: Audit | None,
    scenario: Scenario | None,
    organisation: Organisation | None,
) -> str:
    payload = {
        "methodology": spec_fingerprint(methodology.spec),
        "region_set": region_set.slug,
        "year": year,
        "datasets": sorted(Dataset.objects.values_list("slug", "fingerprint")),
        "organisation": organisation.pk if organisation else None,
        "custom_clusters": sorted(
            ClusterDefinition.objects.filter(organisation=organisation).values_list("pk", "updated_at")
        )
        if organisation
        else [],
        "audit": audit_inputs(audit).fingerprint_payload if audit else None,
        "scenario": {"id": scenario.pk, "overrides": scenario.overrides} if scenario else None,
    }
    fingerprint: str = ScoreRun.fingerprint_of(payload)
    return fingerprint


def score_run_request(
    *,
    region_set: RegionSet | None = None,
    year: int | None = None,
    methodology: Methodology | None = None,
    audit: Audit | None = None,
    scenario: Scenario | None = None,
    trigger: str = "",
    user: User | AnonymousUser | None = None,
    force: bool = False,
) -> tuple[ScoreRun, bool]:
    """Ask for a score run; returns ``(run, created)``.

    Identical inputs (same fingerprint) return the queued or running run, or — unless ``force`` — the latest
    succeeded one, which already holds those scores. A new run is enqueued once the transaction commits.
    """
    if audit is not None:
        if reason := audit.unscoreable_reason:
            raise ScoringError(reason)
        region_set, year = audit.region_set, audit.year
    if region_set is None or year is None:
        raise ScoringError("A run needs a region set and a year, or an audit.")
    methodology = methodology or methodologies.methodology_default()
    organisation = audit.organisation if audit else methodology.organisation
    fingerprint = _fingerprint(
        region_set=region_set,
        year=year,
        methodology=methodology,
        audit=audit,
        scenario=scenario,
        organisation=organisation,
    )
    with transaction.atomic():
        existing = ScoreRun.objects.select_for_update().filter(fingerprint=fingerprint)
        active = existing.filter(status__in=ScoreRun.ACTIVE).first()
        if active:
            return active, False
        if not force:
            done = existing.filter(is_stale=False).latest_succeeded()
            if done:
                return done, False
        run = ScoreRun.objects.create(
            organisation=organisation,
            region_set=region_set,
            year=year,
            methodology=methodology,
            audit=audit,
            audit_version=audit.version if audit else None,
            scenario=scenario,
            fingerprint=fingerprint,
            trigger=trigger[:40],
            requested_by=user if user is not None and user.is_authenticated else None,
        )
        run.append_log(f"requested ({trigger or 'manual'})")
        run.save(update_fields=["log"])
        tasks.execute_score_run.delay_on_commit(run.pk)
    return run, True


def _fresh(run_id: int) -> ScoreRun:
    """The run's row as it is now."""
    run: ScoreRun = ScoreRun.objects.get(pk=run_id)
    return run


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def score_run_fail(*, run_id: int, error: object, status: str = RunStatus.FAILED) -> None:
    """Record a failed (or timed-out) run with its error; idempotent."""
    now = timezone.now()
    run = ScoreRun.objects.get(pk=run_id)
    run.append_log(f"{status}: {error}")
    ScoreRun.objects.filter(pk=run_id).update(status=status, error=str(error)[:5000], finished_at=now, log=run.log)
    score_cache.scores_changed()
    logger.warning("score run %s %s: %s", run_id, status, error)
    _announce_finished(run_id)


def _announce_finished(run_id: int) -> None:
    """Once the finishing transaction commits, tell the organisation's webhooks (public runs have no audience)."""

    def notify() -> None:
        run = ScoreRun.objects.select_related("region_set", "methodology").filter(pk=run_id).first()
        if run is None or run.organisation_id is None:
            return
        path = reverse("api:run-detail", args=[run.pk])
        data = {
            "run": {
                "id": run.pk,
                "url": f"{settings.PUBLIC_BASE_URL}{path}",
                "status": run.status,
                "audit": run.audit_id,
                "audit_version": run.audit_version,
                "scenario": run.scenario_id,
                "region_set": run.region_set.slug,
                "year": run.year,
                "methodology": {
                    "id": run.methodology_id,
                    "name": run.methodology.name,
                    "version": run.methodology.version,
                },
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "error": run.error,
                "scores_url": f"{settings.PUBLIC_BASE_URL}{reverse('api:score-list')}?run={run.pk}",
            }
        }
        webhooks_notify(
            organisation_id=run.organisation_id,
            event="score_run.finished",
            event_id=f"score_run.{run.pk}.{run.status}",
            data=data,
        )

    transaction.on_commit(notify)


# --------------------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------------------


def _progress(run: ScoreRun, percent: int, message: str | None = None) -> None:
    fields: dict[str, Any] = {"progress": percent, "heartbeat_at": timezone.now()}
    if message:
        run.append_log(message)
        fields["log"] = run.log
    ScoreRun.objects.filter(pk=run.pk).update(**fields)


def _related_map(clusters: Iterable[ClusterDefinition]) -> dict[str, set[str]]:
    code_of = {c.pk: c.code for c in clusters}
    related: dict[str, set[str]] = {}
    for a, b in ClusterRelatedness.objects.filter(
        cluster_id__in=code_of, related_id__in=code_of, is_related=True
    ).values_list("cluster_id", "related_id"):
        related.setdefault(code_of[a], set()).add(code_of[b])
    return related


def _engine(
    run: ScoreRun, *, fan_out_allowed: bool = True
) -> tuple[pipeline.EngineResult, PanelContext, Json, dict[str, float], Plan]:
    """Read the inputs and run the engine; returns (result, context, plan) where plan lists chunk rows or []."""
    spec = validate_spec(run.methodology.spec)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        panel, context = economic_panel(run.region_set, run.year, organisation=run.organisation)
    except NoStatistics as error:
        raise ScoringError(str(error)) from error
    audit = audit_inputs(run.audit) if run.audit_id else None
    if audit is not None:
        audit.candidates = [c for c in audit.candidates if c in set(panel.clusters)]
        if not audit.candidates:
            raise ScoringError(
                f"None of the audit's candidate clusters has statistics in {run.region_set.name}; "
                "pick clusters defined in its classification."
            )
    if run.scenario_id:
        panel, audit, spec = scenarios.apply_to_run(run, panel, audit, spec)
    timings["read_s"] = round(time.perf_counter() - started, 3)
    draws = spec["uncertainty"]["draws"]
    units = len(panel.regions) * len(panel.clusters)
    fan_out = fan_out_allowed and run.audit_id is None and units * draws > FAN_OUT_WORK
    started = time.perf_counter()
    result = pipeline.run(
        panel,
        spec,
        national_growth=context.national_growth,
        national_overall=context.national_growth_overall,
        audit=audit,
        related=_related_map(context.clusters) if audit is not None else None,
        fan_out=fan_out,
    )
    timings["engine_s"] = round(time.perf_counter() - started, 3)
    plan: Plan = []
    if fan_out:
        plan = pipeline.region_chunks(result.scores.index, math.ceil(units * draws / CHUNK_WORK))
    return result, context, spec, timings, plan


def score_run_execute(*, run_id: int, worker: str | None = None) -> ScoreRun:
    """Claim and compute a run. Returns the run; a run someone else claimed is returned untouched."""
    run: ScoreRun = ScoreRun.objects.select_related("methodology", "region_set", "audit", "organisation").get(pk=run_id)
    if run.status == RunStatus.QUEUED and run.attempts >= MAX_ATTEMPTS:
        score_run_fail(run_id=run.pk, error=f"gave up after {run.attempts} attempts")
        return _fresh(run_id)
    if not run.claim(worker or _worker_name()):
        return run
    _progress(run, 5, f"claimed by {run.worker} (attempt {run.attempts})")
    try:
        result, context, spec, timings, plan = _engine(run)
    except ScoringError as error:
        score_run_fail(run_id=run.pk, error=error)
        return _fresh(run_id)
    if plan:
        return _fan_out(run, result, context, spec, timings, plan)
    _progress(run, 80, f"engine done in {timings['engine_s']} s; writing scores")
    return _write(run, result, context, timings, spec)


def _baseline_key(run: ScoreRun, part: str = "baseline") -> str:
    return f"score-run:{run.pk}:{part}"


def _monte_carlo_inputs(run: ScoreRun) -> tuple[composite.Prepared, Json]:
    """What a chunk needs: the normalised matrices and the spec (cached apart from the heavier baseline)."""
    cached: tuple[composite.Prepared, Json] | None = cache.get(_baseline_key(run, "monte-carlo"))
    if cached is not None:
        return cached
    result, _, spec = _baseline(run)
    return result.prepared, spec


def _baseline(run: ScoreRun) -> tuple[pipeline.EngineResult, PanelContext, Json]:
    """A fanned-out run's inputs and baseline: from the shared cache, or recomputed (deterministic) if evicted."""
    cached: tuple[pipeline.EngineResult, PanelContext, Json] | None = cache.get(_baseline_key(run))
    if cached is not None:
        return cached
    result, context, spec, _, _ = _engine(run)
    return result, context, spec


def _fan_out(
    run: ScoreRun,
    result: pipeline.EngineResult,
    context: PanelContext,
    spec: Json,
    timings: dict[str, float],
    plan: Plan,
) -> ScoreRun:
    """Store the baseline, then enqueue one Monte Carlo task per region chunk."""
    # Chunks on other workers read the baseline from the shared cache (Redis in production) instead of
    # re-reading and recomputing it; a cache miss only costs that recomputation.
    cache.set(_baseline_key(run), (result, context, spec), timeout=3600)
    trimmed = dataclasses.replace(result.prepared, raw=None)  # Monte Carlo reads only the normalised matrices
    cache.set(_baseline_key(run, "monte-carlo"), (trimmed, spec), timeout=3600)

    with transaction.atomic():
        ScoreRunChunk.objects.filter(run=run).delete()
        ScoreRun.objects.filter(pk=run.pk).update(
            chunks_total=len(plan), chunks_done=0, timings=timings, data_year=context.data_year, progress=30
        )
        run.append_log(f"fanning Monte Carlo out in {len(plan)} chunks")
        ScoreRun.objects.filter(pk=run.pk).update(log=run.log)
        for index in range(len(plan)):
            tasks.execute_score_chunk.delay_on_commit(run.pk, index, len(plan))
    return _fresh(run.pk)


def score_run_chunk(*, run_id: int, index: int, total: int) -> ScoreRun:
    """Compute one region chunk's Monte Carlo; the last chunk to finish writes the run's scores."""
    run: ScoreRun = ScoreRun.objects.select_related("methodology", "region_set", "audit", "organisation").get(pk=run_id)
    if run.status != RunStatus.RUNNING or ScoreRunChunk.objects.filter(run=run, index=index).exists():
        return run
    started = time.perf_counter()
    prepared, spec = _monte_carlo_inputs(run)
    rows = pipeline.region_chunks(prepared.index, total)[index]
    frame = pipeline.monte_carlo_rows(prepared, spec, rows)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, rows=rows, values=frame.to_numpy(dtype=np.float64), columns=np.array(frame.columns, dtype=str)
    )
    with transaction.atomic():
        _, created = ScoreRunChunk.objects.get_or_create(
            run=run, index=index, defaults={"payload": buffer.getvalue(), "seconds": time.perf_counter() - started}
        )
        if created:
            ScoreRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1, heartbeat_at=timezone.now())
        done: ScoreRun = ScoreRun.objects.select_for_update().get(pk=run.pk)
        done.progress = 30 + int(60 * done.chunks_done / max(done.chunks_total, 1))
        done.save(update_fields=["progress"])
        last = created and done.chunks_done == done.chunks_total
    if not last:
        return done
    # Every chunk is in: merge the intervals into the baseline and write.
    result, context, spec = _baseline(run)
    merged = result.scores.copy()
    filled: dict[str, Floats] = {}
    for chunk in ScoreRunChunk.objects.filter(run=run).order_by("index"):
        data = np.load(io.BytesIO(bytes(chunk.payload)), allow_pickle=False)
        for j, name in enumerate(data["columns"].tolist()):
            filled.setdefault(name, np.full(len(merged), np.nan))[data["rows"]] = data["values"][:, j]
    for name, values in filled.items():
        merged[name] = values
    result.scores = merged
    chunk_seconds = ScoreRunChunk.objects.filter(run=run).values_list("seconds", flat=True)
    timings = {**done.timings, "chunks_s": round(sum(chunk_seconds), 3)}
    written = _write(done, result, context, timings, spec)
    ScoreRunChunk.objects.filter(run=run).delete()
    cache.delete_many([_baseline_key(run), _baseline_key(run, "monte-carlo")])
    return written


def _write(
    run: ScoreRun, result: pipeline.EngineResult, context: PanelContext, timings: dict[str, float], spec: Json
) -> ScoreRun:
    """Write every score and mark the run succeeded, in one transaction.

    ``spec`` is the methodology the engine actually used (a scenario may have changed its weights), so the stored
    explanations match the scores.
    """
    started = time.perf_counter()
    scores = result.scores
    economics = result.economics
    prepared = result.prepared
    keys = prepared.structure.keys
    region_id = {r.code: r.pk for r in context.regions}
    cluster_id = {c.code: c.pk for c in context.clusters}
    if run.audit is not None:
        keep = scores.index.get_level_values("region") == run.audit.region.code
    else:
        keep = np.ones(len(scores), dtype=bool)
    candidates = set(result.results.get("candidates", []))
    labels = {k: e["label"] for k, e in zip(keys, prepared.structure.entries, strict=True)}
    positions = np.flatnonzero(keep)
    index = scores.index[positions]
    regions = index.get_level_values(0)
    clusters = index.get_level_values(1)
    picked = scores.iloc[positions]
    econ = economics.reindex(index)

    # Column by column: round, turn non-finite into None and convert to Python once per column, so the cost is
    # a few vectorised passes plus one tuple per row rather than a Python call per value.
    def column(values: ArrayLike, digits: int = 6) -> list[float | None]:
        array = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(array)
        rounded: list[float] = np.round(np.where(finite, array, 0.0), digits).tolist()
        return [v if ok else None for v, ok in zip(rounded, finite.tolist(), strict=True)]

    def whole(values: ArrayLike) -> list[int | None]:
        return [None if v is None else int(v) for v in column(values, 0)]

    def optional(name: str) -> Floats:
        return picked[name].to_numpy(dtype=np.float64) if name in picked else np.full(len(picked), np.nan)

    if prepared.raw is None:  # only a Monte Carlo chunk's trimmed copy drops it, and a chunk never writes
        raise ScoringError("The run's baseline has no raw indicator values; score it again.")
    raw = np.round(prepared.raw[positions], 6)
    normalised = np.round(prepared.baseline[positions], 6)
    present = ~(np.isnan(raw) & np.isnan(normalised))
    indicators = [
        json.dumps(
            {k: [None if r[i] != r[i] else r[i], None if n[i] != n[i] else n[i]] for i, k in enumerate(keys) if p[i]}
        )
        for r, n, p in zip(raw.tolist(), normalised.tolist(), present.tolist(), strict=True)
    ]
    quadrant = picked["quadrant"].fillna("").tolist()
    explanations = ["{}"] * len(positions)
    if run.audit_id:
        # An audit run's few scores carry their strategy and reasons; a region set's tens of thousands derive
        # theirs on read from the stored indicators (``explain`` is pure and cheap for one score).
        for row, quadrant_label in enumerate(quadrant):
            if quadrant_label:
                stored = json.loads(indicators[row])
                detail = explain({k: v[0] for k, v in stored.items()}, {k: v[1] for k, v in stored.items()}, spec)
                explanations[row] = json.dumps(strategy_reasons(quadrant_label, detail, labels))
    flags = econ[list(pipeline.STRONG_FLAGS)].fillna(False).to_numpy(dtype=bool)
    rows = list(
        zip(
            [run.pk] * len(positions),
            [region_id[code] for code in regions],
            [cluster_id[code] for code in clusters],
            [code in candidates for code in clusters],
            column(econ["employment"]),
            column(econ["establishments"]),
            column(econ["lq"]),
            *(flags[:, j].tolist() for j in range(flags.shape[1])),
            column(picked["right_to_win"]),
            column(optional("rtw_low")),
            column(optional("rtw_high")),
            column(picked["want_to_win"]),
            column(optional("wtw_low")),
            column(optional("wtw_high")),
            whole(picked["rank"]),
            whole(np.floor(optional("rank_low"))),
            whole(np.ceil(optional("rank_high"))),
            quadrant,
            column(optional("stability")),
            picked["strategy"].fillna("").tolist(),
            column(picked["coverage"]),
            column(econ["ss_competitive"]),
            column(econ["relatedness_density"]),
            indicators,
            explanations,
            strict=True,
        )
    )
    fields = [
        "run_id", "region_id", "cluster_id", "candidate", "employment", "establishments", "lq", "strong",
        "strong10", "significant", "qualifying", "right_to_win", "right_to_win_low", "right_to_win_high",
        "want_to_win", "want_to_win_low", "want_to_win_high", "rank", "rank_low", "rank_high", "quadrant",
        "quadrant_stability", "strategy", "coverage", "shift_share_competitive", "relatedness_density",
        "indicators", "explanation",
    ]  # fmt: skip
    results = {
        **result.results,
        "data_year": context.data_year,
        "start_year": context.start_year,
        "statistics": context.level,
        "national_growth_window": context.national_growth_window,
        "datasets": [slug for slug, _ in context.datasets],
    }
    with transaction.atomic():
        current: ScoreRun = ScoreRun.objects.select_for_update().get(pk=run.pk)
        if current.status != RunStatus.RUNNING:
            return current  # reconciled or failed meanwhile: never write over it
        Score.objects.filter(run=run).delete()
        insert_rows(Score, fields, rows)
        stale = (
            run.audit_id is not None and Audit.objects.filter(pk=run.audit_id, version__gt=run.audit_version).exists()
        )
        timings = {**timings, "write_s": round(time.perf_counter() - started, 3)}
        current.append_log(f"wrote {len(rows)} scores")
        ScoreRun.objects.filter(pk=run.pk).update(
            status=RunStatus.SUCCEEDED,
            progress=100,
            finished_at=timezone.now(),
            data_year=context.data_year,
            results=json.loads(json.dumps(results, default=_json_default)),
            timings=timings,
            is_stale=stale,
            log=current.log,
            error="",
        )
        score_cache.scores_changed()
        _announce_finished(run.pk)
    if connection.vendor == "postgresql" and len(rows) > 10_000:
        # A large COPY leaves the planner without statistics until autovacuum runs; listing the new scores
        # would join and sort the whole table meanwhile. Refresh them now (about a tenth of a second).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Score._meta.db_table}")
    return _fresh(run.pk)


def _json_default(value: object) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, set):
        return sorted(value)
    return str(value)


def score_runs_reconcile(*, stuck_after_seconds: int = 900, now: datetime | None = None) -> dict[str, int]:
    """Re-enqueue runs stuck in queued or running (a lost message, a dead worker); fail those out of attempts.

    The database is the source of truth: a queued run older than the threshold is enqueued again (claiming
    is idempotent, so a duplicate message is harmless); a running run whose heartbeat stopped is put back to
    queued, or failed once it has used its attempts. Returns counts.
    """
    now = now or timezone.now()
    threshold = now - timedelta(seconds=stuck_after_seconds)
    counts = {"requeued": 0, "reset": 0, "failed": 0}
    for run in ScoreRun.objects.filter(status=RunStatus.QUEUED, updated_at__lt=threshold):
        ScoreRun.objects.filter(pk=run.pk).update(updated_at=now)
        tasks.execute_score_run.delay_on_commit(run.pk)
        counts["requeued"] += 1
    for run in ScoreRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=threshold):
        if run.attempts >= MAX_ATTEMPTS:
            score_run_fail(run_id=run.pk, error=f"worker lost {run.attempts} times")
            counts["failed"] += 1
            continue
        reset = ScoreRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, heartbeat_at__lt=threshold).update(
            status=RunStatus.QUEUED, updated_at=now
        )
        if reset:
            tasks.execute_score_run.delay_on_commit(run.pk)
            counts["reset"] += 1
    return counts


# --------------------------------------------------------------------------------------------------------
# Triggers: reference-data reloads
# --------------------------------------------------------------------------------------------------------


def rescore_after_reference_change(*, slugs: Iterable[str]) -> int:
    """Re-request the latest current run of every subject once reference data changed.

    The datasets' fingerprints are part of every run's fingerprint, so each request creates a new run; the
    old scores stay until the new ones are written.
    """
    seen: set[tuple[Any, ...]] = set()
    requested = 0
    for run in (
        ScoreRun.objects.succeeded()
        .filter(is_stale=False)
        .select_related("region_set", "methodology", "audit", "scenario")
        .newest_first()
    ):
        key = (run.region_set_id, run.year, run.methodology_id, run.audit_id, run.scenario_id)
        if key in seen:
            continue
        seen.add(key)
        if run.audit_id:
            score_run_request(audit=run.audit, methodology=run.methodology, trigger="reference data reloaded")
        else:
            score_run_request(
                region_set=run.region_set,
                year=run.year,
                methodology=run.methodology,
                scenario=run.scenario,
                trigger="reference data reloaded",
            )
        requested += 1
    logger.info("reference data changed (%s): %s runs requested", ", ".join(slugs), requested)
    return requested
