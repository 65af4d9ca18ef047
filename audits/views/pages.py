"""Audit pages: the active organisation's audits, everything recorded in one of them, and its Scores tab."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from assessments import selectors as score_selectors
from assessments.models import Score, ScoreRun
from assessments.services import ScoringError
from audits import selectors, services
from audits.access import audit_or_404
from core.access import can_write, require_role
from core.api.throttling import ScoringRateThrottle, page_throttle
from core.models import Role


def _scores_context(request, audit, **extra):
    return {
        "audit": audit,
        "scores": score_selectors.audit_scores(user=request.user, organisation=request.organisation, audit=audit),
        "can_score": can_write(request),
        **extra,
    }


@login_required
@require_safe
def audit_list(request):
    audits = selectors.audit_list(user=request.user, organisation=request.organisation)
    return render(request, "audits/audit_list.html", {"audits": audits})


@login_required
@require_safe
def audit_detail(request, pk):
    queryset = selectors.audit_page_queryset(user=request.user, organisation=request.organisation)
    audit = audit_or_404(request, pk, queryset=queryset)
    context = _scores_context(request, audit, detail=selectors.audit_detail(audit=audit))
    return render(request, "audits/audit_detail.html", context)


def _score_now(request, audit):
    """Request a run and say what happened: requested, already under way, current, or why it cannot be scored."""
    try:
        run, created = services.audit_score(audit=audit, user=request.user)
    except ScoringError as error:
        return messages.ERROR, str(error)
    if created:
        return messages.INFO, f"Run #{run.pk} requested."
    if run.is_active:
        return messages.INFO, f"Run #{run.pk} is already under way."
    return messages.INFO, f"Nothing has changed since run #{run.pk}: its scores are current."


@login_required
@require_POST
@page_throttle(ScoringRateThrottle)
def audit_score(request, pk):
    """Score now: request a run of the audit (or get the active one back) and show its progress."""
    audit = audit_or_404(request, pk)
    require_role(request, Role.OFFICER, "score an audit")
    level, notice = _score_now(request, audit)
    if request.htmx:
        context = _scores_context(request, audit, notice=notice, notice_is_error=level == messages.ERROR)
        return render(request, "audits/scores/_section.html", context)
    messages.add_message(request, level, notice)
    return redirect(reverse("audits:detail", args=[audit.pk]) + "#tab-scores")


@login_required
@require_safe
def score_run_status(request, pk, run_id):
    """The run panel, polled while the run is active; once it has finished, the whole scores section."""
    audit = audit_or_404(request, pk)
    try:
        run = score_selectors.audit_score_run(
            user=request.user, organisation=request.organisation, audit=audit, run_id=run_id
        )
    except ScoreRun.DoesNotExist as error:
        raise Http404("No such run.") from error
    if run.is_active or not request.htmx:
        context = {"audit": audit, "scores": score_selectors.AuditScores(audit=audit, run=run),
                   "can_score": can_write(request)}  # fmt: skip
        return render(request, "audits/scores/_run_panel.html", context)
    response = render(request, "audits/scores/_section.html", _scores_context(request, audit))
    response["HX-Retarget"] = "#audit-scores"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_safe
def score_explain(request, pk, score_id):
    """One score's strategy, reasons and indicator-by-indicator explanation (a row partial, or a page)."""
    audit = audit_or_404(request, pk)
    try:
        score = score_selectors.audit_score(audit=audit, score_id=score_id)
    except Score.DoesNotExist as error:
        raise Http404("No such score.") from error
    context = {"audit": audit, "explanation": score_selectors.score_explanation(score=score)}
    template = "audits/scores/_explain.html" if request.htmx else "audits/score_explain.html"
    return render(request, template, context)
