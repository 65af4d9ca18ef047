"""The benchmark and peer pages' region pickers in a real browser (issue 21 point 16): choosing another region set
redraws the region list, and benchmark regions are found by typing, not by Ctrl-clicking 917 metros."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from core.models import Role
from tests.conftest import assert_accessible_basics, signed_in_page
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"


@pytest.fixture
def picker_user():
    from django.core.management import call_command

    from regions.models import RegionSet

    if not RegionSet.objects.filter(slug="us-msas").exists():  # a transactional test may have flushed it
        call_command("load_reference_data", verbosity=0)
    organisation = OrganisationFactory(slug="e2e-pickers", name="Picker Agency")
    MembershipFactory(user=UserFactory(username="picker"), organisation=organisation, role=Role.VIEWER)
    return "picker"


@pytest.fixture
def browser(picker_user, chromium):
    return chromium


def test_it_redraws_the_peer_finders_regions_when_the_set_changes(live_server, picker_user, browser):
    page, _, errors = signed_in_page(browser, live_server, picker_user)
    page.goto(live_server.url + reverse("dashboard_peers") + "?region_set=us-states")
    assert page.locator("#id_region option", has_text="Massachusetts").count() == 1

    page.select_option("#id_region_set", "uk-nuts2")
    page.wait_for_function("() => document.querySelector('#id_region').textContent.includes('West Midlands')")

    assert page.locator("#id_region option", has_text="Massachusetts").count() == 0
    page.select_option("#id_region", label="West Midlands (UKG3)")
    page.click("main form[aria-label] button[type=submit]")
    page.wait_for_url("**region=UKG3**")
    assert errors == []


def test_it_finds_benchmark_regions_by_typing(live_server, picker_user, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, _, errors = signed_in_page(browser, live_server, picker_user)
    page.goto(live_server.url + reverse("dashboard_benchmark") + "?region_set=us-msas")
    picker = page.locator("[data-region-picker]")

    for query, name in (("pittsburgh", "Pittsburgh, PA"), ("boston camb", "Boston-Cambridge-Newton, MA-NH")):
        picker.locator("[data-picker-filter]").fill(query)
        visible = picker.locator("[data-picker-option]:visible")
        assert 0 < visible.count() < 5, query
        visible.filter(has_text=name).locator("input").check()
    assert picker.locator("[data-picker-count]").inner_text() == "2"
    chips = [chip.strip() for chip in picker.locator(".picker-chip").all_inner_texts()]
    assert chips == ["Boston-Cambridge-Newton, MA-NH", "Pittsburgh, PA"]
    assert_accessible_basics(page, "the benchmark page")
    page.screenshot(path=str(SHOTS / "benchmark-region-picker.png"), full_page=True)

    picker.get_by_role("button", name="Remove Pittsburgh, PA").click()
    assert picker.locator("[data-picker-count]").inner_text() == "1"
    picker.locator("[data-picker-filter]").fill("seattle")
    picker.locator("[data-picker-option]:visible").filter(has_text="Seattle").locator("input").check()
    picker.locator("[data-picker-filter]").press("Enter")  # filtering never submits the form
    assert "regions=" not in page.url
    page.click("main form[aria-label] button[type=submit]")
    page.wait_for_url("**regions=**")
    assert sorted(parse_qs(urlsplit(page.url).query)["regions"]) == ["14460", "42660"]

    page.select_option("#id_region_set", "uk-nuts2")
    page.wait_for_function("() => document.querySelector('#region-picker').textContent.includes('West Midlands')")
    assert page.locator("[data-region-picker] [data-picker-count]").inner_text() == "0"
    assert errors == []
