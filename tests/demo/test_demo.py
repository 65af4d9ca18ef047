"""``load_demo``: the demo organisation, its users and the Kendall Square and West Midlands ProfTech audits."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from anchors.models import AnchorInstitution
from audits.models import Audit, AuditCluster, MarketForecast, PriorityFramework, PriorityItem, TrendRating
from clusters.models import ClusterOrganisation, MemberType
from core.models import Membership, Organisation, Role
from demo import organisation as demo_org
from demo.loader import missing_reference_data
from regions.models import RegionSet
from stakeholders.models import Partnership, Stakeholder

pytestmark = pytest.mark.django_db

KENDALL = "Boston-Cambridge: Kendall Square life sciences and deep tech"
WEST_MIDLANDS = "West Midlands ProfTech: FinTech, PropTech and LegalTech"

DEMO_MODELS = [
    get_user_model(),
    Organisation,
    Membership,
    Audit,
    AuditCluster,
    AnchorInstitution,
    Stakeholder,
    Partnership,
    ClusterOrganisation,
    MarketForecast,
    PriorityFramework,
    PriorityItem,
    TrendRating,
]
HISTORY_MODELS = [Audit, AnchorInstitution, Stakeholder, Partnership, ClusterOrganisation, MarketForecast, TrendRating]


def load_demo(**options):
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def snapshot():
    """Row counts of every model the demo writes, their history tables, and the latest modification time."""
    counts = {model.__name__: model.objects.count() for model in DEMO_MODELS}
    counts |= {f"{model.__name__} history": model.history.count() for model in HISTORY_MODELS}
    counts["last updated_at"] = max(
        model.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        for model in (Audit, AnchorInstitution, Stakeholder, Partnership)
    )
    return counts


@pytest.fixture
def demo():
    load_demo()
    return Organisation.objects.get(slug="demo")


def test_it_loads_the_demo_and_prints_the_login():
    output = load_demo()

    assert "Demo data loaded" in output
    assert f"username 'demo', password '{demo_org.DEFAULT_PASSWORD}'" in output
    assert Audit.objects.filter(organisation__slug="demo").count() == 2


def test_it_creates_and_changes_nothing_on_a_second_run(demo):
    before = snapshot()

    output = load_demo()

    assert snapshot() == before
    assert "already up to date: nothing created or changed" in output


def test_it_puts_back_a_demo_row_that_was_edited(demo):
    mit = AnchorInstitution.objects.get(audit__organisation=demo, name__startswith="Massachusetts Institute")
    mit.latitude = 0.0
    mit.save()

    output = load_demo()

    mit.refresh_from_db()
    assert mit.latitude == pytest.approx(42.359243)
    assert "anchor institutions: 1 updated" in output


@pytest.mark.parametrize("title", [KENDALL, WEST_MIDLANDS])
def test_each_audit_has_stakeholders_in_all_five_groups(demo, title):
    audit = Audit.objects.get(organisation=demo, title=title)

    groups = set(audit.stakeholders.values_list("group", flat=True))

    assert groups == set(MemberType.values)


@pytest.mark.parametrize("title", [KENDALL, WEST_MIDLANDS])
def test_each_audit_has_located_anchors_partnerships_and_market_inputs(demo, title):
    audit = Audit.objects.get(organisation=demo, title=title)

    assert audit.anchors.count() >= 10
    assert all(anchor.has_location for anchor in audit.anchors.all())
    assert audit.partnerships.count() >= 15
    assert set(audit.partnerships.values_list("kind", flat=True)) >= {"research", "investment", "programme"}
    assert audit.candidate_clusters.count() >= 4
    assert audit.forecasts.exists()
    assert audit.trend_ratings.exists()
    assert audit.priority_frameworks.exists()
    assert audit.cluster_organisations.exists()


def test_the_audits_sit_in_their_regions_and_peer_groups(demo):
    kendall = Audit.objects.get(organisation=demo, title=KENDALL)
    west_midlands = Audit.objects.get(organisation=demo, title=WEST_MIDLANDS)

    assert (kendall.region.scheme, kendall.region.code, kendall.region_set.slug) == ("us-cbsa", "14460", "us-msas")
    assert (west_midlands.region.code, west_midlands.region_set.slug) == ("UKG3", "uk-nuts2")


def test_university_anchors_are_linked_to_their_public_records(demo):
    anchors = AnchorInstitution.objects.filter(audit__organisation=demo, candidate__isnull=False)
    ids = {(anchor.candidate.source, anchor.candidate.external_id) for anchor in anchors}

    assert {("ipeds", "166683"), ("ipeds", "166027")} <= ids
    assert {("ukprn", "10006840"), ("ukprn", "10007163"), ("ukprn", "10007832")} <= ids
    assert anchors.get(candidate__external_id="166683").candidate.name == "Massachusetts Institute of Technology"


def test_the_west_midlands_story_carries_its_market_figures(demo):
    audit = Audit.objects.get(organisation=demo, title=WEST_MIDLANDS)
    forecast = audit.forecasts.get(cluster__slug="proftech")

    assert (forecast.base_year, forecast.base_value, forecast.target_year, forecast.target_value) == (
        2024,
        1200,
        2033,
        1500,
    )
    assert forecast.annual_growth == pytest.approx(0.025, abs=0.001)
    assert "£15.3bn" in audit.summary and "182,000 jobs" in audit.summary
    themes = set(audit.trend_ratings.values_list("theme", flat=True))
    assert themes == {"productivity", "open data", "sustainability", "inclusion", "wellness"}
    supertech = audit.cluster_organisations.get(name="SuperTech")
    assert supertech.has_board and supertech.members_count and "illustrative" in supertech.notes


def test_the_priority_frameworks_map_clusters(demo):
    strategy = PriorityFramework.objects.get(organisation__isnull=True, slug="uk-industrial-strategy-2025")
    roadmap = PriorityFramework.objects.get(organisation=demo, slug="west-midlands-proftech-roadmap")

    assert strategy.items.get(cluster__slug="fintech").label == "Financial Services"
    assert strategy.items.get(cluster__slug="legaltech").label == "Professional and Business Services"
    assert set(roadmap.items.values_list("cluster__slug", flat=True)) >= {"proftech", "fintech", "proptech"}


def test_the_demo_user_logs_in_and_is_admin_of_demo(client, demo):
    user = get_user_model().objects.get(username="demo")

    assert client.login(username="demo", password=demo_org.DEFAULT_PASSWORD)
    assert demo.role_of(user) == Role.ADMIN


def test_every_role_and_a_consultant_with_two_organisations(demo):
    roles = dict(demo.memberships.values_list("user__username", "role"))
    consultant = get_user_model().objects.get(username="demo-consultant")

    assert set(roles.values()) == set(Role.values)
    assert consultant.organisations.count() == 2


def test_the_login_can_be_overridden(client):
    load_demo(username="alice", password="a-different-secret-42")

    assert client.login(username="alice", password="a-different-secret-42")
    assert Organisation.objects.get(slug="demo").role_of(get_user_model().objects.get(username="alice")) == Role.ADMIN


def test_it_refuses_a_weak_password():
    with pytest.raises(CommandError, match="too short"):
        load_demo(password="short")

    assert not Organisation.objects.filter(slug="demo").exists()


def test_it_fails_clearly_without_reference_data():
    RegionSet.objects.filter(slug__in=["us-msas", "uk-nuts2"]).delete()

    assert "region set us-msas" in missing_reference_data()
    with pytest.raises(CommandError, match="run `python manage.py load_reference_data` first"):
        load_demo()
    assert not Organisation.objects.filter(slug="demo").exists()
