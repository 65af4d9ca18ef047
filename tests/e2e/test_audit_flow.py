"""An officer starts an empty audit in a real browser, goes through every step adding a record, and submits it.

A screenshot of each step is saved under artifacts/audit-flow/.
"""

from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from anchors.models import AnchorCandidate
from audits.models import Audit, AuditStatus, PriorityFramework
from clusters.models import ClusterKind
from core.models import Role
from regions.models import RegionSetMembership
from tests.factories import (
    PASSWORD,
    ClassificationFactory,
    ClusterFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    RegionSetFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "audit-flow"


@pytest.fixture
def world():
    """Reference data of its own (the transactional database may have been flushed) and an officer."""
    organisation = OrganisationFactory(slug="e2e-flow-agency", name="Flow Development Agency")
    MembershipFactory(user=UserFactory(username="flow-officer"), organisation=organisation, role=Role.OFFICER)
    classification = ClassificationFactory(slug="e2e-flow-classification", name="Flow classification")
    region_set = RegionSetFactory(slug="e2e-flow-set", name="Flow regions", classification=classification)
    region = RegionFactory(code="FLW1", name="Flowshire")
    RegionSetMembership.objects.create(region_set=region_set, region=region)
    ClusterFactory(
        slug="e2e-flow-fintech", name="Flow FinTech", kind=ClusterKind.BENCHMARK, classification=classification
    )
    AnchorCandidate.objects.create(source="ipeds", external_id="FLOW-1", name="University of Flowshire",
                                   region=region, city="Flowton", latitude=52.48, longitude=-1.89)  # fmt: skip
    PriorityFramework.objects.create(slug="e2e-flow-strategy", name="Flow Industrial Strategy")
    return organisation


@pytest.fixture
def browser(world, chromium, monkeypatch):
    """The browser, started once world exists (the ORM cannot run inside Playwright's event loop).

    The test's own ORM reads run while Playwright's loop runs (allowed here) and open a connection of their own;
    it is closed at the end, or it would outlive the test and block dropping the test database.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield chromium
    connections.close_all()


def test_an_officer_fills_an_empty_audit_step_by_step_and_submits_it(live_server, world, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors = []
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 else None)
    page.on("dialog", lambda dialog: dialog.accept())

    def shot(name):
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def saved(text):
        page.locator("[data-testid=saved]", has_text=text).wait_for()

    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "flow-officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))

    # A new, empty audit.
    page.goto(live_server.url + reverse("audits:list"))
    page.click("[data-testid=new-audit]")
    page.fill("input[name=title]", "Flowshire 2026")
    page.select_option("select[name=region_set]", label="Flow regions")
    page.locator("select[name=region] option", has_text="Flowshire (FLW1)").wait_for(state="attached")
    page.select_option("select[name=region]", label="Flowshire (FLW1)")
    shot("00-new-audit")
    page.click("[data-testid=create-audit]")
    page.wait_for_url("**/edit/clusters/")
    audit = Audit.objects.get(title="Flowshire 2026")

    # 1. A benchmark cluster from the search, then its talent input.
    page.fill("input[name=cluster_q]", "Flow Fin")
    page.locator("#cluster-matches button", has_text="Add").click()
    saved("candidate cluster")
    page.locator("#section-candidates a", has_text="Edit").click()
    page.fill("[data-testid=edit-form] input[name=relevant_graduates]", "850")
    page.fill("[data-testid=edit-form] input[name=patents]", "40")
    page.click("[data-testid=edit-form] button[type=submit]")
    saved("updated")
    shot("01-clusters")

    # 2. An anchor from the public records, then tie it to the cluster.
    page.click("[data-testid=next-step]")
    page.wait_for_url("**/edit/anchors/")
    page.locator("#anchor-candidates button", has_text="Add").click()
    saved("University of Flowshire")
    page.locator("#section-anchors a", has_text="Edit").click()
    page.select_option("[data-testid=edit-form] select[name=clusters]", label="Flow FinTech")
    page.fill("[data-testid=edit-form] input[name=students]", "21000")
    page.click("[data-testid=edit-form] button[type=submit]")
    saved("updated")
    shot("02-anchors")

    # 3. A stakeholder.
    page.click("[data-testid=next-step]")
    page.wait_for_url("**/edit/stakeholders/")
    form = page.locator("[data-testid=add-stakeholders]")
    form.locator("input[name=name]").fill("Flow Ventures")
    form.locator("select[name=group]").select_option("capital")
    form.locator("input[name=sector]").fill("Venture capital")
    form.locator("input[name=latitude]").fill("52.47")
    form.locator("input[name=longitude]").fill("-1.90")
    form.locator("select[name=clusters]").select_option(label="Flow FinTech")
    form.locator("button[type=submit]").click()
    saved("Flow Ventures")
    shot("03-stakeholders")

    # 4. A partnership between them.
    page.click("[data-testid=next-step]")
    page.wait_for_url("**/edit/partnerships/")
    form = page.locator("[data-testid=add-partnerships]")
    form.locator("select[name=source]").select_option(label="University of Flowshire (anchor)")
    form.locator("select[name=target]").select_option(label="Flow Ventures")
    form.locator("select[name=kind]").select_option("investment")
    form.locator("button[type=submit]").click()
    saved("partnership")
    shot("04-partnerships")

    # 5. The cluster organisation.
    page.click("[data-testid=next-step]")
    page.wait_for_url("**/edit/organisation/")
    form = page.locator("[data-testid=add-organisations]")
    form.locator("input[name=name]").fill("Flow FinTech Network")
    form.locator("select[name=clusters]").select_option(label="Flow FinTech")
    form.locator("input[name=members_count]").fill("60")
    form.locator("input[name=member_types][value=corporate]").check()
    form.locator("input[name=member_types][value=academia]").check()
    form.locator("input[name=management_fte]").fill("1.5")
    form.locator("input[name=has_board]").check()
    form.locator("button[type=submit]").click()
    saved("Flow FinTech Network")
    shot("05-organisation")

    # 6. A forecast, a framework and a trend rating.
    page.click("[data-testid=next-step]")
    page.wait_for_url("**/edit/market/")
    form = page.locator("[data-testid=add-forecasts]")
    form.locator("select[name=cluster]").select_option(label="Flow FinTech")
    form.locator("input[name=base_year]").fill("2024")
    form.locator("input[name=base_value]").fill("1200")
    form.locator("input[name=target_year]").fill("2033")
    form.locator("input[name=target_value]").fill("1500")
    form.locator("input[name=source]").fill("Flowshire growth roadmap")
    form.locator("button[type=submit]").click()
    saved("forecast")
    page.locator("[data-testid=frameworks-form] label", has_text="Flow Industrial Strategy").click()
    page.click("[data-testid=frameworks-form] button[type=submit]")
    saved("priority frameworks")
    form = page.locator("[data-testid=add-ratings]")
    form.locator("select[name=cluster]").select_option(label="Flow FinTech")
    form.locator("input[name=theme]").fill("open data")
    form.locator("select[name=rating]").select_option("4")
    form.locator("textarea[name=evidence]").fill("Open banking pilots across the region.")
    form.locator("button[type=submit]").click()
    saved("trend rating")
    shot("06-market")

    # 7. Review and submit.
    page.click("[data-testid=next-step]")
    page.wait_for_url("**/edit/review/")
    assert "Completeness per candidate cluster" in page.inner_text("main")
    shot("07-review")
    page.click("[data-testid=submit-audit]")
    page.click(f"#review-submit-{audit.pk} button[type=submit]")  # confirmed in a dialog
    page.wait_for_url(live_server.url + reverse("audits:detail", args=[audit.pk]))
    shot("08-submitted")

    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert (audit.anchors.count(), audit.stakeholders.count(), audit.partnerships.count()) == (1, 1, 1)
    assert (audit.cluster_organisations.count(), audit.forecasts.count(), audit.trend_ratings.count()) == (1, 1, 1)
    assert audit.priority_frameworks.count() == 1 and audit.candidate_clusters.get().relevant_graduates == 850
    assert errors == [], errors
