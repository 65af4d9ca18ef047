"""The region dashboard and the cluster-in-region page: tenancy, public region-set runs, query counts, strength."""

import pytest
from django.urls import reverse

from assessments.models import Score
from assessments.services.runs import score_run_request
from audits.models import AuditCluster
from clusters.models import ClusterDefinition
from core.models import RunStatus
from dashboards.selectors import cluster_strength
from regions.models import Region, RegionSet
from tests.factories import AnchorFactory, AuditFactory, PartnershipFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(organisation):
    audit = AuditFactory(
        organisation=organisation,
        title="Massachusetts life sciences",
        region=Region.objects.get(scheme="us-state", code="25"),
        region_set=RegionSet.objects.get(slug="us-states"),
        year=2016,
    )
    biopharma = ClusterDefinition.objects.get(organisation=None, kind="benchmark", code="5")
    education = ClusterDefinition.objects.get(organisation=None, kind="benchmark", code="13")
    AuditCluster.objects.create(audit=audit, cluster=biopharma, patents=40, relevant_graduates=300)
    AuditCluster.objects.create(audit=audit, cluster=education)
    university = AnchorFactory(audit=audit, name="Testbridge University", staff=9000, latitude=42.36, longitude=-71.09)
    university.clusters.add(biopharma, education)
    firm = StakeholderFactory(audit=audit, name="Helix Therapeutics", group="corporate")
    firm.clusters.add(biopharma)
    fund = StakeholderFactory(audit=audit, name="Harbour Ventures", group="capital")
    fund.clusters.add(biopharma)
    PartnershipFactory(audit=audit, from_stakeholder=firm, to_stakeholder=None, to_anchor=university)
    PartnershipFactory(audit=audit, from_stakeholder=firm, to_stakeholder=fund)
    return audit


def _score(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = score_run_request(trigger="test", **kwargs)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def scored(audit, django_capture_on_commit_callbacks):
    return _score(django_capture_on_commit_callbacks, audit=audit)


@pytest.fixture
def public_run(django_capture_on_commit_callbacks):
    return _score(django_capture_on_commit_callbacks, region_set=RegionSet.objects.get(slug="us-states"), year=2016)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def biopharma_score(run):
    return Score.objects.get(run=run, cluster__code="5", cluster__organisation=None, candidate=True)


def test_the_audit_dashboard_shows_the_candidates_chart_table_and_strength(member_client, audit, scored):
    response = member_client.get(reverse("dashboard_audit", args=[audit.pk]))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.run == scored
    assert {s.cluster.code for s in dashboard.charted} == {"5", "13"}
    assert len(dashboard.scores) > len(dashboard.charted)
    content = response.content.decode()
    for text in ('id="quadrant-chart"', "plotly.min.js", 'data-testid="cluster-table"', "Biopharmaceuticals",
                 "Cluster strength", reverse("audits:detail", args=[audit.pk])):  # fmt: skip
        assert text in content, text
    assert reverse("dashboard_score", args=[biopharma_score(scored).pk]) in content


def test_an_unscored_audit_says_so_and_loads_no_plotly(member_client, audit):
    response = member_client.get(reverse("dashboard_audit", args=[audit.pk]))
    assert response.status_code == 200
    assert b'data-testid="no-run"' in response.content
    assert b"plotly.min.js" not in response.content


def test_an_outsider_gets_404_for_the_audit_dashboard_and_its_scores(client, outsider, audit, scored):
    client.force_login(outsider)
    assert client.get(reverse("dashboard_audit", args=[audit.pk])).status_code == 404
    assert client.get(reverse("dashboard_score", args=[biopharma_score(scored).pk])).status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client, audit):
    response = client.get(reverse("dashboard_audit", args=[audit.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_score_page_explains_the_score_and_draws_the_partner_network(member_client, scored):
    score = biopharma_score(scored)
    response = member_client.get(reverse("dashboard_score", args=[score.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for text in ('id="contributions-right-to-win"', 'id="contributions-want-to-win"', 'data-testid="indicator-table"',
                 'id="partner-network"', "Helix Therapeutics", "Harbour Ventures", "Testbridge University",
                 "Recommended strategy", "Quadrant stability", 'data-testid="missing-groups"'):  # fmt: skip
        assert text in content, text
    network = response.context["network"]
    assert {n["name"] for n in network["nodes"]} == {"Helix Therapeutics", "Harbour Ventures", "Testbridge University"}
    # Both ties join parties that serve Biopharmaceuticals: neither is cross-sector, as the score's explanation says
    # (one rule, ``AuditParties.is_cross_sector``; the university also serving Education does not make it one).
    assert network["cross_count"] == 0 and len(network["edges"]) == 2
    assert "government" in {value for value, _ in network["missing"]}
    assert response.context["partner"] is not None


def test_the_public_region_dashboard_reads_the_latest_region_set_run(client, outsider, public_run):
    client.force_login(outsider)  # any signed-in user
    massachusetts = Region.objects.get(scheme="us-state", code="25")
    response = client.get(reverse("dashboard_region", args=[massachusetts.pk, "us-states"]))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.run == public_run
    assert len(dashboard.charted) == 67 and all(s.region_id == massachusetts.pk for s in dashboard.charted)
    score = dashboard.charted[0]
    page = client.get(reverse("dashboard_score", args=[score.pk]))
    assert page.status_code == 200
    assert b'id="partner-network"' not in page.content


def test_a_region_outside_the_set_is_404(member_client):
    other = Region.objects.exclude(region_sets__slug="us-states").first()
    assert member_client.get(reverse("dashboard_region", args=[other.pk, "us-states"])).status_code == 404


def test_the_region_dashboard_runs_a_constant_number_of_queries(
    member_client, public_run, django_assert_max_num_queries
):
    massachusetts = Region.objects.get(scheme="us-state", code="25")
    with django_assert_max_num_queries(12):
        response = member_client.get(reverse("dashboard_region", args=[massachusetts.pk, "us-states"]))
    assert response.status_code == 200
    assert response.context["dashboard"].run == public_run
    assert len(response.context["dashboard"].scores) == 67
    content = response.content.decode()
    assert 'id="quadrant-chart"' in content and 'data-testid="cluster-table"' in content


def test_the_audit_pages_run_a_constant_number_of_queries(member_client, audit, scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        dashboard = member_client.get(reverse("dashboard_audit", args=[audit.pk]))
    assert dashboard.status_code == 200 and dashboard.context["dashboard"].run == scored
    assert 'id="quadrant-chart"' in dashboard.content.decode()
    score = biopharma_score(scored)
    with django_assert_max_num_queries(16):
        page = member_client.get(reverse("dashboard_score", args=[score.pk]))
    assert page.status_code == 200 and page.context["score"] == score
    assert (
        'id="contributions-right-to-win"' in page.content.decode() and 'id="partner-network"' in page.content.decode()
    )


def test_cluster_strength_is_the_strong_share_of_traded_employment(public_run):
    massachusetts = Region.objects.get(scheme="us-state", code="25")
    scores = list(Score.objects.filter(run=public_run, region=massachusetts).select_related("cluster"))
    strength = cluster_strength(scores)
    assert 0 < strength < 1
    traded = [s for s in scores if s.cluster.scope == "traded" and s.employment]
    expected = sum(s.employment for s in traded if s.strong) / sum(s.employment for s in traded)
    assert strength == pytest.approx(expected)
    assert any(s.strong for s in traded) and not all(s.strong for s in traded)
