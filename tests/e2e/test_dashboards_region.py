"""The region dashboard and the cluster-in-region page in a real browser: charts draw, nothing logs an error,
nothing loads from another host. Screenshots are saved under artifacts/dashboards/."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from assessments.models import Score, ScoreRun
from assessments.services.methodologies import methodology_default
from audits.models import AuditCluster
from core.models import Role, RunStatus
from regions.models import RegionSetMembership
from scoring.methodology import indicator_table
from tests.conftest import assert_accessible_basics, signed_in_page
from tests.factories import (
    AnchorFactory,
    AuditFactory,
    ClusterFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboards"
QUADRANTS = ["lead", "build", "leverage", "monitor"]


@pytest.fixture
def world():
    """A scored audit built row by row (the transactional database may have been flushed of reference data)."""
    organisation = OrganisationFactory(slug="e2e-dash-agency", name="Dashboard Agency")
    MembershipFactory(user=UserFactory(username="dash-viewer"), organisation=organisation, role=Role.VIEWER)
    audit = AuditFactory(organisation=organisation, title="Dashboard region audit", year=2024)
    audit.region.name = "Dashboardshire"
    audit.region.save()
    RegionSetMembership.objects.create(region_set=audit.region_set, region=audit.region)
    methodology = methodology_default()
    keys = [key for _, _, key, _, _ in indicator_table(methodology.spec)]
    clusters = [ClusterFactory(name=f"Cluster {name}") for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo")]
    for cluster in clusters[:3]:
        AuditCluster.objects.create(audit=audit, cluster=cluster)
    run = ScoreRun.objects.create(
        organisation=organisation, region_set=audit.region_set, year=2024, methodology=methodology, audit=audit,
        audit_version=audit.version, fingerprint="e" * 64, status=RunStatus.SUCCEEDED,
        results={"partner_strategy": {"clusters": {clusters[0].code: {
            "parties": 3, "partnerships": 2, "groups_present": ["corporate", "capital", "academia"],
            "missing_groups": ["government", "entrepreneurship"],
            "brokers": [{"name": "Helix Therapeutics", "group": "corporate", "betweenness": 1.0, "degree": 2}],
            "recommendations": [{"source_name": "Harbour Ventures", "target_name": "Testbridge University",
                                 "score": 7.5, "reasons": ["different groups"]}],
        }}}, "candidates": [c.code for c in clusters[:3]]},
    )  # fmt: skip
    for i, cluster in enumerate(clusters):
        right, want = 20 + 15 * i, 80 - 13 * i
        Score.objects.create(
            run=run, region=audit.region, cluster=cluster, candidate=i < 3, employment=1000 * (i + 1) ** 2,
            establishments=50, lq=0.6 + 0.3 * i, strong=i % 2 == 0, significant=True, qualifying=True,
            right_to_win=right, right_to_win_low=right - 6, right_to_win_high=right + 5,
            want_to_win=want, want_to_win_low=want - 4, want_to_win_high=want + 7,
            rank=i + 1, rank_low=max(i, 1), rank_high=i + 2,
            quadrant=("lead" if right >= 50 else "build") if want >= 50 else ("leverage" if right >= 50 else "monitor"),
            quadrant_stability=0.6 + 0.07 * i, coverage=0.8,
            indicators={key: [k * 0.1, (17 * k + 23 * i) % 100] for k, key in enumerate(keys) if k % 5 != 4},
        )  # fmt: skip
    university = AnchorFactory(audit=audit, name="Testbridge University")
    university.clusters.add(clusters[0], clusters[1])
    firm = StakeholderFactory(audit=audit, name="Helix Therapeutics", group="corporate")
    fund = StakeholderFactory(audit=audit, name="Harbour Ventures", group="capital")
    firm.clusters.add(clusters[0])
    fund.clusters.add(clusters[0])
    PartnershipFactory(audit=audit, from_stakeholder=firm, to_stakeholder=None, to_anchor=university)
    PartnershipFactory(audit=audit, from_stakeholder=firm, to_stakeholder=fund)
    return {"audit": audit, "score": Score.objects.get(run=run, cluster=clusters[0])}


@pytest.fixture
def browser(world, chromium):
    """The browser, started once world exists (the ORM cannot run inside Playwright's event loop)."""
    return chromium


def test_the_region_dashboard_and_cluster_page_draw_their_charts(live_server, world, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    host = urlsplit(live_server.url).hostname
    page, requests, console_errors = signed_in_page(browser, live_server, "dash-viewer")

    for name, path, charts in [
        ("region-dashboard", reverse("dashboard_audit", args=[world["audit"].pk]), 1),
        ("cluster-in-region", reverse("dashboard_score", args=[world["score"].pk]), 3),
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_selector(".js-plotly-plot .main-svg")
        assert page.locator(".js-plotly-plot").count() == charts, path
        assert_accessible_basics(page, path)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    assert console_errors == []
    offsite = [url for url in requests if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname != host]
    assert offsite == []
