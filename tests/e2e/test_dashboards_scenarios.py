"""The scenario pages in a real browser: the before → after chart draws with arrows and no console errors.

Screenshots are saved under artifacts/dashboards/.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Scenario, Score, ScoreRun
from assessments.services import methodologies
from audits.models import AuditCluster
from core.models import Role, RunStatus
from tests.conftest import assert_accessible_basics, signed_in_page
from tests.factories import AuditFactory, ClusterFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboards"


def _run(audit, methodology, scenario=None, tag="before"):
    return ScoreRun.objects.create(
        organisation=audit.organisation,
        region_set=audit.region_set,
        year=audit.year,
        methodology=methodology,
        audit=audit,
        audit_version=audit.version,
        scenario=scenario,
        fingerprint=f"e2e-scenario-{tag}",
        status=RunStatus.SUCCEEDED,
        progress=100,
        finished_at=timezone.now(),
    )


@pytest.fixture
def world():
    """Its own audit, candidate clusters, a baseline run and a scenario run (the database may have been flushed)."""
    organisation = OrganisationFactory(slug="e2e-scenario-agency", name="Scenario Development Agency")
    MembershipFactory(user=UserFactory(username="scenario-officer"), organisation=organisation, role=Role.OFFICER)
    audit = AuditFactory(organisation=organisation, title="Scenario region audit")
    methodology = methodologies.methodology_default()
    clusters = [ClusterFactory(code=f"E2E{n}", name=name) for n, name in enumerate(["Life sciences", "FinTech"])]
    for cluster in clusters:
        AuditCluster.objects.create(audit=audit, cluster=cluster)
    scenario = Scenario.objects.create(
        organisation=organisation,
        audit=audit,
        name="A new research campus",
        overrides={"add_anchors": [{"name": "Campus", "anchor_type": "university", "staff": 9000,
                                    "clusters": ["E2E0"], "latitude": None, "longitude": None}],
                   "add_jobs": [{"cluster": "E2E1", "jobs": 4000}]},
    )  # fmt: skip
    before, after = _run(audit, methodology), _run(audit, methodology, scenario, "after")
    positions = {before: [(38.0, 62.0, "build"), (55.0, 35.0, "leverage")],
                 after: [(61.0, 64.0, "lead"), (63.0, 41.0, "leverage")]}  # fmt: skip
    for run, rows in positions.items():
        for cluster, (right, want, quadrant) in zip(clusters, rows, strict=True):
            Score.objects.create(run=run, region=audit.region, cluster=cluster, candidate=True,
                                 right_to_win=right, want_to_win=want, quadrant=quadrant)  # fmt: skip
    return scenario


@pytest.fixture
def browser(world, chromium):
    """The browser, started once world exists (the ORM cannot run inside Playwright's event loop)."""
    return chromium


def test_the_scenario_page_draws_arrows_without_errors_or_leaving_the_host(live_server, world, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    host = urlsplit(live_server.url).hostname
    page, requests, errors = signed_in_page(browser, live_server, "scenario-officer")

    page.goto(live_server.url + reverse("dashboard_scenario", args=[world.pk]))
    page.wait_for_selector("#scenario-chart .main-svg")
    arrows = page.evaluate(
        "document.getElementById('scenario-chart').layout.annotations.filter(a => a.showarrow).length"
    )
    assert arrows == 2
    assert page.locator("#scenario-chart .annotation-arrow-g path").count() >= 2
    table = page.inner_text("[data-testid=deltas]")
    assert "Life sciences" in table and "+23.0" in table and "Lead" in table
    assert_accessible_basics(page, "scenario-detail")
    page.screenshot(path=str(SHOTS / "scenario-detail.png"), full_page=True)

    page.goto(live_server.url + reverse("dashboard_scenarios", args=[world.audit_id]))
    page.fill("#id_jobs", "-999999999")
    page.wait_for_selector("[data-testid=validation] .alert-danger")
    assert "within" in page.inner_text("[data-testid=validation]")
    assert_accessible_basics(page, "scenario-what-if")
    page.screenshot(path=str(SHOTS / "scenario-what-if.png"), full_page=True)

    page.goto(live_server.url + reverse("dashboard_methodologies"))
    assert_accessible_basics(page, "methodologies")
    page.screenshot(path=str(SHOTS / "methodologies.png"), full_page=True)

    assert errors == []
    offsite = [url for url in requests if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname != host]
    assert offsite == []
