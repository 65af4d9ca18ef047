"""The audit editor: a new audit, then a guided flow through every part of it, one step per page.

Every read goes through ``for_user`` and the audit, so another organisation's audit or record is a 404. Only
officers, reviewers and admins write, and only while the audit is a draft or returned; anything else is a 403.
Each record form carries the revision it was read at and saves with ``save_revision``: a concurrent change is
shown beside the user's unsaved input instead of being overwritten. Every saved change calls ``audit_changed``.
With htmx a write answers with the step body (records, forms and the completeness meter); without it, the
browser is redirected back to the step.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from anchors.forms import AnchorInstitutionForm
from anchors.models import AnchorCandidate, AnchorInstitution
from audits import completeness, services
from audits.access import audit_or_404, writable_audit_or_404
from audits.forms import (
    TREND_THEMES,
    AuditClusterForm,
    AuditCreateForm,
    AuditSummaryForm,
    ClusterOrganisationForm,
    MarketForecastForm,
    PriorityFrameworksForm,
    RegionSearchForm,
    TrendRatingForm,
    cluster_choices,
)
from audits.models import AuditCluster, MarketForecast, TrendRating
from audits.selectors import completeness_facts
from clusters.forms import ClusterBuilderForm, CrosswalkForm
from clusters.models import ClusterKind, ClusterOrganisation
from core.access import can_write, require_role
from core.forms_base import style
from core.models import Role, StaleEdit
from regions.selectors import code_equivalents, search_codes
from scoring.methodology import default_spec, validate_spec
from stakeholders.forms import PartnershipForm, StakeholderForm
from stakeholders.models import Partnership, Stakeholder

HISTORY_SHOWN = 15
CANDIDATES_SHOWN = 15
CLUSTER_SEARCH_SHOWN = 30
REGION_OPTIONS_SHOWN = 300


@dataclass(frozen=True)
class Step:
    slug: str
    number: int
    title: str
    icon: str
    intro: str


STEPS = [
    Step("clusters", 1, "Candidate clusters", "diagram-3",
         "Choose the clusters to assess: benchmark clusters, or your own built from industry codes or other "
         "clusters. Then enter talent, innovation and investment figures for each."),
    Step("anchors", 2, "Anchor institutions", "bank",
         "The universities, research centres, incubators and major firms the clusters grow around."),
    Step("stakeholders", 3, "Stakeholders", "people",
         "Organisations in the ecosystem, in the five groups: corporate, capital, government, academia and "
         "entrepreneurship."),
    Step("partnerships", 4, "Partnerships", "share",
         "Who works with whom: research, supply chain, investment, shared facilities and programmes."),
    Step("organisation", 5, "Cluster organisation", "building",
         "The formal bodies that run the clusters, with the governance facts their maturity is judged on."),
    Step("market", 6, "Market inputs", "graph-up-arrow",
         "Sourced forecasts, the priority frameworks the clusters should align with, and trend-theme ratings."),
    Step("review", 7, "Review & submit", "send",
         "Check what is complete and what each missing input would add, then submit the audit for review."),
]  # fmt: skip
STEP_BY_SLUG = {step.slug: step for step in STEPS}


@dataclass(frozen=True)
class Kind:
    """A kind of record the editor lists, adds, edits and deletes, and the step it belongs to."""

    slug: str
    model: type
    form: type
    step: str
    noun: str
    title: str
    select: tuple = ()
    prefetch: tuple = ()
    order: tuple = ()
    importable: bool = False  # its slug is an ``ImportKind``: the step links to the spreadsheet import

    def queryset(self, request, audit):
        rows = self.model.objects.for_user(request.user, organisation=request.organisation).filter(audit=audit)
        if self.select:
            rows = rows.select_related(*self.select)
        if self.prefetch:
            rows = rows.prefetch_related(*self.prefetch)
        return rows.order_by(*self.order) if self.order else rows


KINDS = {
    kind.slug: kind
    for kind in [
        Kind("candidates", AuditCluster, AuditClusterForm, "clusters", "candidate cluster", "Candidate clusters",
             select=("cluster", "cluster__classification"), order=("cluster__name",)),
        Kind("anchors", AnchorInstitution, AnchorInstitutionForm, "anchors", "anchor institution",
             "Anchor institutions", prefetch=("clusters",), order=("name", "pk"), importable=True),
        Kind("stakeholders", Stakeholder, StakeholderForm, "stakeholders", "stakeholder", "Stakeholders",
             prefetch=("clusters",), order=("group", "name", "pk"), importable=True),
        Kind("partnerships", Partnership, PartnershipForm, "partnerships", "partnership", "Partnerships",
             select=("from_stakeholder", "from_anchor", "to_stakeholder", "to_anchor"), order=("-strength", "pk"),
             importable=True),
        Kind("organisations", ClusterOrganisation, ClusterOrganisationForm, "organisation", "cluster organisation",
             "Cluster organisations", prefetch=("clusters",), order=("name", "pk")),
        Kind("forecasts", MarketForecast, MarketForecastForm, "market", "forecast", "Market forecasts",
             select=("cluster",), order=("cluster__name", "metric", "pk")),
        Kind("ratings", TrendRating, TrendRatingForm, "market", "trend rating", "Trend-theme ratings",
             select=("cluster",), order=("cluster__name", "theme", "pk")),
    ]
}  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------


def _kind(slug):
    try:
        return KINDS[slug]
    except KeyError as error:
        raise Http404("No such kind of record.") from error


def _label(record):
    """How a record is named in messages (a candidate by its cluster's name)."""
    return record.cluster.name if isinstance(record, AuditCluster) else str(record)


def _record(request, audit, kind, record_id):
    return get_object_or_404(kind.queryset(request, audit), pk=record_id)


def _expected_revision(request):
    try:
        return int(request.POST["revision"])
    except (KeyError, ValueError):
        return None


def _spec(audit):
    """The methodology the completeness meter weighs inputs by (the shipped default's weights)."""
    return validate_spec(default_spec())


def _history(record):
    """The record's saved versions, newest first, each with who, when and what changed (a bounded read)."""
    entries = list(
        record.history.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY_SHOWN + 1]
    )
    fields = {f.name: f for f in record._meta.concrete_fields}
    rows = []
    for newer, older in zip(entries[:HISTORY_SHOWN], entries[1:] + [None], strict=False):
        changes = []
        if older is not None and newer.history_type == "~":
            for change in newer.diff_against(older).changes:
                if change.field in ("revision", "updated_at"):
                    continue
                model_field = fields.get(change.field)
                label = getattr(model_field, "verbose_name", change.field)
                changes.append(
                    (label, _history_value(model_field, change.old), _history_value(model_field, change.new))
                )
        rows.append({"entry": newer, "changes": changes})
    return rows, len(entries) > HISTORY_SHOWN


def _history_value(model_field, value):
    """A stored value as a user reads it: a choice by its label ("Major firm"), a link by the row's name."""
    if value in (None, "") or model_field is None:
        return value
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if model_field.is_relation:
        row = model_field.related_model._default_manager.filter(pk=getattr(value, "pk", value)).first()
        return str(row) if row is not None else value
    return value


@dataclass
class Editing:
    """The record whose form is open, with the revision the form carries and any conflict to show."""

    kind: str
    pk: int
    form: object
    revision: int
    conflict: list = field(default_factory=list)
    conflict_by: str = ""


def _shown(bound, value):
    """A field value as text, for the conflict table."""
    fld = bound.field
    if isinstance(value, list | tuple | set):
        values = [str(getattr(v, "pk", v)) for v in value]
    else:
        values = [] if value in (None, "") else [str(getattr(value, "pk", value))]
    if isinstance(fld, forms.BooleanField):
        return "Yes" if value else "No"
    if isinstance(fld, forms.ModelChoiceField):
        labels = {str(obj.pk): str(obj) for obj in fld.queryset.filter(pk__in=[v for v in values if v.isdigit()])}
        return ", ".join(labels.get(v, v) for v in values)
    if isinstance(fld, forms.ChoiceField):
        labels = {str(k): str(v) for k, v in fld.choices}
        return ", ".join(labels.get(v, v) for v in values)
    if hasattr(fld, "prepare_value") and isinstance(value, list):
        return fld.prepare_value(value)
    return ", ".join(values)


def _same(a, b):
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def _conflict_rows(form, stored_form):
    """(label, their saved value, your unsaved value, differs) for each field of the form."""
    rows = []
    for name in form.fields:
        theirs = _shown(stored_form[name], stored_form[name].value())
        yours = _shown(form[name], form[name].value())
        rows.append((form[name].label, theirs, yours, not _same(theirs, yours)))
    return rows


# --------------------------------------------------------------------------------------------------------
# Rendering a step
# --------------------------------------------------------------------------------------------------------


def _new_form(kind, audit, data=None):
    return style(kind.form(data, audit=audit))


def _step_context(request, audit, step, *, bound=None, editing=None, saved=None, extra=None):
    """Everything a step shows: its records and forms, step-specific helpers, and the completeness report."""
    can_edit = can_write(request) and audit.is_editable
    bound = bound or {}
    sections = []
    for kind in KINDS.values():
        if kind.step != step.slug:
            continue
        records = list(kind.queryset(request, audit))
        if kind.model is MarketForecast:
            for record in records:
                growth = record.annual_growth
                record.growth_percent = None if growth is None else round(100 * growth, 1)
        add_form = bound.get(kind.slug) or (_new_form(kind, audit) if can_edit else None)
        sections.append({"kind": kind, "records": records, "add_form": add_form})
    report = completeness.assess(completeness_facts(audit), _spec(audit))
    index = STEPS.index(step)
    context = {
        "audit": audit,
        "step": step,
        "steps": STEPS,
        "previous_step": STEPS[index - 1] if index else None,
        "next_step": STEPS[index + 1] if index + 1 < len(STEPS) else None,
        "sections": sections,
        "editing": editing,
        "saved": saved,
        "can_edit": can_edit,
        "can_write": can_write(request),
        "report": report,
        "step_section": report.section(step.slug),
        "trend_themes": TREND_THEMES,
    }
    helpers = {
        "clusters": _clusters_helpers,
        "anchors": _anchors_helpers,
        "market": _market_helpers,
        "review": _review_helpers,
    }.get(step.slug)
    if helpers:
        context.update(helpers(request, audit, can_edit, bound))
    context.update(extra or {})
    return context


def _clusters_helpers(request, audit, can_edit, bound):
    classification = audit.region_set.classification
    cluster_query = request.GET.get("cluster_q", "").strip()
    context = {"classification": classification, "cluster_query": cluster_query}
    if cluster_query:
        context["cluster_matches"] = list(
            cluster_choices(audit)
            .filter(Q(name__icontains=cluster_query) | Q(code__iexact=cluster_query))
            .exclude(pk__in=AuditCluster.objects.filter(audit=audit).values("cluster"))
            .select_related("classification")
            .order_by("name")[:CLUSTER_SEARCH_SHOWN]
        )
    code_query = request.GET.get("code_q", "").strip()
    context["code_query"] = code_query
    if code_query:
        context["code_matches"] = search_codes(classification, code_query)
    if "xw-code" in request.GET:
        crosswalk = CrosswalkForm(request.GET, prefix="xw")
    else:
        crosswalk = CrosswalkForm(initial={"classification": getattr(classification, "slug", None)}, prefix="xw")
    if crosswalk.is_bound and crosswalk.is_valid():
        context["equivalents"] = code_equivalents(crosswalk.cleaned_data["industry"])
        context["crosswalk_code"] = crosswalk.cleaned_data["industry"]
    context["crosswalk_form"] = style(crosswalk)
    if can_edit:
        context["builder_form"] = bound.get("builder") or _builder_form(audit)
    return context


def _builder_form(audit, data=None):
    """The cluster builder in the audit's classification, its code help written as that classification writes codes."""
    form = ClusterBuilderForm(data, organisation=audit.organisation, classification=audit.region_set.classification)
    form.fields["codes"].help_text = audit.defaults.code_help
    return style(form)


def _anchors_helpers(request, audit, can_edit, bound):
    query = request.GET.get("candidate_q", "").strip()
    candidates = (
        AnchorCandidate.objects.in_region(audit.region)
        .exclude(pk__in=AnchorInstitution.objects.filter(audit=audit, candidate__isnull=False).values("candidate"))
        .search(query)
    )
    shown = list(candidates[: CANDIDATES_SHOWN + 1])
    return {
        "candidate_query": query,
        "anchor_candidates": shown[:CANDIDATES_SHOWN],
        "more_candidates": len(shown) > CANDIDATES_SHOWN,
    }


def _market_helpers(request, audit, can_edit, bound):
    form = bound.get("frameworks") or style(PriorityFrameworksForm(audit=audit))
    selected = list(audit.priority_frameworks.order_by("name"))
    return {"frameworks_form": form, "selected_frameworks": selected, "has_candidates": audit.clusters.exists()}


def _review_helpers(request, audit, can_edit, bound):
    summary = bound.get("summary") or AuditSummaryForm(instance=audit, initial={"version": audit.version})
    return {"summary_form": style(summary), "counts": completeness_facts(audit)}


def _render_step(request, audit, step, *, status=200, **kwargs):
    context = _step_context(request, audit, step, **kwargs)
    template = "audits/edit/_step_body.html" if request.htmx else "audits/edit/step.html"
    return render(request, template, context, status=status)


def _saved(request, audit, step, text, anchor=""):
    """After a write: the fresh step body for htmx, a redirect back to the step otherwise."""
    if request.htmx:
        return _render_step(request, audit, step, saved=text)
    messages.success(request, text)
    return redirect(reverse("audits:edit_step", args=[audit.pk, step.slug]) + (f"#{anchor}" if anchor else ""))


# --------------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------------


def _new_audit_form(request):
    """The new-audit form, bound to a POST or filled from the query string (region set, title, year, search)."""
    if request.method == "POST":
        return style(AuditCreateForm(request.POST))
    search = RegionSearchForm(request.GET)
    search.is_valid()
    options = search.cleaned_data
    form = AuditCreateForm(
        initial={"region_set": options.get("region_set"), "title": options.get("title") or "",
                 "year": options.get("year") or timezone.now().year},
        region_set=options.get("region_set"),
        query=options.get("region_q") or "",
    )  # fmt: skip
    return style(form)


@login_required
def audit_create(request):
    """A new draft audit of the active organisation."""
    require_role(request, Role.OFFICER, "start an audit")
    form = _new_audit_form(request)
    if request.method == "POST" and form.is_valid():
        audit = services.audit_create(form=form, organisation=request.organisation, user=request.user)
        messages.success(request, f"Audit “{audit.title}” created as a draft. Start with its candidate clusters.")
        return redirect("audits:edit_step", audit.pk, STEPS[0].slug)
    form.enable_region_refresh(reverse("audits:new_regions"))
    return render(request, "audits/edit/audit_new.html", {"form": form, "region_query": form.query})


@login_required
@require_GET
def audit_create_regions(request):
    """The region choices of a region set matching a search (htmx refreshes the new-audit form's select)."""
    search = RegionSearchForm(request.GET)
    if not search.is_valid():
        return HttpResponseBadRequest("Choose a region set from the list.")
    shown = search.regions(limit=REGION_OPTIONS_SHOWN + 1)
    context = {
        "regions": shown[:REGION_OPTIONS_SHOWN],
        "truncated": len(shown) > REGION_OPTIONS_SHOWN,
        "selected": request.GET.get("region", ""),
        "region_set": search.cleaned_data.get("region_set"),
    }
    return render(request, "audits/edit/_region_options.html", context)


@login_required
@require_GET
def audit_edit(request, pk):
    audit = audit_or_404(request, pk)
    return redirect("audits:edit_step", audit.pk, STEPS[0].slug)


@login_required
@require_GET
def audit_step(request, pk, step):
    audit = audit_or_404(request, pk)
    try:
        current = STEP_BY_SLUG[step]
    except KeyError as error:
        raise Http404("No such step.") from error
    return _render_step(request, audit, current)


@login_required
@require_POST
def record_create(request, pk, kind):
    audit = writable_audit_or_404(request, pk)
    kind = _kind(kind)
    step = STEP_BY_SLUG[kind.step]
    form = _new_form(kind, audit, request.POST)
    if not form.is_valid():
        return _render_step(request, audit, step, bound={kind.slug: form})
    record = services.audit_record_save(form=form, user=request.user)
    return _saved(request, audit, step, f"Saved: {kind.noun} “{_label(record)}” added.", f"{kind.slug}-{record.pk}")


def _conflict(request, audit, kind, record, form):
    """The step with the user's unsaved input beside what someone else saved meanwhile (a 409 without htmx)."""
    stored = _record(request, audit, kind, record.pk)
    latest = stored.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    by = ""
    if latest is not None:
        who = latest.history_user.get_username() if latest.history_user else "someone"
        by = f"{who} at {timezone.localtime(latest.history_date):%H:%M on %d %b %Y}"
    stored_form = kind.form(instance=stored, audit=audit)
    editing = Editing(kind.slug, record.pk, form, stored.revision, _conflict_rows(form, stored_form), by)
    step = STEP_BY_SLUG[kind.step]
    return _render_step(request, audit, step, editing=editing, status=200 if request.htmx else 409)


@login_required
def record_edit(request, pk, kind, record_id):
    """GET: the step with this record's form open. POST: save it over the revision the form was read at."""
    kind = _kind(kind)
    step = STEP_BY_SLUG[kind.step]
    if request.method != "POST":
        return _open_record(request, audit_or_404(request, pk), kind, record_id)
    audit = writable_audit_or_404(request, pk)
    record = _record(request, audit, kind, record_id)
    expected = _expected_revision(request)
    if expected is None:
        return HttpResponseBadRequest("The form did not say which revision it edits.")
    form = style(kind.form(request.POST, instance=record, audit=audit))
    if not form.is_valid():
        return _render_step(request, audit, step, editing=Editing(kind.slug, record.pk, form, expected))
    try:
        saved = services.audit_record_save(form=form, user=request.user, expected_revision=expected)
    except StaleEdit:
        return _conflict(request, audit, kind, record, form)
    return _saved(request, audit, step, f"Saved: {kind.noun} “{_label(saved)}” updated.", f"{kind.slug}-{saved.pk}")


def _open_record(request, audit, kind, record_id):
    record = _record(request, audit, kind, record_id)
    step = STEP_BY_SLUG[kind.step]
    if not (can_write(request) and audit.is_editable):
        return _render_step(request, audit, step)
    form = style(kind.form(instance=record, audit=audit))
    return _render_step(request, audit, step, editing=Editing(kind.slug, record.pk, form, record.revision))


@login_required
@require_POST
def record_delete(request, pk, kind, record_id):
    audit = writable_audit_or_404(request, pk)
    kind = _kind(kind)
    step = STEP_BY_SLUG[kind.step]
    record = _record(request, audit, kind, record_id)
    expected = _expected_revision(request)
    if expected is not None and expected != record.revision:
        text = f"The {kind.noun} “{record}” was changed by someone else since you opened the page; check it first."
        if request.htmx:
            return _render_step(request, audit, step, saved=text, extra={"saved_is_warning": True})
        messages.warning(request, text)
        return redirect(reverse("audits:edit_step", args=[audit.pk, step.slug]) + f"#{kind.slug}-{record.pk}")
    label = _label(record)
    services.audit_record_delete(record=record, audit=audit, user=request.user)
    return _saved(request, audit, step, f"Saved: {kind.noun} “{label}” deleted.")


@login_required
@require_GET
def record_history(request, pk, kind, record_id):
    audit = audit_or_404(request, pk)
    kind = _kind(kind)
    record = _record(request, audit, kind, record_id)
    rows, more = _history(record)
    context = {"audit": audit, "kind": kind, "record": record, "history": rows, "more": more,
               "step": STEP_BY_SLUG[kind.step]}  # fmt: skip
    template = "audits/edit/_history.html" if request.htmx else "audits/edit/history.html"
    return render(request, template, context)


@login_required
@require_POST
def cluster_build(request, pk):
    """Build the organisation's own custom or convergence cluster, and (by default) add it as a candidate."""
    audit = writable_audit_or_404(request, pk)
    step = STEP_BY_SLUG["clusters"]
    form = _builder_form(audit, request.POST)
    if not form.is_valid():
        return _render_step(request, audit, step, bound={"builder": form}, extra={"builder_open": True})
    cluster, candidate = services.custom_cluster_build(audit=audit, form=form, user=request.user)
    kind = "convergence" if cluster.kind == ClusterKind.CONVERGENCE else "custom"
    added = " and added as a candidate" if candidate else ""
    return _saved(request, audit, step, f"Saved: {kind} cluster “{cluster.name}” built{added}.")


@login_required
@require_POST
def candidate_add(request, pk):
    """Add a found cluster as a candidate in one click (the search results' buttons)."""
    audit = writable_audit_or_404(request, pk)
    step = STEP_BY_SLUG["clusters"]
    choice = forms.ModelChoiceField(queryset=cluster_choices(audit))
    try:
        cluster = choice.clean(request.POST.get("cluster"))
    except forms.ValidationError as error:
        raise Http404("No such cluster.") from error
    candidate, created = services.candidate_add(audit=audit, cluster=cluster, user=request.user)
    if not created:
        return _saved(request, audit, step, f"“{cluster.name}” is already a candidate.")
    text = f"Saved: candidate cluster “{cluster.name}” added."
    return _saved(request, audit, step, text, f"candidates-{candidate.pk}")


@login_required
@require_POST
def anchor_from_candidate(request, pk):
    """Record a public institution (IPEDS, UK providers) of the region as an anchor, with its location."""
    audit = writable_audit_or_404(request, pk)
    step = STEP_BY_SLUG["anchors"]
    candidates = AnchorCandidate.objects.in_region(audit.region)
    try:
        candidate = forms.ModelChoiceField(queryset=candidates).clean(request.POST.get("candidate"))
    except forms.ValidationError as error:
        raise Http404("No such public record in this region.") from error
    form = AnchorInstitutionForm.from_candidate(candidate, audit=audit)
    if not form.is_valid():
        return _render_step(request, audit, step, bound={"anchors": style(form)})
    anchor = services.anchor_from_candidate(audit=audit, form=form, candidate=candidate, user=request.user)
    text = f"Saved: “{anchor.name}” added from public records. Tie it to its clusters."
    return _saved(request, audit, step, text, f"anchors-{anchor.pk}")


@login_required
@require_POST
def frameworks_save(request, pk):
    """Select the priority frameworks over the version the page was read at; a change meanwhile is a conflict."""
    audit = writable_audit_or_404(request, pk)
    step = STEP_BY_SLUG["market"]
    form = style(PriorityFrameworksForm(request.POST, audit=audit))
    if not form.is_valid():
        return _render_step(request, audit, step, bound={"frameworks": form})
    try:
        services.audit_frameworks_set(
            audit=audit, frameworks=form.cleaned_data["frameworks"], user=request.user,
            expected_version=form.cleaned_data["version"],
        )  # fmt: skip
    except StaleEdit:
        form.conflict(audit)
        return _render_step(request, audit, step, bound={"frameworks": form}, status=200 if request.htmx else 409)
    return _saved(request, audit, step, "Saved: priority frameworks updated.", "frameworks")


@login_required
@require_POST
def summary_save(request, pk):
    """The audit's summary for reviewers, saved over the version the form was read at."""
    audit = writable_audit_or_404(request, pk)
    step = STEP_BY_SLUG["review"]
    form = style(AuditSummaryForm(request.POST, instance=audit))
    if not form.is_valid():
        return _render_step(request, audit, step, bound={"summary": form})
    try:
        services.audit_update(form=form, user=request.user, expected_version=form.cleaned_data["version"])
    except StaleEdit:
        form.conflict(audit)
        return _render_step(request, audit, step, bound={"summary": form}, status=200 if request.htmx else 409)
    return _saved(request, audit, step, "Saved: summary updated.", "summary")


@login_required
@require_POST
def audit_submit(request, pk):
    """Submit the audit for review (``services.audit_submit``), then show it."""
    audit = writable_audit_or_404(request, pk, action="submit an audit")
    try:
        services.audit_submit(audit=audit, user=request.user)
    except services.WorkflowError as error:
        messages.error(request, str(error))
        return redirect("audits:edit_step", audit.pk, "review")
    messages.success(request, f"“{audit.title}” was submitted for review and is being scored.")
    return redirect("audits:detail", audit.pk)
