"""The remaining analysis pages in a real browser — the methodology list and editor, an audit's scenarios and a
cluster across regions — plus the accessibility basics on every one: each form control has a label, and Tab
moves the focus through the page's controls."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import Role
from tests.conftest import assert_accessible_basics, signed_in_page
from tests.factories import AuditFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboards"


@pytest.fixture
def world():
    """us-states scored in-process, an officer's organisation with its own methodology and an audit of a state."""
    from assessments.services.methodologies import methodology_clone, methodology_default
    from assessments.services.runs import score_run_request
    from clusters.models import ClusterDefinition
    from regions.models import Region, RegionSet

    if not RegionSet.objects.filter(slug="us-states").exists():  # a transactional test may have flushed it
        call_command("load_reference_data", verbosity=0)
    states = RegionSet.objects.get(slug="us-states")
    run, _ = score_run_request(region_set=states, year=2016)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    organisation = OrganisationFactory(slug="e2e-analysis", name="Analysis Agency")
    MembershipFactory(user=UserFactory(username="e2e-analyst"), organisation=organisation, role=Role.OFFICER)
    own = methodology_clone(methodology=methodology_default(), organisation=organisation, name="Analysis weights")
    massachusetts = Region.objects.get(scheme="us-state", code="25")
    audit = AuditFactory(organisation=organisation, region=massachusetts, region_set=states, year=2016)
    biopharma = ClusterDefinition.objects.get(kind="benchmark", code="5")
    return {"audit": audit, "methodology": own, "cluster": biopharma, "region_set": states}


@pytest.fixture
def browser(world, chromium):
    """The browser, started once world exists (the ORM cannot run inside Playwright's event loop)."""
    return chromium


def test_the_remaining_pages_render_accessibly_without_errors_or_leaving_the_host(live_server, world, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    host = urlsplit(live_server.url).hostname
    page, requests, errors = signed_in_page(browser, live_server, "e2e-analyst")

    pages = [
        ("methodologies", reverse("dashboard_methodologies"), None),
        ("methodology-edit", reverse("dashboard_methodology_edit", args=[world["methodology"].pk]), None),
        ("scenarios", reverse("dashboard_scenarios", args=[world["audit"].pk]), None),
        (
            "cluster-regions",
            reverse("dashboard_cluster_regions", args=[world["cluster"].pk, world["region_set"].slug]),
            ".js-plotly-plot",
        ),
    ]
    for name, path, chart in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        if chart:
            page.wait_for_selector(chart, timeout=15000)
        assert_accessible_basics(page, path)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    assert errors == [], errors
    elsewhere = [url for url in requests if not url.startswith(("data:", "blob:")) and urlsplit(url).hostname != host]
    assert elsewhere == [], elsewhere
