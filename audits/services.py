"""Writes for audits: creating one, saving and deleting its records, the editor's one-click additions, and the
review workflow (submit, approve, return).

Every change to an audit or its records goes through ``audit_changed``: the audit's version moves on and its
earlier score runs become stale. One optimistic-lock convention holds for all writes: a caller passes the revision
it read (``expected_revision``: a record's ``revision``, or the audit's ``version`` for the audit's own fields) and
gets ``StaleEdit`` when someone saved since; nothing is written then.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assessments import score_cache
from assessments.models import ScoreRun
from assessments.services import runs
from audits.models import Audit, AuditCluster, AuditStatus, PriorityFramework
from core.models import StaleEdit


class WorkflowError(Exception):
    """An audit transition that its current status (or content) does not allow; the message says why."""


def _by(record, user, reason=""):
    """Name the author (and the reason) the record's history records for the next save."""
    record._history_user = user if user is not None and getattr(user, "pk", None) else None
    if reason:
        record._change_reason = reason
    return record


# --------------------------------------------------------------------------------------------------------
# The audit and its records
# --------------------------------------------------------------------------------------------------------


def audit_changed(*, audit):
    """Record a change to an audit or its assets: bump its version and mark earlier runs stale."""
    Audit.objects.filter(pk=audit.pk).update(version=F("version") + 1, updated_at=timezone.now())
    audit.refresh_from_db(fields=["version"])
    if ScoreRun.objects.filter(audit=audit, audit_version__lt=audit.version, is_stale=False).update(is_stale=True):
        score_cache.scores_changed()
    return audit


@transaction.atomic
def audit_create(*, form, organisation, user):
    """Save a valid new-audit form as a draft of ``organisation``."""
    audit = form.save(commit=False)
    audit.organisation = organisation
    audit.created_by = user
    _by(audit, user).save()
    return audit


def _locked_at(audit, expected_version):
    """The audit, locked for update, if it is still at ``expected_version``; ``StaleEdit`` otherwise."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit(locked)
    return locked


@transaction.atomic
def audit_update(*, form, user, expected_version=None, reason=""):
    """Save a valid form of the audit's own fields (summary, title …) over the version the caller read."""
    _locked_at(form.instance, expected_version)
    audit = _by(form.save(commit=False), user, reason)
    audit.save()
    form.save_m2m()
    return audit_changed(audit=audit)


@transaction.atomic
def audit_frameworks_set(*, audit, frameworks, user, expected_version=None):
    """Select the priority frameworks the audit aligns with, over the version the caller read."""
    locked = _locked_at(audit, expected_version)
    locked.priority_frameworks.set(frameworks)
    return audit_changed(audit=audit)


def audit_record_save(*, form, user=None, expected_revision=None, reason=""):
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


def audit_record_delete(*, record, audit, user=None):
    """Delete one of an audit's asset records and record the change to the audit."""
    with transaction.atomic():
        _by(record, user).delete()
        audit_changed(audit=audit)


@transaction.atomic
def candidate_add(*, audit, cluster, user=None):
    """Add ``cluster`` as a candidate of ``audit``; returns ``(candidate, created)`` (an existing one is kept)."""
    existing = AuditCluster.objects.filter(audit=audit, cluster=cluster).first()
    if existing is not None:
        return existing, False
    candidate = _by(AuditCluster(audit=audit, cluster=cluster), user)
    candidate.save()
    audit_changed(audit=audit)
    return candidate, True


@transaction.atomic
def custom_cluster_build(*, audit, form, user=None):
    """Build the organisation's own custom or convergence cluster from a valid builder form, and (if the form
    says so) add it as a candidate; returns ``(cluster, candidate or None)``."""
    cluster = form.save(user=user)
    candidate = None
    if form.cleaned_data.get("add_as_candidate"):
        candidate, _ = candidate_add(audit=audit, cluster=cluster, user=user)
    return cluster, candidate


@transaction.atomic
def anchor_from_candidate(*, audit, form, candidate, user=None):
    """Record a public institution as an anchor of ``audit`` from a valid anchor form built from its record."""
    anchor = _by(form.save(commit=False), user)
    anchor.candidate = candidate
    anchor.save()
    form.save_m2m()
    audit_changed(audit=audit)
    return anchor


# --------------------------------------------------------------------------------------------------------
# Scoring and the review workflow
# --------------------------------------------------------------------------------------------------------


def audit_score(*, audit, user=None, trigger="button"):
    """Ask for the audit to be scored (``runs.score_run_request``); returns ``(run, created)``.

    Raises ``ScoringError`` with the reason when the audit cannot be scored (``Audit.unscoreable_reason``).
    """
    return runs.score_run_request(audit=audit, user=user, trigger=trigger)


def _transition(audit, allowed, refusal, *, user, **changes):
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
def audit_submit(*, audit, user):
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
def audit_approve(*, audit, user):
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


def audit_return(*, audit, user, comment):
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


def _framework_lock(framework):
    if framework.is_shipped:
        return f"“{framework.name}” ships with the platform and is read-only."
    locked = framework.audits.exclude(status__in=[AuditStatus.DRAFT, AuditStatus.RETURNED]).first()
    if locked is not None:
        return (
            f"“{framework.name}” is used by “{locked.title}” ({locked.get_status_display().lower()}), whose inputs "
            "cannot change now; create a new framework instead."
        )
    return ""


@transaction.atomic
def priority_framework_save(*, form, items, user=None):
    """Save an organisation's framework (``PriorityFrameworkForm``) and its priorities (``PriorityItemFormSet``).

    The audits that select it change with it: their versions move on and their earlier scores become stale.
    """
    if form.instance.pk:
        reason = _framework_lock(PriorityFramework.objects.select_for_update().get(pk=form.instance.pk))
        if reason:
            raise FrameworkLocked(reason)
    framework = form.save()
    items.instance = framework
    items.save()
    for audit in framework.audits.all():
        audit_changed(audit=audit)
    return framework


@transaction.atomic
def priority_framework_delete(*, framework, user=None):
    """Delete an organisation's framework; the draft audits that selected it lose it (and are marked changed)."""
    reason = _framework_lock(framework)
    if reason:
        raise FrameworkLocked(reason)
    audits = list(framework.audits.all())
    framework.delete()
    for audit in audits:
        audit_changed(audit=audit)
