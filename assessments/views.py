"""Audit pages: the active organisation's audits, everything recorded in one of them, and its scores."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from assessments import selectors, services
from assessments.models import Score, ScoreRun
from core.models import Role


def _audit_or_404(request, pk):
    return get_object_or_404(selectors.audit_queryset(user=request.user, organisation=request.organisation), pk=pk)


def _can_score(request):
    """Officers, reviewers and admins may start a score run; viewers only read.

    ``Organisation.has_role`` on the membership the middleware already loaded for the active organisation.
    """
    membership = request.membership
    return membership is not None and Role.rank(membership.role) >= Role.rank(Role.OFFICER)


def _scores_context(request, audit, **extra):
    return {
        "audit": audit,
        "scores": selectors.audit_scores(user=request.user, organisation=request.organisation, audit=audit),
        "can_score": _can_score(request),
        **extra,
    }


@login_required
@require_safe
def audit_list(request):
    audits = selectors.audit_list(user=request.user, organisation=request.organisation)
    return render(request, "assessments/audit_list.html", {"audits": audits})


@login_required
@require_safe
def audit_detail(request, pk):
    audit = get_object_or_404(
        selectors.audit_page_queryset(user=request.user, organisation=request.organisation), pk=pk
    )
    context = _scores_context(request, audit, detail=selectors.audit_detail(audit=audit))
    return render(request, "assessments/audit_detail.html", context)


@login_required
@require_POST
def audit_score(request, pk):
    """Score now: request a run of the audit (or get the active one back) and show its progress."""
    audit = _audit_or_404(request, pk)
    if not _can_score(request):
        raise PermissionDenied("Only officers, reviewers and admins can score an audit.")
    run, created = services.score_run_request(audit=audit, user=request.user, trigger="button")
    if created:
        notice = f"Run #{run.pk} requested."
    elif run.is_active:
        notice = f"Run #{run.pk} is already under way."
    else:
        notice = f"Nothing has changed since run #{run.pk}: its scores are current."
    if request.htmx:
        return render(request, "assessments/scores/_section.html", _scores_context(request, audit, notice=notice))
    messages.info(request, notice)
    return redirect(reverse("audits:detail", args=[audit.pk]) + "#tab-scores")


@login_required
@require_safe
def score_run_status(request, pk, run_id):
    """The run panel, polled while the run is active; once it has finished, the whole scores section."""
    audit = _audit_or_404(request, pk)
    try:
        run = selectors.audit_score_run(
            user=request.user, organisation=request.organisation, audit=audit, run_id=run_id
        )
    except ScoreRun.DoesNotExist as error:
        raise Http404("No such run.") from error
    if run.is_active or not request.htmx:
        context = {
            "audit": audit,
            "scores": selectors.AuditScores(audit=audit, run=run),
            "can_score": _can_score(request),
        }
        return render(request, "assessments/scores/_run_panel.html", context)
    response = render(request, "assessments/scores/_section.html", _scores_context(request, audit))
    response["HX-Retarget"] = "#audit-scores"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_safe
def score_explain(request, pk, score_id):
    """One score's strategy, reasons and indicator-by-indicator explanation (a row partial, or a page)."""
    audit = _audit_or_404(request, pk)
    try:
        score = selectors.audit_score(audit=audit, score_id=score_id)
    except Score.DoesNotExist as error:
        raise Http404("No such score.") from error
    context = {"audit": audit, "explanation": selectors.score_explanation(score=score)}
    template = "assessments/scores/_explain.html" if request.htmx else "assessments/score_explain.html"
    return render(request, template, context)
