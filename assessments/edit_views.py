"""The audit editor: a new audit, then a guided flow through every part of it, one step per page.

Every read goes through ``for_user`` and the audit, so another organisation's audit or record is a 404. Only
officers, reviewers and admins write, and only while the audit is a draft or returned; anything else is a 403.
Each record form carries the revision it was read at and saves with ``save_revision``: a concurrent change is
shown beside the user's unsaved input instead of being overwritten. Every saved change calls ``audit_changed``.
With htmx a write answers with the step body (records, forms and the completeness meter); without it, the
browser is redirected back to the step.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from anchors.forms import AnchorInstitutionForm
from anchors.models import ANCHOR_GROUPS, AnchorCandidate, AnchorInstitution, AnchorType
from assessments import completeness, selectors, services
from assessments.forms import (
    TREND_THEMES,
    AuditClusterForm,
    AuditCreateForm,
    AuditSummaryForm,
    ClusterOrganisationForm,
    MarketForecastForm,
    PriorityFrameworksForm,
    TrendRatingForm,
    style,
)
from assessments.models import Audit, AuditCluster, MarketForecast, PriorityItem, TrendRating
from clusters.forms import ClusterBuilderForm, CrosswalkForm
from clusters.models import ClusterDefinition, ClusterKind, ClusterOrganisation
from core.models import Role, StaleEdit
from regions.models import Region, RegionSet
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
             "Anchor institutions", prefetch=("clusters",), order=("name", "pk")),
        Kind("stakeholders", Stakeholder, StakeholderForm, "stakeholders", "stakeholder", "Stakeholders",
             prefetch=("clusters",), order=("group", "name", "pk")),
        Kind("partnerships", Partnership, PartnershipForm, "partnerships", "partnership", "Partnerships",
             select=("from_stakeholder", "from_anchor", "to_stakeholder", "to_anchor"), order=("-strength", "pk")),
        Kind("organisations", ClusterOrganisation, ClusterOrganisationForm, "organisation", "cluster organisation",
             "Cluster organisations", prefetch=("clusters",), order=("name", "pk")),
        Kind("forecasts", MarketForecast, MarketForecastForm, "market", "forecast", "Market forecasts",
             select=("cluster",), order=("cluster__name", "metric", "pk")),
        Kind("ratings", TrendRating, TrendRatingForm, "market", "trend rating", "Trend-theme ratings",
             select=("cluster",), order=("cluster__name", "theme", "pk")),
    ]
}  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------------


def _audit(request, pk):
    """The active organisation's audit, or 404."""
    return get_object_or_404(selectors.audit_queryset(user=request.user, organisation=request.organisation), pk=pk)


def _can_write(request):
    membership = request.membership
    return membership is not None and Role.rank(membership.role) >= Role.rank(Role.OFFICER)


def _writable_audit(request, pk):
    """The audit, if this user may change it now: 404 for another organisation's, 403 for a viewer or a locked one."""
    audit = _audit(request, pk)
    if not _can_write(request):
        raise PermissionDenied("Viewers can read this audit but not change it.")
    if not audit.is_editable:
        raise PermissionDenied(audit.not_editable_reason)
    return audit


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


# --------------------------------------------------------------------------------------------------------
# Reads for the editor
# --------------------------------------------------------------------------------------------------------


def _spec():
    return validate_spec(default_spec())


def completeness_facts(audit):
    """Plain facts about ``audit`` for the completeness meter, in a fixed number of queries.

    A party tied to a component of a convergence cluster counts for the convergence cluster too, as in scoring.
    """
    candidates = list(AuditCluster.objects.filter(audit=audit).select_related("cluster").order_by("cluster__name"))
    covers = {row.cluster_id: {row.cluster_id} for row in candidates}
    frontier = {cid: {cid} for cid in covers}
    for _ in range(3):  # convergence clusters of convergence clusters, a level per query
        wanted = set().union(*frontier.values()) if frontier else set()
        links = defaultdict(set)
        for parent, child in ClusterDefinition.components.through.objects.filter(
            from_clusterdefinition_id__in=wanted
        ).values_list("from_clusterdefinition_id", "to_clusterdefinition_id"):
            links[parent].add(child)
        frontier = {cid: {c for p in ids for c in links[p]} - covers[cid] for cid, ids in frontier.items()}
        frontier = {cid: ids for cid, ids in frontier.items() if ids}
        for cid, ids in frontier.items():
            covers[cid] |= ids
        if not frontier:
            break

    parties = {}  # key -> (group, located)
    ties = defaultdict(set)  # key -> cluster ids
    for pk, kind, lat, lng in AnchorInstitution.objects.filter(audit=audit).values_list(
        "pk", "anchor_type", "latitude", "longitude"
    ):
        parties[f"a:{pk}"] = (ANCHOR_GROUPS[AnchorType(kind)], lat is not None and lng is not None)
    for pk, cluster_id in AnchorInstitution.clusters.through.objects.filter(anchorinstitution__audit=audit).values_list(
        "anchorinstitution_id", "clusterdefinition_id"
    ):
        ties[f"a:{pk}"].add(cluster_id)
    stakeholders = 0
    for pk, group, lat, lng in Stakeholder.objects.filter(audit=audit).values_list(
        "pk", "group", "latitude", "longitude"
    ):
        stakeholders += 1
        parties[f"s:{pk}"] = (group, lat is not None and lng is not None)
    for pk, cluster_id in Stakeholder.clusters.through.objects.filter(stakeholder__audit=audit).values_list(
        "stakeholder_id", "clusterdefinition_id"
    ):
        ties[f"s:{pk}"].add(cluster_id)
    edges = [
        (f"s:{fs}" if fs else f"a:{fa}", f"s:{ts}" if ts else f"a:{ta}")
        for fs, fa, ts, ta in Partnership.objects.filter(audit=audit).values_list(
            "from_stakeholder_id", "from_anchor_id", "to_stakeholder_id", "to_anchor_id"
        )
    ]
    forecasts = list(MarketForecast.objects.filter(audit=audit).values_list("cluster_id", flat=True))
    ratings = list(TrendRating.objects.filter(audit=audit).values_list("cluster_id", flat=True))
    framework_ids = list(audit.priority_frameworks.values_list("pk", flat=True))
    prioritised = set(
        PriorityItem.objects.filter(framework_id__in=framework_ids, weight__gt=0).values_list("cluster_id", flat=True)
    )

    cluster_facts = []
    for row in candidates:
        cover = covers[row.cluster_id]
        tied = {key for key, ids in ties.items() if ids & cover}
        cluster_facts.append(
            completeness.ClusterFacts(
                cluster_id=row.cluster_id,
                name=row.cluster.name,
                anchors=sum(1 for key in tied if key.startswith("a:")),
                located=sum(1 for key in tied if parties.get(key, (None, False))[1]),
                groups=frozenset(parties[key][0] for key in tied if key in parties),
                partnerships=sum(1 for a, b in edges if a in tied or b in tied),
                talent=row.relevant_graduates is not None,
                innovation=row.patents is not None or row.research_spend is not None,
                investment=any(
                    v is not None for v in (row.investment_amount, row.investment_deals, row.investment_growth)
                ),
                forecasts=sum(1 for cid in forecasts if cid == row.cluster_id),
                priority=row.cluster_id in prioritised,
                ratings=sum(1 for cid in ratings if cid == row.cluster_id),
            )
        )
    return completeness.AuditFacts(
        candidates=tuple(cluster_facts),
        anchors=sum(1 for key in parties if key.startswith("a:")),
        stakeholders=stakeholders,
        groups=frozenset(group for group, _ in parties.values()),
        partnerships=len(edges),
        organisations=ClusterOrganisation.objects.filter(audit=audit).count(),
        forecasts=len(forecasts),
        frameworks=len(framework_ids),
        ratings=len(ratings),
    )


def _history(record):
    """The record's saved versions, newest first, each with who, when and what changed (a bounded read)."""
    entries = list(
        record.history.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY_SHOWN + 1]
    )
    labels = {f.name: f.verbose_name for f in record._meta.concrete_fields}
    rows = []
    for newer, older in zip(entries[:HISTORY_SHOWN], entries[1:] + [None], strict=False):
        changes = []
        if older is not None and newer.history_type == "~":
            for change in newer.diff_against(older).changes:
                if change.field in ("revision", "updated_at"):
                    continue
                changes.append((labels.get(change.field, change.field), change.old, change.new))
        rows.append({"entry": newer, "changes": changes})
    return rows, len(entries) > HISTORY_SHOWN


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
    can_edit = _can_write(request) and audit.is_editable
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
    report = completeness.assess(completeness_facts(audit), _spec())
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
        "can_write": _can_write(request),
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
        visible = ClusterDefinition.objects.for_user(request.user, organisation=request.organisation)
        context["cluster_matches"] = list(
            visible.filter(Q(name__icontains=cluster_query) | Q(code__iexact=cluster_query))
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
        context["builder_form"] = bound.get("builder") or style(
            ClusterBuilderForm(organisation=audit.organisation, classification=classification)
        )
    return context


def _anchors_helpers(request, audit, can_edit, bound):
    query = request.GET.get("candidate_q", "").strip()
    candidates = AnchorCandidate.objects.filter(Q(region=audit.region) | Q(metro=audit.region)).exclude(
        pk__in=AnchorInstitution.objects.filter(audit=audit, candidate__isnull=False).values("candidate")
    )
    if query:
        candidates = candidates.filter(Q(name__icontains=query) | Q(city__icontains=query))
    shown = list(candidates.order_by("name")[: CANDIDATES_SHOWN + 1])
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
    template = "assessments/edit/_step_body.html" if request.htmx else "assessments/edit/step.html"
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


@login_required
def audit_create(request):
    """A new draft audit of the active organisation."""
    if request.organisation is None or not _can_write(request):
        raise PermissionDenied("Only officers, reviewers and admins can start an audit.")
    region_set = request.GET.get("region_set", "")
    region_set = region_set if region_set.isdigit() else None
    query = request.GET.get("region_q", "").strip()
    if request.method == "POST":
        form = AuditCreateForm(request.POST)
        if form.is_valid():
            audit = form.save(commit=False)
            audit.organisation = request.organisation
            audit.created_by = request.user
            audit._history_user = request.user
            audit.save()
            messages.success(request, f"Audit “{audit.title}” created as a draft. Start with its candidate clusters.")
            return redirect("audits:edit_step", audit.pk, STEPS[0].slug)
    else:
        initial = {"region_set": region_set, "title": request.GET.get("title", "")}
        if request.GET.get("year", "").isdigit():
            initial["year"] = int(request.GET["year"])
        form = AuditCreateForm(initial=initial, region_set=region_set)
        if query:
            form.fields["region"].queryset = form.fields["region"].queryset.filter(
                Q(name__icontains=query) | Q(code__icontains=query)
            )
    regions_url = reverse("audits:new_regions")
    form.fields["region_set"].empty_label = "Choose a region set…"
    form.fields["region"].empty_label = (
        "Choose a region…" if form.fields["region"].queryset.exists() else ("Choose a region set first…")
    )
    form.fields["region_set"].widget.attrs.update(
        {"hx-get": regions_url, "hx-trigger": "change", "hx-target": "#id_region", "hx-include": "[name=region_q]"}
    )
    style(form)
    return render(request, "assessments/edit/audit_new.html", {"form": form, "region_query": query})


@login_required
@require_GET
def audit_create_regions(request):
    """The region choices of a region set matching a search (htmx refreshes the new-audit form's select)."""
    region_set = (
        get_object_or_404(RegionSet, pk=request.GET.get("region_set"))
        if request.GET.get("region_set", "").isdigit()
        else None
    )
    regions = Region.objects.defer("boundary").order_by("name")
    if region_set:
        regions = regions.filter(region_sets=region_set)
    query = request.GET.get("region_q", "").strip()
    if query:
        regions = regions.filter(Q(name__icontains=query) | Q(code__icontains=query))
    shown = list(regions.only("pk", "name", "code")[: REGION_OPTIONS_SHOWN + 1])
    context = {
        "regions": shown[:REGION_OPTIONS_SHOWN],
        "truncated": len(shown) > REGION_OPTIONS_SHOWN,
        "selected": request.GET.get("region", ""),
        "region_set": region_set,
    }
    return render(request, "assessments/edit/_region_options.html", context)


@login_required
@require_GET
def audit_edit(request, pk):
    audit = _audit(request, pk)
    return redirect("audits:edit_step", audit.pk, STEPS[0].slug)


@login_required
@require_GET
def audit_step(request, pk, step):
    audit = _audit(request, pk)
    try:
        current = STEP_BY_SLUG[step]
    except KeyError as error:
        raise Http404("No such step.") from error
    return _render_step(request, audit, current)


@login_required
@require_POST
def record_create(request, pk, kind):
    audit = _writable_audit(request, pk)
    kind = _kind(kind)
    step = STEP_BY_SLUG[kind.step]
    form = _new_form(kind, audit, request.POST)
    if not form.is_valid():
        return _render_step(request, audit, step, bound={kind.slug: form})
    record = services.audit_record_save(form=form, user=request.user)
    return _saved(request, audit, step, f"Saved: {kind.noun} “{_label(record)}” added.", f"{kind.slug}-{record.pk}")


@login_required
def record_edit(request, pk, kind, record_id):
    """GET: the step with this record's form open. POST: save it over the revision the form was read at."""
    kind = _kind(kind)
    step = STEP_BY_SLUG[kind.step]
    if request.method != "POST":
        audit = _audit(request, pk)
        record = _record(request, audit, kind, record_id)
        if not (_can_write(request) and audit.is_editable):
            return _render_step(request, audit, step)
        form = style(kind.form(instance=record, audit=audit))
        return _render_step(request, audit, step, editing=Editing(kind.slug, record.pk, form, record.revision))
    audit = _writable_audit(request, pk)
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
        stored = _record(request, audit, kind, record_id)
        latest = stored.history.select_related("history_user").order_by("-history_date", "-history_id").first()
        by = ""
        if latest is not None:
            who = latest.history_user.get_username() if latest.history_user else "someone"
            by = f"{who} at {timezone.localtime(latest.history_date):%H:%M on %d %b %Y}"
        stored_form = kind.form(instance=stored, audit=audit)
        editing = Editing(kind.slug, record.pk, form, stored.revision, _conflict_rows(form, stored_form), by)
        return _render_step(request, audit, step, editing=editing, status=200 if request.htmx else 409)
    return _saved(request, audit, step, f"Saved: {kind.noun} “{_label(saved)}” updated.", f"{kind.slug}-{saved.pk}")


@login_required
@require_POST
def record_delete(request, pk, kind, record_id):
    audit = _writable_audit(request, pk)
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
    audit = _audit(request, pk)
    kind = _kind(kind)
    record = _record(request, audit, kind, record_id)
    rows, more = _history(record)
    context = {"audit": audit, "kind": kind, "record": record, "history": rows, "more": more,
               "step": STEP_BY_SLUG[kind.step]}  # fmt: skip
    template = "assessments/edit/_history.html" if request.htmx else "assessments/edit/history.html"
    return render(request, template, context)


@login_required
@require_POST
def cluster_build(request, pk):
    """Build the organisation's own custom or convergence cluster, and (by default) add it as a candidate."""
    audit = _writable_audit(request, pk)
    step = STEP_BY_SLUG["clusters"]
    classification = audit.region_set.classification
    form = style(ClusterBuilderForm(request.POST, organisation=audit.organisation, classification=classification))
    if not form.is_valid():
        return _render_step(request, audit, step, bound={"builder": form}, extra={"builder_open": True})
    with transaction.atomic():
        cluster = form.save(user=request.user)
        added = ""
        if form.cleaned_data.get("add_as_candidate"):
            candidate = AuditCluster(audit=audit, cluster=cluster)
            candidate._history_user = request.user
            candidate.save()
            services.audit_changed(audit=audit)
            added = " and added as a candidate"
    kind = "convergence" if cluster.kind == ClusterKind.CONVERGENCE else "custom"
    return _saved(request, audit, step, f"Saved: {kind} cluster “{cluster.name}” built{added}.")


@login_required
@require_POST
def candidate_add(request, pk):
    """Add a found cluster as a candidate in one click (the search results' buttons)."""
    audit = _writable_audit(request, pk)
    step = STEP_BY_SLUG["clusters"]
    cluster = get_object_or_404(
        ClusterDefinition.objects.for_user(request.user, organisation=request.organisation),
        pk=request.POST.get("cluster") if str(request.POST.get("cluster", "")).isdigit() else None,
    )
    if AuditCluster.objects.filter(audit=audit, cluster=cluster).exists():
        return _saved(request, audit, step, f"“{cluster.name}” is already a candidate.")
    with transaction.atomic():
        candidate = AuditCluster(audit=audit, cluster=cluster)
        candidate._history_user = request.user
        candidate.save()
        services.audit_changed(audit=audit)
    text = f"Saved: candidate cluster “{cluster.name}” added."
    return _saved(request, audit, step, text, f"candidates-{candidate.pk}")


@login_required
@require_POST
def anchor_from_candidate(request, pk):
    """Record a public institution (IPEDS, UK providers) of the region as an anchor, with its location."""
    audit = _writable_audit(request, pk)
    step = STEP_BY_SLUG["anchors"]
    candidate_id = request.POST.get("candidate", "")
    candidate = get_object_or_404(
        AnchorCandidate.objects.filter(Q(region=audit.region) | Q(metro=audit.region)),
        pk=candidate_id if candidate_id.isdigit() else None,
    )
    website = candidate.website.strip()
    if website and not website.startswith(("http://", "https://")):
        website = f"https://{website}"
    form = style(
        AnchorInstitutionForm(
            {
                "name": candidate.name, "anchor_type": candidate.anchor_type, "website": website,
                "address": candidate.address, "city": candidate.city, "postcode": candidate.postcode,
                "latitude": candidate.latitude if candidate.latitude is not None else "",
                "longitude": candidate.longitude if candidate.longitude is not None else "",
                "description": " · ".join(filter(None, [candidate.category, candidate.size_band])),
            },
            audit=audit,
        )
    )  # fmt: skip
    if not form.is_valid():
        form.data = form.data.copy()
        form.data["website"] = ""
        form = style(AnchorInstitutionForm(form.data, audit=audit))
        if not form.is_valid():
            return _render_step(request, audit, step, bound={"anchors": form})
    with transaction.atomic():
        anchor = form.save(commit=False)
        anchor.candidate = candidate
        anchor._history_user = request.user
        anchor.save()
        services.audit_changed(audit=audit)
    return _saved(
        request, audit, step, f"Saved: “{anchor.name}” added from public records. Tie it to its clusters.",
        f"anchors-{anchor.pk}",
    )  # fmt: skip


@login_required
@require_POST
def frameworks_save(request, pk):
    """Select the priority frameworks; a selection someone else changed meanwhile is a conflict, not overwritten."""
    audit = _writable_audit(request, pk)
    step = STEP_BY_SLUG["market"]
    form = style(PriorityFrameworksForm(request.POST, audit=audit))
    if not form.is_valid():
        return _render_step(request, audit, step, bound={"frameworks": form})
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        current = sorted(locked.priority_frameworks.values_list("pk", flat=True))
        if current != form.started_ids():
            names = ", ".join(str(f) for f in locked.priority_frameworks.order_by("name")) or "none"
            form.add_error(None, f"Someone else changed the selection meanwhile; it is now: {names}. "
                           "Your choices are kept below: save again to replace theirs.")  # fmt: skip
            form.data = form.data.copy()
            form.data["started_from"] = ",".join(map(str, current))
            return _render_step(request, audit, step, bound={"frameworks": form}, status=200 if request.htmx else 409)
        locked.priority_frameworks.set(form.cleaned_data["frameworks"])
        services.audit_changed(audit=audit)
    return _saved(request, audit, step, "Saved: priority frameworks updated.", "frameworks")


@login_required
@require_POST
def summary_save(request, pk):
    """The audit's summary for reviewers, saved over the version the form was read at."""
    audit = _writable_audit(request, pk)
    step = STEP_BY_SLUG["review"]
    form = style(AuditSummaryForm(request.POST, instance=audit))
    if not form.is_valid():
        return _render_step(request, audit, step, bound={"summary": form})
    with transaction.atomic():
        locked = Audit.objects.select_for_update().get(pk=audit.pk)
        if locked.version != form.cleaned_data["version"]:
            form.add_error(None, "The audit changed since you opened this page. Your text is kept below; the saved "
                           f"summary is: “{locked.summary or '(empty)'}”. Save again to replace it.")  # fmt: skip
            form.data = form.data.copy()
            form.data["version"] = locked.version
            return _render_step(request, audit, step, bound={"summary": form}, status=200 if request.htmx else 409)
        locked.summary = form.cleaned_data["summary"]
        locked._history_user = request.user
        locked.save(update_fields=["summary", "updated_at"])
        services.audit_changed(audit=audit)
    return _saved(request, audit, step, "Saved: summary updated.", "summary")


@login_required
@require_POST
def audit_submit(request, pk):
    """Submit the audit for review (``services.audit_submit``), then show it."""
    audit = _writable_audit(request, pk)
    try:
        services.audit_submit(audit=audit, user=request.user)
    except services.WorkflowError as error:
        messages.error(request, str(error))
        return redirect("audits:edit_step", audit.pk, "review")
    messages.success(request, f"“{audit.title}” was submitted for review and is being scored.")
    return redirect("audits:detail", audit.pk)
