"""Hostile text everywhere it is shown: one organisation whose every free-text field a user can fill carries
markup, written through the product's own forms and services, and a headless browser that visits every page,
chart, map and partial of that organisation (enumerated from the URL patterns) and fetches every export.

A page fails if any payload runs (``window.__xss`` names the field it came from), if a dialog opens, if an
injected ``<img src=x>`` is fetched, or if a template expression is evaluated; an export fails if a cell would run
as a spreadsheet formula. The payload of each field starts with a formula trigger (``= + - @`` in turn), so the
same world tests the exports.
"""

import csv
import io
import re
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from anchors.forms import AnchorInstitutionForm
from assessments.models import Score, ScoreRun
from assessments.reports.indicators import export_indicators
from assessments.services import methodologies, runs, scenarios
from audits import imports
from audits import services as audit_services
from audits.forms import (
    AuditClusterForm,
    AuditCreateForm,
    AuditSummaryForm,
    ClusterOrganisationForm,
    MarketForecastForm,
    TrendRatingForm,
)
from audits.models import PriorityFramework, PriorityItem
from clusters.forms import ClusterBuilderForm
from clusters.models import ClusterDefinition, ClusterKind, ClusterMember
from core import services as core_services
from core.models import Role, RunStatus
from integrations import services as integrations
from integrations.forms import WebhookCreateForm
from regions.models import Region, RegionSet
from stakeholders.forms import PartnershipForm, StakeholderForm
from tests.conftest import signed_in_page
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

TRIGGERS = "=+-@"  # each field's payload starts with one of these (formula injection in the exports)
TEMPLATE_PROBE = "{{7*6}}~${7*6}"  # evaluated, it reads "42~" or "~42"
TEMPLATE_EVALUATED = re.compile(r"42~|~42")


def payload(tag, limit):
    """Markup that sets ``window.__xss`` to ``tag`` in every HTML context it could land in, within ``limit``.

    The parts are added in order while they fit: a script element, a broken-out double-quoted attribute with an
    image whose load fails, a broken-out single-quoted attribute with an SVG, a ``javascript:`` link (what a
    chart's rich text could turn into a link), and the template-injection probe.
    """
    parts = [
        f"<script>window.__xss='{tag}'</script>",
        f'"><img src=x onerror="window.__xss=\'{tag}\'">',
        f"'><svg onload=window.__xss='{tag}'>",
        f"<a href=\"javascript:window.__xss='{tag}'\">{tag}</a>",
        TEMPLATE_PROBE,
    ]
    text = tag
    for part in parts:
        if len(text) + len(part) <= limit:
            text += part
    return text


class Payloads:
    """A distinct payload per field; ``field(tag)`` names the field a payload (or a ``window.__xss``) came from."""

    def __init__(self):
        self.fields = {}

    def __call__(self, field, limit=200):
        key = f"x{len(self.fields):02d}"
        self.fields[key] = field
        return payload(TRIGGERS[len(self.fields) % len(TRIGGERS)] + key, limit)

    def link(self, field):
        """An http(s) link (the only scheme the link fields accept) whose query breaks out of an attribute."""
        tag = f"x{len(self.fields):02d}"
        self.fields[tag] = field
        return f"https://example.org/?q=\"><svg/onload=window.__xss='{tag}'>'><img/src=x/onerror=window.__xss='{tag}'>"

    def field(self, tag):
        return self.fields.get(str(tag).lstrip(TRIGGERS), str(tag))


def _valid(form):
    assert form.is_valid(), form.errors.as_json()
    return form


def _succeeded(run):
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def hostile(settings):
    """The organisation ``hostile`` and its audit of the West Midlands, every free-text field hostile.

    The audit is submitted (scored) and returned with a hostile comment, so it is both scored and editable; a
    scenario is scored, the organisation's own methodology scores the whole region set (the maps), and an
    import waits in preview.
    """
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    if not RegionSet.objects.filter(slug="uk-nuts2").exists():  # a transactional test may have flushed it
        call_command("load_reference_data", verbosity=0)
    p = Payloads()
    nuts2 = RegionSet.objects.get(slug="uk-nuts2")
    west_midlands = Region.objects.get(scheme="nuts2", code="UKG3")
    fintech, proptech = (
        ClusterDefinition.objects.get(slug=slug, organisation=None) for slug in ("fintech", "proptech")
    )

    organisation, _ = core_services.organisation_create(
        slug="hostile", name=p("organisation.name"), description=p("organisation.description")
    )
    admin = UserFactory(username="hostile-admin")
    admin.first_name, admin.last_name = p("user.first_name", 150), p("user.last_name", 150)
    admin.full_clean()
    admin.save()
    core_services.membership_set(organisation=organisation, username=admin.username, role=Role.ADMIN)
    officer = UserFactory(username="hostile-officer", first_name=p("officer.first_name", 150))
    core_services.membership_set(organisation=organisation, username=officer.username, role=Role.OFFICER)

    form = _valid(AuditCreateForm(
        {"title": p("audit.title"), "region_set": nuts2.pk, "region": west_midlands.pk, "year": 2018}
    ))  # fmt: skip
    audit = audit_services.audit_create(form=form, organisation=organisation, user=officer)

    codes = ", ".join(ClusterMember.objects.filter(cluster=fintech).values_list("industry__code", flat=True)[:6])
    builder = {"kind": ClusterKind.CUSTOM, "name": p("custom cluster.name"), "add_as_candidate": "on",
               "description": p("custom cluster.description"), "codes": codes}  # fmt: skip
    build = _valid(ClusterBuilderForm(builder, organisation=organisation, classification=nuts2.classification))
    custom, candidate = audit_services.custom_cluster_build(audit=audit, form=build, user=officer)
    builder = {"kind": ClusterKind.CONVERGENCE, "name": p("convergence cluster.name"), "add_as_candidate": "on",
               "description": p("convergence cluster.description"),
               "components": [fintech.pk, proptech.pk]}  # fmt: skip
    build = _valid(ClusterBuilderForm(builder, organisation=organisation, classification=nuts2.classification))
    convergence, _ = audit_services.custom_cluster_build(audit=audit, form=build, user=officer)
    audit_services.candidate_add(audit=audit, cluster=fintech, user=officer)

    def record(form_class, data, instance=None, **extra):
        form = _valid(form_class(data, audit=audit, instance=instance, **extra))
        return audit_services.audit_record_save(form=form, user=officer)

    record(AuditClusterForm, {"relevant_graduates": 1200, "patents": 300, "notes": p("candidate.notes")},
           instance=candidate)  # fmt: skip
    anchor = record(AnchorInstitutionForm, {
        "name": p("anchor.name"), "anchor_type": "university", "website": p.link("anchor.website"),
        "description": p("anchor.description"), "address": p("anchor.address", 300), "city": p("anchor.city", 120),
        "postcode": "B1 1AA", "latitude": 52.48, "longitude": -1.89, "staff": 16000,
        "clusters": [custom.pk, convergence.pk, fintech.pk], "evidence": p.link("anchor.evidence"),
    })  # fmt: skip
    stakeholders = [
        record(StakeholderForm, {
            "name": p(f"stakeholder {group}.name"), "group": group, "sector": p(f"stakeholder {group}.sector", 120),
            "website": p.link(f"stakeholder {group}.website"), "description": p(f"stakeholder {group}.description"),
            "employees": 40, "latitude": 52.5, "longitude": -1.9, "clusters": [custom.pk, fintech.pk],
        })
        for group in ("corporate", "capital", "government")
    ]  # fmt: skip
    record(PartnershipForm, {"source": f"a:{anchor.pk}", "target": f"s:{stakeholders[0].pk}", "kind": "research",
                             "strength": 4, "description": p("partnership.description")})  # fmt: skip
    record(PartnershipForm, {"source": f"s:{stakeholders[1].pk}", "target": f"a:{anchor.pk}", "kind": "investment",
                             "strength": 3, "description": p("partnership 2.description")})  # fmt: skip
    record(ClusterOrganisationForm, {
        "name": p("cluster organisation.name"), "website": p.link("cluster organisation.website"),
        "clusters": [custom.pk], "members_count": 40, "member_types": ["corporate"], "budget_currency": "GBP",
        "funding_model": "mixed", "regions_spanned": 1, "notes": p("cluster organisation.notes"),
    })  # fmt: skip
    record(MarketForecastForm, {
        "cluster": custom.pk, "metric": p("forecast.metric", 40), "unit": p("forecast.unit", 20), "base_year": 2018,
        "base_value": 100, "target_year": 2030, "target_value": 150, "source": p("forecast.source", 300),
        "source_url": p.link("forecast.source_url"),
    })  # fmt: skip
    record(TrendRatingForm, {"cluster": custom.pk, "theme": p("rating.theme", 80), "rating": 4,
                             "evidence": p("rating.evidence")})  # fmt: skip

    # An organisation's own priority framework has no form yet (issue 21 point 11): the model's own validation.
    framework = PriorityFramework(organisation=organisation, slug="own", name=p("framework.name"),
                                  publisher=p("framework.publisher"),
                                  source_url=p.link("framework.source_url"))  # fmt: skip
    framework.full_clean()
    framework.save()
    item = PriorityItem(framework=framework, cluster=custom, label=p("framework item.label"))
    item.full_clean()
    item.save()
    audit_services.audit_frameworks_set(audit=audit, frameworks=[framework], user=officer)
    audit.refresh_from_db()
    summary = _valid(AuditSummaryForm({"summary": p("audit.summary"), "version": audit.version}, instance=audit))
    audit = audit_services.audit_update(form=summary, user=officer, expected_version=audit.version)

    audit_services.audit_submit(audit=audit, user=officer)  # scores the audit (tasks run in-process)
    audit_services.audit_return(audit=audit, user=admin, comment=p("audit.review_comment"))
    run = _succeeded(ScoreRun.objects.of_audit(audit).latest("pk"))

    methodology = methodologies.methodology_clone(
        methodology=methodologies.methodology_default(), organisation=organisation, name=p("methodology.name", 120)
    )
    set_run = _succeeded(runs.score_run_request(region_set=nuts2, year=2018, methodology=methodology)[0])
    scenario = scenarios.scenario_create(
        audit=audit, name=p("scenario.name"), description=p("scenario.description"), user=officer,
        overrides={"add_anchors": [{"name": p("scenario anchor.name"), "anchor_type": "university", "staff": 9000,
                                    "clusters": [custom.code], "latitude": 52.45, "longitude": -1.93}],
                   "add_jobs": [{"cluster": custom.code, "jobs": 4000}]},
    )  # fmt: skip
    _succeeded(scenarios.scenario_score(scenario=scenario, user=officer)[0])

    api_key, _ = integrations.api_key_create(organisation=organisation, name=p("api key.name", 50), user=admin)
    hook = _valid(WebhookCreateForm({"url": p.link("webhook.url"), "description": p("webhook.description")}))
    webhook = integrations.webhook_create(organisation=organisation, user=admin, **hook.cleaned_data)

    header = list(imports.IMPORTERS["anchors"].columns)
    rows = [{"name": p("import row.name"), "anchor_type": "university", "description": p("import row.description")},
            {"name": p("import bad row.name"), "anchor_type": p("import bad row.anchor_type", 60)}]  # fmt: skip
    text = io.StringIO()
    writer = csv.DictWriter(text, header)
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("anchors.csv", text.getvalue().encode(), content_type="text/csv")
    batch = imports.import_preview(audit=audit, kind="anchors", uploaded_file=upload, user=officer)

    scores = Score.objects.filter(run=run, region=west_midlands, candidate=True)
    indicators = io.StringIO()
    export_indicators(indicators, set_run)  # what ``manage.py export_indicators`` writes, for this organisation's run
    return {
        "payloads": p, "organisation": organisation, "user": admin, "audit": audit, "run": run,
        "custom": custom, "convergence": convergence, "region": west_midlands, "region_set": nuts2,
        "scores": list(scores.values_list("pk", flat=True)),
        "custom_score": scores.get(cluster=custom).pk, "convergence_score": scores.get(cluster=convergence).pk,
        "indicators_csv": indicators.getvalue(), "scenario": scenario, "methodology": methodology,
        "api_key": api_key, "webhook": webhook, "batch": batch, "framework": framework,
        "records": {kind: model.objects.filter(audit=audit).order_by("pk").values_list("pk", flat=True).first()
                    for kind, model in _record_models().items()},
    }  # fmt: skip


def _record_models():
    from audits.views.editor import KINDS

    return {slug: kind.model for slug, kind in KINDS.items()}


# --------------------------------------------------------------------------------------------------------
# What the crawl visits
# --------------------------------------------------------------------------------------------------------

# Named URL patterns the crawl does not open, and why: each changes state (POST only) or shows no stored text.
NOT_CRAWLED = {
    "health": "no user text", "api:ping": "no user text", "api:schema": "the OpenAPI document, no user text",
    "login": "signs in (the crawl starts there)", "logout": "POST: signs out",
    "switch_organisation": "POST", "member_add": "POST (the form is on the members page)",
    "integrations:api_key_create": "POST (the form is on the keys page)",
    "integrations:webhook_create": "POST (the form is on the webhooks page)",
    "member_role": "POST", "member_remove": "POST",
    "integrations:api_key_revoke": "POST", "integrations:webhook_toggle": "POST",
    "integrations:webhook_delete": "POST", "integrations:webhook_resend": "POST",
    "audits:score": "POST", "audits:edit_cluster_build": "POST", "audits:edit_candidate_add": "POST",
    "audits:edit_anchor_pick": "POST", "audits:edit_frameworks": "POST", "audits:edit_summary": "POST",
    "audits:edit_submit": "POST", "audits:edit_record_new": "POST", "audits:import_confirm": "POST",
    "audits:import_cancel": "POST", "audits:submit": "POST", "audits:approve": "POST", "audits:return": "POST",
    "audits:new_version": "POST", "audits:copy_to_year": "POST", "audits:edit_delete": "POST",
    "dashboard_scenario_validate": "POST (echoes the form it is sent)", "dashboard_scenario_rescore": "POST",
    "dashboard_methodology_clone": "POST", "dashboard_methodology_validate": "POST (echoes the form it is sent)",
    "api:audit-score": "POST", "api:webhook-detail": "the list and deliveries show the same webhook",
    "api:not-found": "the API's catch-all 404: no user text", "api:redoc-bundle": "the Redoc script: no user text",
    "audits:framework_delete": "POST", "dashboard_region_set_score": "POST (staff)", "member_invite": "POST",
    "invitation_respond": "POST", "invitation_revoke": "POST",
    "invitation": "needs a one-time token; the invitation shows the organisation's name, crawled on the home page",
    "invitation_sign_up": "needs a one-time token (as invitation)",
}  # fmt: skip

PLOTLY_HOVER = """async () => {
  // Hover over the first points of every trace (Plotly renders hover labels from the data), and report any link
  // in a chart: the product's charts have none, so one is markup from a label that Plotly rendered.
  const links = new Set();
  const collect = gd => gd.querySelectorAll('a').forEach(a => links.add(
    (a.textContent || '') + ' -> ' + (a.getAttribute('href') || a.getAttribute('xlink:href') || '')));
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  for (const gd of plots) {
    collect(gd);
    for (const [curveNumber, trace] of (gd.data || []).entries()) {
      const n = Math.min(5, (trace.x || trace.lat || trace.locations || trace.y || []).length);
      const subplot = trace.subplot || trace.geo || undefined;
      for (let pointNumber = 0; pointNumber < n; pointNumber++) {
        try { Plotly.Fx.hover(gd, [{curveNumber, pointNumber}], subplot); } catch (e) { /* a trace without hover */ }
        await new Promise(r => setTimeout(r, 10));
        collect(gd);
      }
    }
  }
  return {plots: plots.length, links: [...links]};
}"""

INJECTED_ATTRIBUTES = """() => [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
  .filter(a => /^on/i.test(a.name) || (/^(href|src|action|formaction|xlink:href|data)$/i.test(a.name)
                                      && /^\\s*javascript:/i.test(a.value)))
  .map(a => `<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 60)}">`))"""


def _pattern_names():
    """Every named URL pattern outside the admin, with its namespace (format-suffix variants folded in)."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                if pattern.app_name != "admin":
                    yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}"

    return set(walk(get_resolver().url_patterns))


def crawl_plan(world):
    """``(url name, path)`` for every page of the organisation, filled with the world's objects."""
    audit, custom, convergence = world["audit"].pk, world["custom"].pk, world["convergence"].pk
    region, region_set, batch = world["region"].pk, world["region_set"].slug, world["batch"].pk
    score, scenario, webhook = world["custom_score"], world["scenario"].pk, world["webhook"].pk
    others = "&".join(f"regions={code}" for code in ("UKG3", "UKG1", "UKG2", "UKI3"))
    plan = [
        ("home", reverse("home")),
        ("members", reverse("members")),
        ("integrations:api_keys", reverse("integrations:api_keys")),
        ("integrations:webhooks", reverse("integrations:webhooks")),
        ("integrations:webhook_detail", reverse("integrations:webhook_detail", args=[webhook])),
        ("regions:set_list", reverse("regions:set_list")),
        ("regions:list", reverse("regions:list", args=[region_set])),
        ("regions:detail", reverse("regions:detail", args=[region])),
        ("clusters:list", reverse("clusters:list")),
        ("clusters:detail", reverse("clusters:detail", args=[custom])),
        ("clusters:detail", reverse("clusters:detail", args=[convergence])),
        ("audits:list", reverse("audits:list")),
        ("audits:detail", reverse("audits:detail", args=[audit])),
        ("audits:run_status", reverse("audits:run_status", args=[audit, world["run"].pk])),
        ("audits:lineage", reverse("audits:lineage", args=[audit])),
        ("audits:compare", reverse("audits:compare", args=[audit, audit])),
        ("audits:new", reverse("audits:new") + f"?region_set={world['region_set'].pk}"),
        ("audits:new_regions", reverse("audits:new_regions") + f"?region_set={world['region_set'].pk}"),
        ("audits:edit", reverse("audits:edit", args=[audit])),
        ("audits:import_upload", reverse("audits:import_upload", args=[audit])),
        ("audits:import_preview", reverse("audits:import_preview", args=[audit, batch])),
        ("dashboard_audit", reverse("dashboard_audit", args=[audit])),
        ("dashboard_region", reverse("dashboard_region", args=[region, region_set])),
        ("dashboard_audit_points", reverse("dashboard_audit_points", args=[audit])),
        ("dashboard_choropleth",
         reverse("dashboard_choropleth", args=[region_set]) + f"?cluster={world['custom'].code}"),
        ("dashboard_cluster_regions", reverse("dashboard_cluster_regions", args=[custom, region_set])),
        ("dashboard_cluster_regions", reverse("dashboard_cluster_regions", args=[convergence, region_set])),
        ("dashboard_benchmark", reverse("dashboard_benchmark") + f"?region_set={region_set}&{others}"),
        ("dashboard_peers", reverse("dashboard_peers") + f"?region_set={region_set}&region=UKG3"),
        ("dashboard_scenarios", reverse("dashboard_scenarios", args=[audit])),
        ("dashboard_scenario_weights", reverse("dashboard_scenario_weights", args=[audit])
         + f"?methodology={world['methodology'].pk}"),
        ("dashboard_scenario", reverse("dashboard_scenario", args=[scenario])),
        ("dashboard_methodologies", reverse("dashboard_methodologies")),
        ("dashboard_methodology_edit", reverse("dashboard_methodology_edit", args=[world["methodology"].pk])),
        ("api:docs", reverse("api:docs")),
        ("api:redoc", reverse("api:redoc")),
        ("audits:frameworks", reverse("audits:frameworks")),
        ("audits:framework_new", reverse("audits:framework_new")),
        ("audits:framework_edit", reverse("audits:framework_edit", args=[world["framework"].pk])),
        ("api:priority-framework-list", reverse("api:priority-framework-list")),
        ("api:priority-framework-detail", reverse("api:priority-framework-detail", args=[world["framework"].pk])),
    ]  # fmt: skip
    from audits.views.editor import STEPS

    plan += [("audits:edit_step", reverse("audits:edit_step", args=[audit, step.slug])) for step in STEPS]
    for kind, record in world["records"].items():
        plan += [("audits:edit_record", reverse("audits:edit_record", args=[audit, kind, record])),
                 ("audits:edit_history", reverse("audits:edit_history", args=[audit, kind, record]))]  # fmt: skip
    for pk in world["scores"]:
        plan += [("dashboard_score", reverse("dashboard_score", args=[pk])),
                 ("audits:score_explain", reverse("audits:score_explain", args=[audit, pk]))]  # fmt: skip
    # The browsable API: every list and detail of the organisation's records, as a browser shows them.
    api = [("api:api-root", []), ("api:audit-list", []), ("api:audit-detail", [audit]),
           ("api:candidate-cluster-list", []), ("api:anchor-list", []), ("api:stakeholder-list", []),
           ("api:partnership-list", []), ("api:scenario-list", []), ("api:scenario-detail", [scenario]),
           ("api:cluster-detail", [custom]), ("api:cluster-detail", [convergence]), ("api:methodology-list", []),
           ("api:methodology-detail", [world["methodology"].pk]),
           ("api:methodology-indicators", [world["methodology"].pk]), ("api:webhook-list", []),
           ("api:webhook-deliveries", [webhook]), ("api:run-detail", [world["run"].pk]),
           ("api:score-detail", [score]), ("api:score-explanation", [score]), ("api:score-history", [score]),
           ("api:region-detail", [region]), ("api:region-set-detail", [region_set]),
           ("api:indicator-list", [])]  # fmt: skip
    plan += [(name, reverse(name, args=args)) for name, args in api]
    records = world["records"]
    plan += [
        ("api:candidate-cluster-detail", reverse("api:candidate-cluster-detail", args=[records["candidates"]])),
        ("api:anchor-detail", reverse("api:anchor-detail", args=[records["anchors"]])),
        ("api:stakeholder-detail", reverse("api:stakeholder-detail", args=[records["stakeholders"]])),
        ("api:partnership-detail", reverse("api:partnership-detail", args=[records["partnerships"]])),
        ("api:cluster-list", reverse("api:cluster-list")),
        ("api:run-list", reverse("api:run-list") + f"?audit={audit}"),
        ("api:score-list", reverse("api:score-list") + f"?audit={audit}"),
        ("api:region-list", reverse("api:region-list") + f"?region_set={region_set}"),
        ("api:region-set-list", reverse("api:region-set-list")),
    ]
    return plan


# Partials htmx swaps into a page: fetched again with the HX-Request header, so the fragment itself is checked.
HTMX_PARTIALS = {"audits:edit_history", "audits:lineage", "audits:score_explain", "audits:run_status",
                 "audits:new_regions", "dashboard_scenario_weights", "audits:edit_record"}  # fmt: skip


def export_plan(world):
    """``(name, path)`` of every download the product offers for the organisation's data."""
    audit = world["audit"].pk
    plan = [
        ("scores CSV of the audit", reverse("api:score-list") + f"?audit={audit}&format=csv"),
        ("scores CSV of the organisation's region-set run",
         reverse("api:score-list") + f"?region_set={world['region_set'].slug}&format=csv&page_size=5000"),
    ]  # fmt: skip
    for kind in ("anchors", "stakeholders", "partnerships", "observations"):
        for extension in ("csv", "xlsx"):
            path = reverse("audits:import_template", args=[audit, kind, extension])
            plan.append((f"{kind} import template ({extension})", path))
    return plan


def test_the_crawl_covers_every_url_pattern():
    from audits.views.editor import KINDS

    stub = SimpleNamespace(pk=1, slug="uk-nuts2", code="stub")
    world = {name: stub for name in ("audit", "custom", "convergence", "region", "region_set", "batch", "scenario",
                                     "webhook", "run", "methodology", "framework")}  # fmt: skip
    world.update(custom_score=1, scores=[1], records=dict.fromkeys(KINDS, 1))
    planned = {name for name, _ in crawl_plan(world)}
    missing = _pattern_names() - planned - set(NOT_CRAWLED) - {"audits:import_template"}
    assert missing == set(), f"add these pages to the crawl (or to NOT_CRAWLED with a reason): {sorted(missing)}"


# --------------------------------------------------------------------------------------------------------
# The crawl
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def browser(hostile, chromium):
    """The browser, started once the world exists (the ORM cannot run inside Playwright's event loop)."""
    return chromium


def _formula_cells(rows):
    """The text cells of ``rows`` a spreadsheet would run as a formula."""
    return [
        cell
        for row in rows
        for cell in row
        if isinstance(cell, str) and cell and cell[0] in "=+-@\t\r" and not _number(cell)
    ]


def _number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _xlsx_rows(content):
    """Every cell of every sheet (a formula reads "=…"), and each drop-down's list formula as a row of its own."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    rows = []
    for sheet in workbook.worksheets:
        rows += [[cell.value for cell in row] for row in sheet.iter_rows()]
        rows += [[validation.formula1] for validation in sheet.data_validations.dataValidation]
    return rows


@pytest.mark.django_db(transaction=True)
def test_hostile_text_never_runs_on_any_page_chart_map_or_export(live_server, hostile, browser):
    from playwright.sync_api import Error as PlaywrightError

    payloads, started = hostile["payloads"], time.monotonic()
    host = urlsplit(live_server.url).netloc
    page, requests, errors = signed_in_page(browser, live_server, hostile["user"].username)
    dialogs = []
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))  # partials and API pages name no icon
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(15000)
    found, statuses, charts, seen = [], {}, 0, set()

    slow = []

    def check(name, path):
        began = time.monotonic()
        try:
            visit(name, path)
        finally:
            slow.append((time.monotonic() - began, path))

    def visit(name, path):
        nonlocal charts
        del requests[:], errors[:], dialogs[:]
        try:
            response = page.goto(live_server.url + path, wait_until="load")
        except PlaywrightError as error:  # a 4xx/5xx answer with an empty body fails the navigation itself
            statuses[path] = str(error).splitlines()[0]
            page.goto("about:blank")
            return
        statuses[path] = response.status
        if page.locator(".js-plotly-plot").count():
            page.wait_for_selector(".js-plotly-plot .main-svg")
            hovered = page.evaluate(PLOTLY_HOVER)
            charts += hovered["plots"]
            if hovered["links"]:
                found.append(f"{name} {path}: chart text rendered as markup (links): {hovered['links'][:3]}")
            box = page.locator(".js-plotly-plot").first.bounding_box()
            for i, j in ((1, 1), (2, 2), (3, 1), (1, 3), (3, 3), (2, 1)):  # the mouse too, over a 4 × 4 grid
                page.mouse.move(box["x"] + box["width"] * i / 4, box["y"] + box["height"] * j / 4)
        injected = page.evaluate(INJECTED_ATTRIBUTES)
        if injected:
            found.append(f"{name} {path}: injected attributes: {injected[:3]}")
        html = page.content()
        seen.update(tag for tag in payloads.fields if re.search(rf"(?<![0-9a-z]){re.escape(tag)}(?![0-9])", html))
        ran = page.evaluate("() => window.__xss")
        if ran is not None:
            found.append(f"{name} {path}: the payload of {payloads.field(ran)} ran")
        if dialogs:
            found.append(f"{name} {path}: a dialog opened: {dialogs}")
        fetched = [url for url in requests if urlsplit(url).netloc == host and urlsplit(url).path.endswith("/x")]
        if fetched:
            found.append(f"{name} {path}: an injected <img src=x> was fetched: {fetched}")
        if TEMPLATE_EVALUATED.search(page.inner_text("body")):
            found.append(f"{name} {path}: a template expression was evaluated")
        blocked = [e for e in errors if "Content Security Policy" in e or "inline" in e]
        if blocked:
            found.append(f"{name} {path}: an inline script was blocked: {blocked}")
        elif errors:
            found.append(f"{name} {path}: console errors: {errors}")

    plan = crawl_plan(hostile)
    for name, path in plan:
        check(name, path)
    page.set_extra_http_headers({"HX-Request": "true"})
    partials = [(name, path) for name, path in plan if name in HTMX_PARTIALS]
    for name, path in partials:
        check(f"{name} (htmx)", path)
    page.set_extra_http_headers({})

    downloads, exported = export_plan(hostile), {}
    for name, path in downloads:
        response = page.request.get(live_server.url + path)
        assert response.status == 200, (name, response.status)
        xlsx = path.endswith(".xlsx")
        exported[name] = _xlsx_rows(response.body()) if xlsx else list(csv.reader(io.StringIO(response.text())))
    exported["export_indicators"] = list(csv.reader(io.StringIO(hostile["indicators_csv"])))
    for name, rows in exported.items():
        for cell in _formula_cells(rows):
            found.append(f"{name}: a cell runs as a formula: {cell[:60]!r} ({payloads.field(cell[1:4])})")
    neutralised = "'" + hostile["custom"].name  # the custom cluster's name starts with a formula trigger
    carrying = sorted(name for name, rows in exported.items() if any(neutralised in row for row in rows))
    assert {"scores CSV of the audit", "export_indicators"} <= set(carrying), carrying

    elapsed = time.monotonic() - started
    print(
        f"\ncrawled {len(plan)} pages, {len(partials)} htmx partials, hovered {charts} charts and "
        f"fetched {len(downloads) + 1} exports in {elapsed:.1f} s; {len(payloads.fields)} hostile fields"
    )
    print("slowest:", [f"{path} {seconds:.1f}s" for seconds, path in sorted(slow, reverse=True)[:8]])
    print("exports carrying the custom cluster's name:", carrying)
    print("\n".join(found))
    print("fields shown on no page:", sorted(payloads.fields[tag] for tag in set(payloads.fields) - seen))
    failed = {path: status for path, status in statuses.items() if status != 200}
    assert failed == {}, "\n".join(f"{path}: {status}" for path, status in failed.items())
    assert found == [], "\n".join(found)
