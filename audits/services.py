"""Writes for audits: creating one, saving and deleting its records, the editor's one-click additions, and the
review workflow (submit, approve, return).

Every change to an audit or its records goes through ``audit_changed``: the audit's version moves on and its
earlier score runs become stale. One optimistic-lock convention holds for all writes: a caller passes the revision
it read (``expected_revision``: a record's ``revision``, or the audit's ``version`` for the audit's own fields) and
gets ``StaleEdit`` when someone saved since; nothing is written then.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from assessments import score_cache
from assessments.models import ScoreRun
from assessments.services import runs
from audits.models import Audit, AuditCluster, AuditStatus, PriorityFramework
from core.models import Organisation, StaleEdit

if TYPE_CHECKING:
    from anchors.models import AnchorCandidate, AnchorInstitution
    from audits.forms import AuditAssetForm, PriorityFrameworkForm
    from clusters.forms import ClusterBuilderForm
    from clusters.models import ClusterDefinition

R = TypeVar("R", bound=models.Model)


class WorkflowError(Exception):
    """An audit transition that its current status (or content) does not allow; the message says why."""


def _by(record: R, user: User | AnonymousUser | None, reason: str = "") -> R:
    """Name the author (and the reason) the record's history records for the next save."""
    # simple-history reads these two private attributes on the next save.
    record._history_user = user if user is not None and getattr(user, "pk", None) else None  # type: ignore[attr-defined]
    if reason:
        record._change_reason = reason  # type: ignore[attr-defined]
    return record


# --------------------------------------------------------------------------------------------------------
# The audit and its records
# --------------------------------------------------------------------------------------------------------


def audit_changed(*, audit: Audit) -> Audit:
    """Record a change to an audit or its assets: bump its version and mark earlier runs stale."""
    Audit.objects.filter(pk=audit.pk).update(version=F("version") + 1, updated_at=timezone.now())
    audit.refresh_from_db(fields=["version"])
    if ScoreRun.objects.filter(audit=audit, audit_version__lt=audit.version, is_stale=False).update(is_stale=True):
        score_cache.scores_changed()
    return audit


@transaction.atomic
def audit_create(*, form: "forms.ModelForm[Audit]", organisation: Organisation, user: User) -> Audit:
    """Save a valid new-audit form as a draft of ``organisation``."""
    audit = form.save(commit=False)
    audit.organisation = organisation
    audit.created_by = user
    _by(audit, user).save()
    return audit


def _locked_at(audit: Audit, expected_version: int | None) -> Audit:
    """The audit, locked for update, if it is still at ``expected_version``; ``StaleEdit`` otherwise."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit(locked)
    return locked


@transaction.atomic
def audit_update(
    *, form: "forms.ModelForm[Audit]", user: User | None, expected_version: int | None = None, reason: str = ""
) -> Audit:
    """Save a valid form of the audit's own fields (summary, title …) over the version the caller read."""
    _locked_at(form.instance, expected_version)
    audit = _by(form.save(commit=False), user, reason)
    audit.save()
    form.save_m2m()
    return audit_changed(audit=audit)


@transaction.atomic
def audit_frameworks_set(
    *, audit: Audit, frameworks: Iterable[PriorityFramework], user: User | None, expected_version: int | None = None
) -> Audit:
    """Select the priority frameworks the audit aligns with, over the version the caller read."""
    locked = _locked_at(audit, expected_version)
    locked.priority_frameworks.set(frameworks)
    return audit_changed(audit=audit)


def audit_record_save(
    *, form: "AuditAssetForm", user: User | None = None, expected_revision: int | None = None, reason: str = ""
) -> Any:
    """Save a valid asset form of an audit (browser, import or API) and record the change to the audit.

    A new record is created; an existing one is saved over ``expected_revision`` (``StaleEdit`` if someone
    saved it since; ``None`` skips the check). The audit's version moves on, so its earlier runs are stale.
    """
    with transaction.atomic():
        record = _by(form.save(commit=False), user, reason)
        if record.pk is None or expected_revision is None:
            record.save()
        else:
            record.save_revision(expected_revision)
        form.save_m2m()
        audit_changed(audit=form.audit)
    return record


def audit_record_delete(*, record: models.Model, audit: Audit, user: User | None = None) -> None:
    """Delete one of an audit's asset records and record the change to the audit."""
    with transaction.atomic():
        _by(record, user).delete()
        audit_changed(audit=audit)


@transaction.atomic
def candidate_add(*, audit: Audit, cluster: "ClusterDefinition", user: User | None = None) -> tuple[AuditCluster, bool]:
    """Add ``cluster`` as a candidate of ``audit``; returns ``(candidate, created)`` (an existing one is kept)."""
    existing = AuditCluster.objects.filter(audit=audit, cluster=cluster).first()
    if existing is not None:
        return existing, False
    candidate = _by(AuditCluster(audit=audit, cluster=cluster), user)
    candidate.save()
    audit_changed(audit=audit)
    return candidate, True


@transaction.atomic
def custom_cluster_build(
    *, audit: Audit, form: "ClusterBuilderForm", user: User | None = None
) -> tuple["ClusterDefinition", AuditCluster | None]:
    """Build the organisation's own custom or convergence cluster from a valid builder form, and (if the form
    says so) add it as a candidate; returns ``(cluster, candidate or None)``."""
    cluster = form.save(user=user)
    candidate = None
    if form.cleaned_data.get("add_as_candidate"):
        candidate, _ = candidate_add(audit=audit, cluster=cluster, user=user)
    return cluster, candidate


@transaction.atomic
def anchor_from_candidate(
    *, audit: Audit, form: "AuditAssetForm", candidate: "AnchorCandidate", user: User | None = None
) -> "AnchorInstitution":
    """Record a public institution as an anchor of ``audit`` from a valid anchor form built from its record."""
    anchor: AnchorInstitution = _by(form.save(commit=False), user)
    anchor.candidate = candidate
    anchor.save()
    form.save_m2m()
    audit_changed(audit=audit)
    return anchor


# --------------------------------------------------------------------------------------------------------
# Scoring and the review workflow
# --------------------------------------------------------------------------------------------------------


def audit_score(*, audit: Audit, user: User | None = None, trigger: str = "button") -> tuple[ScoreRun, bool]:
    """Ask for the audit to be scored (``runs.score_run_request``); returns ``(run, created)``.

    Raises ``ScoringError`` with the reason when the audit cannot be scored (``Audit.unscoreable_reason``).
    """
    return runs.score_run_request(audit=audit, user=user, trigger=trigger)


def _transition(audit: Audit, allowed: tuple[str, ...], refusal: str, *, user: User | None, **changes: Any) -> Audit:
    """Move ``audit`` to a new status if its stored status (read under a row lock) is one of ``allowed``.

    The lock serialises two reviewers acting at once: the second waits, then sees the new status and gets
    ``WorkflowError(refusal)`` instead of repeating the transition.
    """
    with transaction.atomic():
        current = Audit.objects.select_for_update().get(pk=audit.pk)
        if current.status not in allowed:
            raise WorkflowError(refusal.format(status=current.get_status_display().lower()))
        for field_name, value in changes.items():
            setattr(current, field_name, value)
        _by(current, user).save(update_fields=[*changes, "updated_at"])  # the history names who moved it
    audit.refresh_from_db()
    return audit


@transaction.atomic
def audit_submit(*, audit: Audit, user: User) -> Audit:
    """Submit a draft (or returned) audit for review, and score it.

    An audit that cannot be scored (no candidate cluster) has nothing to review, so it cannot be submitted.
    """
    reason = audit.unscoreable_reason
    if reason:
        raise WorkflowError(reason)
    _transition(
        audit,
        (AuditStatus.DRAFT, AuditStatus.RETURNED),
        "This audit is {status}: only a draft or returned audit can be submitted.",
        status=AuditStatus.SUBMITTED,
        submitted_at=timezone.now(),
        user=user,
        submitted_by=user,
    )
    audit_score(audit=audit, user=user, trigger="audit submitted")
    return audit


@transaction.atomic
def audit_approve(*, audit: Audit, user: User) -> Audit:
    """Approve a submitted audit (it is locked from now on), and score it."""
    _transition(
        audit,
        (AuditStatus.SUBMITTED,),
        "This audit is {status}: only a submitted audit can be approved.",
        status=AuditStatus.APPROVED,
        approved_at=timezone.now(),
        user=user,
        approved_by=user,
    )
    audit_score(audit=audit, user=user, trigger="audit approved")
    return audit


def audit_return(*, audit: Audit, user: User, comment: str) -> Audit:
    """Send a submitted audit back to its officers with the reviewer's comment (shown on the audit page)."""
    if not comment.strip():
        raise WorkflowError("Say what needs to change when returning an audit.")
    return _transition(
        audit,
        (AuditStatus.SUBMITTED,),
        "This audit is {status}: only a submitted audit can be returned.",
        status=AuditStatus.RETURNED,
        user=user,
        review_comment=comment.strip(),
    )


# --------------------------------------------------------------------------------------------------------
# An organisation's own priority frameworks
# --------------------------------------------------------------------------------------------------------


class FrameworkLocked(Exception):
    """A framework that cannot be changed: shipped with the platform, or used by an audit under review or approved."""


def _framework_lock(framework: PriorityFramework) -> str:
    if framework.is_shipped:
        return f"“{framework.name}” ships with the platform and is read-only."
    locked = (
        Audit.objects.filter(priority_frameworks=framework)
        .exclude(status__in=[AuditStatus.DRAFT, AuditStatus.RETURNED])
        .first()
    )
    if locked is not None:
        return (
            f"“{framework.name}” is used by “{locked.title}” ({locked.get_status_display().lower()}), whose inputs "
            "cannot change now; create a new framework instead."
        )
    return ""


@transaction.atomic
def priority_framework_save(
    *,
    form: "PriorityFrameworkForm",
    items: "forms.BaseInlineFormSet[Any, Any, Any]",
    user: User | AnonymousUser | None = None,
) -> PriorityFramework:
    """Save an organisation's framework (``PriorityFrameworkForm``) and its priorities (``PriorityItemFormSet``).

    The audits that select it change with it: their versions move on and their earlier scores become stale.
    """
    if form.instance.pk:
        reason = _framework_lock(PriorityFramework.objects.select_for_update().get(pk=form.instance.pk))
        if reason:
            raise FrameworkLocked(reason)
    framework: PriorityFramework = form.save()
    items.instance = framework
    items.save()
    for audit in Audit.objects.filter(priority_frameworks=framework):
        audit_changed(audit=audit)
    return framework


@transaction.atomic
def priority_framework_delete(*, framework: PriorityFramework, user: User | AnonymousUser | None = None) -> None:
    """Delete an organisation's framework; the draft audits that selected it lose it (and are marked changed)."""
    reason = _framework_lock(framework)
    if reason:
        raise FrameworkLocked(reason)
    audits = list(Audit.objects.filter(priority_frameworks=framework))
    framework.delete()
    for audit in audits:
        audit_changed(audit=audit)
