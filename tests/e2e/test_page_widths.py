"""Pages with wide tables fit a 1,280 px window: their tables scroll inside their cards or reflow, and the page
itself never scrolls sideways (issue 21 point 12). Screenshots are saved under artifacts/ui/."""

from pathlib import Path

import pytest
from django.urls import reverse

from core.models import Role
from tests.conftest import signed_in_page
from tests.e2e.test_dashboards_region import world  # noqa: F401 - a scored audit with five clusters
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"
WINDOW = 1280


@pytest.fixture
def wide(world):  # noqa: F811 - the fixture imported above
    """``world`` seen by a staff admin of an organisation with a long name (the widest navigation bar), and
    us-states scored for the benchmark page."""
    from django.core.management import call_command

    from assessments.services.runs import score_run_request
    from regions.models import Dataset, RegionSet

    audit = world["audit"]
    audit.organisation.name = "Greater Dashboardshire Combined Authority Cluster Partnership"
    audit.organisation.save()
    MembershipFactory(
        user=UserFactory(username="wide-admin", first_name="Alexandra", is_staff=True),
        organisation=audit.organisation,
        role=Role.ADMIN,
    )
    if not Dataset.objects.filter(slug="cmp-2016-states").exists():  # a transactional test may have flushed it
        call_command("load_reference_data", verbosity=0)
    run, _ = score_run_request(region_set=RegionSet.objects.get(slug="us-states"), year=2016)
    run.refresh_from_db()
    assert run.status == "succeeded"
    return world


@pytest.fixture
def browser(wide, chromium):
    return chromium


def test_it_keeps_every_wide_page_within_a_1280_px_window(live_server, wide, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, _, errors = signed_in_page(browser, live_server, "wide-admin")
    page.set_viewport_size({"width": WINDOW, "height": 900})
    audit = wide["audit"]
    benchmark = "?region_set=us-states" + "".join(f"&regions={code}" for code in ("25", "06", "48", "36", "17", "53"))
    pages = [
        ("review-step", reverse("audits:edit_step", args=[audit.pk, "review"])),
        ("region-dashboard", reverse("dashboard_audit", args=[audit.pk])),
        ("scores", reverse("audits:detail", args=[audit.pk])),
        ("score", reverse("dashboard_score", args=[wide["score"].pk])),
        ("benchmark", reverse("dashboard_benchmark") + benchmark),
    ]
    widths = {}
    for name, path in pages:
        assert page.goto(live_server.url + path).status == 200, path
        page.wait_for_load_state("networkidle")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(SHOTS / f"width-{name}.png"), full_page=True)

    assert {name: width for name, width in widths.items() if width > WINDOW} == {}
    assert errors == []
