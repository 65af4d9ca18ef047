"""The maps in a real browser: a MapLibre choropleth and an audit's points render offline, without errors."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from core.models import Role
from tests.conftest import assert_accessible_basics, signed_in_page
from tests.factories import (
    AnchorFactory,
    AuditFactory,
    MembershipFactory,
    OrganisationFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboards"


@pytest.fixture
def scored():
    """us-states scored in-process, and a member with an audit of one state; made before the browser starts."""
    from django.core.management import call_command

    from assessments.services.runs import score_run_request
    from regions.models import Region, RegionSet

    if not RegionSet.objects.filter(slug="us-states").exists():  # a transactional test may have flushed it
        call_command("load_reference_data", verbosity=0)
    region_set = RegionSet.objects.get(slug="us-states")
    run, _ = score_run_request(region_set=region_set, year=2016)
    run.refresh_from_db()
    assert run.status == "succeeded"
    organisation = OrganisationFactory(slug="e2e-maps", name="E2E Maps Agency")
    user = UserFactory(username="e2e-mapper", first_name="Mae")
    MembershipFactory(user=user, organisation=organisation, role=Role.VIEWER)
    state = Region.objects.get(region_sets=region_set, name="Massachusetts")
    audit = AuditFactory(organisation=organisation, region=state, region_set=region_set, year=2016)
    for i, (name, lat, lon) in enumerate([("Harvard", 42.374, -71.117), ("MIT", 42.360, -71.094)]):
        AnchorFactory(audit=audit, name=name, latitude=lat, longitude=lon)
        StakeholderFactory(audit=audit, name=f"Fund {i}", group="capital", latitude=lat - 0.3, longitude=lon + 0.2)
    StakeholderFactory(audit=audit, name="City of Worcester", group="government", latitude=42.26, longitude=-71.8)
    return audit


@pytest.fixture
def browser(scored, chromium):
    """The browser, started once scored exists (the ORM cannot run inside Playwright's event loop)."""
    return chromium


def test_maps_render_offline_without_console_errors(live_server, scored, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    host = urlsplit(live_server.url).hostname
    page, requests, errors = signed_in_page(browser, live_server, "e2e-mapper")

    pages = [
        ("choropleth", reverse("dashboard_choropleth", args=["us-states"]) + "?indicator=lq", ".js-plotly-plot"),
        ("audit-points", reverse("dashboard_audit_points", args=[scored.pk]), ".js-plotly-plot"),
        ("benchmark", reverse("dashboard_benchmark") + "?region_set=us-states&regions=25&regions=06&regions=48",
         ".js-plotly-plot"),
        ("peers", reverse("dashboard_peers") + "?region_set=us-states&region=25", "[data-testid=peers-table]"),
    ]  # fmt: skip
    for name, path, selector in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_selector(selector, timeout=20000)
        page.wait_for_timeout(1200)  # let MapLibre paint before the screenshot
        assert_accessible_basics(page, path)
        page.screenshot(path=str(ARTIFACTS / f"maps-{name}.png"), full_page=True)

    assert page.locator("h1").count() == 1
    assert errors == []
    offsite = [url for url in requests if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname != host]
    assert offsite == []
