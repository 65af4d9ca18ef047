"""Scenarios: an audit plus overrides, scored like an audit and shown as a delta.

What overrides are and how they change the engine's inputs is ``scoring.overrides`` (pure); this module stores
scenarios and requests their runs.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from assessments.inputs import AuditInputs
from assessments.models import Methodology, Scenario, Score, ScoreRun
from assessments.services import ScoringError, methodologies, runs
from audits.models import Audit, AuditCluster
from scoring import overrides as engine_overrides
from scoring.economic import EconomicPanel
from scoring.overrides import OverrideError
from scoring.types import Json


class ScenarioError(ScoringError):
    """Overrides that cannot be applied, with a message the user can act on."""


def validate_overrides(overrides: Any, **checks: Any) -> Json:
    """``scoring.overrides.validate_overrides``, its error as a ``ScenarioError``."""
    try:
        return engine_overrides.validate_overrides(overrides, **checks)
    except OverrideError as error:
        raise ScenarioError(str(error)) from error


def apply_to_run(
    run: ScoreRun, panel: EconomicPanel, audit: AuditInputs | None, spec: Json
) -> tuple[EconomicPanel, AuditInputs | None, Json]:
    """What ``services._engine`` calls for a scenario run."""
    if audit is None:
        raise ScenarioError("A scenario needs an audit.")
    if run.audit is None or run.scenario is None:
        raise ScenarioError("This run is not a scenario run of an audit.")
    includes = run.region_set.benchmark_set.regions.filter(pk=run.audit.region_id).exists()
    try:
        return engine_overrides.apply_overrides(
            panel, audit, spec, run.scenario.overrides, benchmark_includes_region=includes
        )
    except OverrideError as error:
        raise ScenarioError(str(error)) from error


# --------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------


def baseline_run(audit: Audit) -> ScoreRun | None:
    """The audit's latest succeeded run without a scenario (the "before" of every scenario), or None."""
    run: ScoreRun | None = ScoreRun.objects.of_audit(audit).latest_succeeded()
    return run


def candidate_codes(audit: Audit) -> set[str]:
    return set(AuditCluster.objects.filter(audit=audit).values_list("cluster__code", flat=True))


def baseline_employment(audit: Audit) -> dict[str, float | None]:
    """Employment by candidate cluster code in the baseline run (empty if the audit has not been scored)."""
    run = baseline_run(audit)
    if run is None:
        return {}
    return dict(
        Score.objects.filter(run=run, region=audit.region_id, candidate=True).values_list("cluster__code", "employment")
    )


def scenario_validate(*, audit: Audit, overrides: Any, methodology: Methodology | None = None) -> Json:
    """Cleaned overrides for ``audit``; raises ``ScenarioError`` with a message to show."""
    spec = (methodology or methodologies.methodology_default()).spec
    return validate_overrides(
        overrides, clusters=candidate_codes(audit), spec=spec, employment=baseline_employment(audit)
    )


@transaction.atomic
def scenario_create(
    *,
    audit: Audit,
    name: str | None,
    overrides: Any,
    methodology: Methodology | None = None,
    user: User | AnonymousUser | None = None,
    description: str = "",
) -> Scenario:
    """Validate and save a scenario of ``audit`` (in the audit's organisation)."""
    name = (name or "").strip()
    if not name:
        raise ScenarioError("A scenario needs a name.")
    if methodology is not None and methodology.organisation_id not in (None, audit.organisation_id):
        raise ScenarioError("That methodology belongs to another organisation.")
    clean = scenario_validate(audit=audit, overrides=overrides, methodology=methodology)
    if not clean:
        raise ScenarioError("Add an anchor, add jobs or change a weight: the scenario changes nothing yet.")
    return Scenario.objects.create(
        organisation=audit.organisation,
        audit=audit,
        name=name[:200],
        description=description,
        overrides=clean,
        methodology=methodology,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def scenario_score(
    *, scenario: Scenario, user: User | AnonymousUser | None = None, force: bool = False
) -> tuple[ScoreRun, bool]:
    """Request the scenario's run (and the audit's baseline if it has none); returns ``(run, created)``."""
    if baseline_run(scenario.audit) is None:
        runs.score_run_request(
            audit=scenario.audit, methodology=scenario.methodology, trigger="scenario baseline", user=user
        )
    return runs.score_run_request(
        audit=scenario.audit,
        scenario=scenario,
        methodology=scenario.methodology or None,
        trigger="scenario",
        user=user,
        force=force,
    )


def scenario_latest_run(scenario: Scenario) -> ScoreRun | None:
    return scenario.runs.order_by("-created_at").first()
