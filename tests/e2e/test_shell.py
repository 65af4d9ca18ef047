"""The shell in a real browser: sign in through the form, visit every section, load nothing from another host."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from core.models import Role
from tests.factories import PASSWORD, AuditFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def audit():
    """An officer of an organisation with one audit; created before the browser starts its event loop."""
    organisation = OrganisationFactory(slug="e2e-agency", name="E2E Development Agency")
    user = UserFactory(username="e2e-officer", first_name="Erin")
    MembershipFactory(user=user, organisation=organisation, role=Role.OFFICER)
    return AuditFactory(organisation=organisation, title="E2E region audit")


@pytest.fixture
def browser(audit, chromium):
    """The browser, started once audit exists (the ORM cannot run inside Playwright's event loop)."""
    return chromium


def test_a_member_signs_in_and_visits_every_section_without_leaving_the_host(live_server, audit, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    host = urlsplit(live_server.url).hostname
    requests = []
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.on("request", lambda request: requests.append(request.url))

    page.goto(live_server.url + reverse("home"))
    assert page.url.startswith(live_server.url + reverse("login"))
    page.fill("input[name=username]", "e2e-officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    assert "E2E Development Agency" in page.inner_text("nav")
    assert "Officer" in page.inner_text("[data-testid=org-switcher]")
    page.screenshot(path=str(ARTIFACTS / "e2e-home.png"), full_page=True)

    for name, path in [
        ("audits", reverse("audits:list")),
        ("audit", reverse("audits:detail", args=[audit.pk])),
        ("regions", reverse("regions:set_list")),
        ("clusters", reverse("clusters:list")),
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("h1").count() >= 1
        page.screenshot(path=str(ARTIFACTS / f"e2e-{name}.png"), full_page=True)

    stylesheet = page.evaluate("getComputedStyle(document.querySelector('.app-navbar')).backgroundImage")
    assert "gradient" in stylesheet, "the local stylesheet did not load"

    offsite = [url for url in requests if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname != host]
    assert offsite == []
