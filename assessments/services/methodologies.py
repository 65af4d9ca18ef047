"""Writes for methodologies: the shipped default, an organisation's clones, and revisions (new versions)."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from assessments.models import Methodology, ScoreRun
from assessments.services import ScoringError, runs
from audits.models import Audit
from core.models import Organisation
from scoring.methodology import default_spec, validate_spec


def methodology_default() -> Methodology:
    """The shipped default methodology (public, v1), created from the engine's spec on first use."""
    spec = validate_spec(default_spec())
    methodology: Methodology
    methodology, _ = Methodology.objects.get_or_create(
        organisation=None,
        name=spec["name"],
        version=spec["version"],
        defaults={"spec": spec, "is_default": True, "description": "The platform's default methodology."},
    )
    return methodology


@transaction.atomic
def methodology_clone(*, methodology: Methodology, organisation: Organisation, name: str | None = None) -> Methodology:
    """An organisation's own editable copy of a methodology (version 1 of a new name)."""
    name = name or f"{methodology.name} ({organisation.name})"
    version = (
        Methodology.objects.filter(organisation=organisation, name=name).order_by("-version").first()
    )  # a clone under an existing name becomes its next version
    clone: Methodology = Methodology.objects.create(
        organisation=organisation,
        name=name,
        version=(version.version + 1) if version else 1,
        spec=validate_spec({**methodology.spec, "name": name}),
        parent=methodology,
        description=f"Cloned from {methodology.label}.",
    )
    return clone


@transaction.atomic
def methodology_revise(
    *, methodology: Methodology, spec: Mapping[str, Any], trigger_rescore: bool = True
) -> Methodology:
    """Save an edited spec as the next version of an organisation's methodology (versions are never edited).

    Raises ``MethodologyError`` with the field at fault. Runs that used the previous version are re-requested
    under the new one when ``trigger_rescore``.
    """
    if methodology.organisation_id is None:
        raise ScoringError("The shipped methodology cannot be edited; clone it first.")
    latest = Methodology.objects.filter(organisation=methodology.organisation, name=methodology.name).order_by(
        "-version"
    )[0]
    clean = validate_spec({**spec, "name": methodology.name, "version": latest.version + 1})
    revised: Methodology = Methodology.objects.create(
        organisation=methodology.organisation,
        name=methodology.name,
        version=latest.version + 1,
        spec=clean,
        parent=latest,
        description=methodology.description,
    )
    if trigger_rescore:
        for audit_id in (
            ScoreRun.objects.filter(
                methodology__organisation=methodology.organisation, methodology__name=methodology.name
            )
            .exclude(audit=None)
            .values_list("audit_id", flat=True)
            .distinct()
        ):
            audit = Audit.objects.get(pk=audit_id)
            runs.score_run_request(audit=audit, methodology=revised, trigger="methodology changed")
    return revised
