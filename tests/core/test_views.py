"""The server-rendered shell: sign-in, navigation, the organisation switcher and every page, read as a user would."""

import pytest
from django.urls import reverse

from anchors.models import AnchorCandidate
from audits.models import AuditCluster, AuditStatus, MarketForecast, TrendRating
from clusters.models import ClusterKind, ClusterMember, ClusterOrganisation, ClusterRelatedness, ClusterScope
from core.middleware import SESSION_KEY
from core.models import Role
from regions.models import Dataset, EconomicObservation, IndustryCode, RegionScheme, RegionSet, RegionSetMembership
from tests.conftest import html_elements, html_table, html_text
from tests.factories import (
    PASSWORD,
    AnchorFactory,
    AuditFactory,
    ClassificationFactory,
    ClusterFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    RegionFactory,
    RegionSetFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return Dataset.objects.create(slug="test-views-dataset", name="Test dataset")


@pytest.fixture
def region_set():
    return RegionSetFactory(slug="test-views-set", name="Test views set")


@pytest.fixture
def region(region_set):
    region = RegionFactory(code="TV01", name="Testshire")
    RegionSetMembership.objects.create(region_set=region_set, region=region)
    return region


@pytest.fixture
def cluster():
    return ClusterFactory(
        slug="test-views-biopharma", name="Test Biopharma", kind=ClusterKind.BENCHMARK, scope=ClusterScope.TRADED
    )


@pytest.fixture
def audit(organisation, region, region_set, cluster):
    audit = AuditFactory(organisation=organisation, region=region, region_set=region_set, title="Testshire audit")
    AuditCluster.objects.create(audit=audit, cluster=cluster, patents=12, investment_growth=0.12)
    return audit


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def page_urls(audit, region, region_set, cluster):
    return [
        reverse("home"),
        reverse("audits:list"),
        reverse("audits:detail", args=[audit.pk]),
        reverse("regions:set_list"),
        reverse("regions:list", args=[region_set.slug]),
        reverse("regions:detail", args=[region.pk]),
        reverse("clusters:list"),
        reverse("clusters:detail", args=[cluster.pk]),
    ]


# --- Sign-in and sign-out ------------------------------------------------------------------------------------


def test_it_redirects_anonymous_users_to_login_on_every_page(client, audit, region, region_set, cluster):
    for url in page_urls(audit, region, region_set, cluster):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_it_shows_the_login_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_it_logs_in_with_the_right_password_and_goes_home(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_password(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "wrong-password"})
    assert response.status_code == 200
    assert b"enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_it_logs_out_by_post_only(member_client):
    assert member_client.get(reverse("logout")).status_code == 405
    response = member_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert member_client.get(reverse("home")).status_code == 302


# --- Pages ---------------------------------------------------------------------------------------------------


def test_it_serves_every_page_to_a_member(member_client, audit, region, region_set, cluster):
    for url in page_urls(audit, region, region_set, cluster):
        assert member_client.get(url).status_code == 200, url


def main_navigation(response):
    assert response.status_code == 200
    return html_elements(response.content.decode(), "nav", aria_label="Main navigation")[0]


def switcher_shows(response):
    """The organisation and role on the switcher button (the menu under it lists every membership's role)."""
    button = html_elements(main_navigation(response), "button", data_testid="org-switcher")[0]
    badge = html_elements(button, "span", class_="role-badge")[0]
    role_classes = [
        name for name in dict(badge.attributes)["class"].split() if name.startswith("role-") and name != "role-badge"
    ]
    return html_text(html_elements(button, "span", class_="org-name")[0]), html_text(badge), role_classes


@pytest.mark.parametrize("role", list(Role))
def test_it_shows_navigation_role_badge_and_organisation(client, organisation, role):
    user = UserFactory(username=f"a-{role}")
    MembershipFactory(user=user, organisation=organisation, role=role)
    client.force_login(user)
    response = client.get(reverse("home"))
    nav = main_navigation(response)
    links = {html_text(a): dict(a.attributes)["href"] for a in html_elements(nav, "a", class_="nav-link")}
    assert {label: links.get(label) for label in ("Home", "Audits", "Regions", "Clusters")} == {
        "Home": reverse("home"),
        "Audits": reverse("audits:list"),
        "Regions": reverse("regions:set_list"),
        "Clusters": reverse("clusters:list"),
    }
    sign_out = html_elements(nav, "form", action=reverse("logout"), method="post")
    assert [html_text(button) for form in sign_out for button in html_elements(form, "button")] == ["Sign out"]
    assert switcher_shows(response) == (organisation.name, role.label, [f"role-{role}"])
    assert not html_elements(nav, "a", href=reverse("admin:index"))


def test_it_links_the_admin_for_staff(client, member):
    member.is_staff = True
    member.save()
    client.force_login(member)
    admin = html_elements(main_navigation(client.get(reverse("home"))), "a", href=reverse("admin:index"))
    assert [html_text(link) for link in admin] == ["Admin"]


def test_it_loads_no_asset_from_another_host(member_client):
    content = member_client.get(reverse("home")).content.decode()
    assert "https://" not in content.split("<body")[0]
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in content
    assert "/static/vendor/htmx/htmx.min.js" in content


def test_home_lists_the_active_organisations_audits_with_counts(member_client, audit):
    AnchorFactory.create_batch(2, audit=audit)
    StakeholderFactory.create_batch(3, audit=audit)
    response = member_client.get(reverse("home"))
    row = next(a for a in response.context["audits"] if a.pk == audit.pk)
    assert (row.anchor_count, row.stakeholder_count, row.cluster_count) == (2, 3, 1)
    assert b"Testshire audit" in response.content


def test_home_says_what_to_do_when_there_are_no_audits(member_client):
    response = member_client.get(reverse("home"))
    assert b"No audits yet" in response.content
    assert b"ask one of them" in response.content and b"manage.py" not in response.content


def test_audit_detail_shows_every_section(member_client, audit, cluster):
    anchor = AnchorFactory(audit=audit, name="Testshire University", staff=1200)
    StakeholderFactory(audit=audit, name="Seed Capital", group="capital")
    source = StakeholderFactory(audit=audit, name="Big Corp", group="corporate")
    PartnershipFactory(audit=audit, from_stakeholder=source, to_stakeholder=None, to_anchor=anchor)
    ClusterOrganisation.objects.create(audit=audit, name="Testshire Bio Network", members_count=40, has_board=True)
    MarketForecast.objects.create(
        audit=audit, cluster=cluster, base_year=2024, base_value=1.2, target_year=2033, target_value=1.5, source="Plan"
    )
    TrendRating.objects.create(audit=audit, cluster=cluster, theme="sustainability", rating=4)
    content = member_client.get(reverse("audits:detail", args=[audit.pk])).content.decode()
    for text in ("Testshire University", "Seed Capital", "Big Corp", "Testshire Bio Network", "sustainability"):
        assert text in content
    assert "+2.5% a year" in content  # (1.5 / 1.2) ** (1 / 9) - 1
    assert "+12.0%" in content


def test_audit_detail_counts_stakeholders_in_all_five_groups(member_client, audit):
    StakeholderFactory.create_batch(2, audit=audit, group="academia")
    response = member_client.get(reverse("audits:detail", args=[audit.pk]))
    groups = {g.value: g.count for g in response.context["detail"].stakeholder_groups}
    assert groups == {"corporate": 0, "capital": 0, "government": 0, "academia": 2, "entrepreneurship": 0}


# --- Tenancy -------------------------------------------------------------------------------------------------


def test_another_organisations_audit_is_404(client, outsider, audit):
    client.force_login(outsider)
    assert client.get(reverse("audits:detail", args=[audit.pk])).status_code == 404
    assert audit.title.encode() not in client.get(reverse("audits:list")).content


def test_an_audit_of_a_member_organisation_that_is_not_active_is_404_until_switched(client, audit, other_organisation):
    consultant = UserFactory(username="consultant")
    MembershipFactory(user=consultant, organisation=other_organisation, role=Role.OFFICER)
    MembershipFactory(user=consultant, organisation=audit.organisation, role=Role.VIEWER)
    client.force_login(consultant)
    session = client.session
    session[SESSION_KEY] = other_organisation.pk
    session.save()
    url = reverse("audits:detail", args=[audit.pk])
    assert client.get(url).status_code == 404
    client.post(reverse("switch_organisation"), {"organisation": audit.organisation_id})
    assert client.get(url).status_code == 200


def test_another_organisations_private_cluster_is_404(member_client, other_organisation):
    private = ClusterFactory(organisation=other_organisation, name="Rival secret cluster")
    assert member_client.get(reverse("clusters:detail", args=[private.pk])).status_code == 404
    assert b"Rival secret cluster" not in member_client.get(reverse("clusters:list")).content


def test_the_organisations_own_cluster_is_listed_as_private(member_client, organisation):
    own = ClusterFactory(organisation=organisation, name="Our own cluster")
    content = member_client.get(reverse("clusters:list")).content.decode()
    assert "Our own cluster" in content
    assert member_client.get(reverse("clusters:detail", args=[own.pk])).status_code == 200


# --- Organisation switcher -----------------------------------------------------------------------------------


def test_the_switcher_refuses_an_organisation_the_user_is_not_a_member_of(member_client, other_organisation):
    response = member_client.post(reverse("switch_organisation"), {"organisation": other_organisation.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in member_client.session


def test_the_switcher_refuses_garbage(member_client):
    assert member_client.post(reverse("switch_organisation"), {"organisation": "abc"}).status_code == 404


def test_the_switcher_needs_post(member_client, organisation):
    assert member_client.get(reverse("switch_organisation"), {"organisation": organisation.pk}).status_code == 405


def test_the_switcher_switches_to_a_member_organisation(client, member, other_organisation):
    MembershipFactory(user=member, organisation=other_organisation, role=Role.REVIEWER)
    client.force_login(member)
    response = client.post(
        reverse("switch_organisation"), {"organisation": other_organisation.pk, "next": reverse("audits:list")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:list")
    assert client.session[SESSION_KEY] == other_organisation.pk
    home = client.get(reverse("home"))
    assert home.context["active_organisation"] == other_organisation
    assert switcher_shows(home) == (other_organisation.name, "Reviewer", ["role-reviewer"])


def test_the_switcher_ignores_an_offsite_next(member_client, organisation):
    response = member_client.post(
        reverse("switch_organisation"), {"organisation": organisation.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


# --- Regions -------------------------------------------------------------------------------------------------


def test_region_list_searches_by_name_and_code(member_client, region_set, region):
    other = RegionFactory(code="TV02", name="Otherford")
    RegionSetMembership.objects.create(region_set=region_set, region=other)
    url = reverse("regions:list", args=[region_set.slug])
    assert [r.name for r in member_client.get(url, {"q": "testsh"}).context["regions"]] == ["Testshire"]
    assert [r.name for r in member_client.get(url, {"q": "tv02"}).context["regions"]] == ["Otherford"]
    assert b"No regions match" in member_client.get(url, {"q": "zzzz"}).content


def test_region_list_paginates(member_client, region_set):
    for n in range(60):
        RegionSetMembership.objects.create(region_set=region_set, region=RegionFactory(code=f"PG{n:02d}"))
    url = reverse("regions:list", args=[region_set.slug])
    assert len(member_client.get(url).context["regions"]) == 50
    assert len(member_client.get(url, {"page": 2}).context["regions"]) == 10


def test_unknown_region_set_is_404(member_client):
    assert member_client.get(reverse("regions:list", args=["no-such-set"])).status_code == 404


def test_region_detail_sorts_published_cluster_employment(member_client, region, dataset, cluster):
    small = ClusterFactory(name="Small cluster", kind=ClusterKind.BENCHMARK)
    for year, employment in ((2015, 999999), (2016, 500)):
        EconomicObservation.objects.create(
            region=region, year=year, cluster=cluster, employment=employment, dataset=dataset
        )
    EconomicObservation.objects.create(region=region, year=2016, cluster=small, employment=20, dataset=dataset)
    response = member_client.get(reverse("regions:detail", args=[region.pk]))
    assert response.context["cluster_year"] == 2016
    assert [row.employment for row in response.context["cluster_rows"]] == [500, 20]


def test_region_detail_sums_custom_clusters_from_industry_observations(member_client, dataset):
    nuts2 = RegionFactory(scheme=RegionScheme.NUTS2, code="TV99", name="Test Midlands")
    sic = ClassificationFactory(slug="test-views-sic", name="Test SIC")
    codes = {c: IndustryCode.objects.create(classification=sic, code=c, title=f"Class {c}") for c in ("6419", "6820")}
    fintech = ClusterFactory(classification=sic, name="Test FinTech", kind=ClusterKind.CUSTOM)
    proptech = ClusterFactory(classification=sic, name="Test PropTech", kind=ClusterKind.CUSTOM)
    ClusterMember.objects.create(cluster=fintech, industry=codes["6419"])
    ClusterMember.objects.create(cluster=proptech, industry=codes["6820"])
    proftech = ClusterFactory(classification=sic, name="Test ProfTech", kind=ClusterKind.CONVERGENCE)
    proftech.components.add(fintech, proptech)
    for code, employment in (("6419", 1000), ("6820", 300)):
        EconomicObservation.objects.create(
            region=nuts2, year=2018, industry=codes[code], employment=employment, dataset=dataset
        )
    response = member_client.get(reverse("regions:detail", args=[nuts2.pk]))
    derived = {row.cluster.name: row.employment for row in response.context["derived_rows"]}
    assert derived["Test ProfTech"] == 1300
    assert derived["Test FinTech"] == 1000
    assert derived["Test PropTech"] == 300
    assert [row.industry.code for row in response.context["top_industries"]][:2] == ["6419", "6820"]


def test_region_detail_lists_anchor_candidates_in_the_region_or_metro(member_client, region):
    AnchorCandidate.objects.create(source="ipeds", external_id="tv-1", name="Testshire Institute", region=region)
    AnchorCandidate.objects.create(source="ipeds", external_id="tv-2", name="Metro College", metro=region)
    response = member_client.get(reverse("regions:detail", args=[region.pk]))
    assert {c.name for c in response.context["candidates"]} == {"Testshire Institute", "Metro College"}


# --- Clusters ------------------------------------------------------------------------------------------------


def test_cluster_list_groups_and_searches(member_client, cluster):
    ClusterFactory(name="Test Local Health", kind=ClusterKind.BENCHMARK, scope=ClusterScope.LOCAL)
    ClusterFactory(name="Test ProfTech", kind=ClusterKind.CONVERGENCE)
    groups = {key: rows for key, _, _, rows in member_client.get(reverse("clusters:list")).context["groups"]}
    assert cluster in groups["traded"]
    assert "Test Local Health" in {c.name for c in groups["local"]}
    assert "Test ProfTech" in {c.name for c in groups["custom"]}
    found = member_client.get(reverse("clusters:list"), {"q": "proftech"}).context["groups"]
    names = [c.name for *_, rows in found for c in rows]
    assert "Test ProfTech" in names
    assert all("proftech" in name.lower() for name in names)


def test_cluster_detail_shows_members_related_and_top_regions(member_client, cluster, region, dataset):
    code = IndustryCode.objects.create(classification=cluster.classification, code="325411", title="Medicinal")
    ClusterMember.objects.create(cluster=cluster, industry=code, subcluster="Biological products")
    related = ClusterFactory(name="Test Medical Devices", kind=ClusterKind.BENCHMARK)
    ClusterRelatedness.objects.create(cluster=cluster, related=related, weight=0.4)
    EconomicObservation.objects.create(region=region, year=2016, cluster=cluster, employment=750, dataset=dataset)
    response = member_client.get(reverse("clusters:detail", args=[cluster.pk]))
    content = response.content.decode()
    assert "Biological products" in content and "325411" in content
    assert "Test Medical Devices" in content
    assert response.context["regions_year"] == 2016
    assert response.context["top_regions"][0][1] == [(region, 750)]


# --- Query counts --------------------------------------------------------------------------------------------


def _audits_with_assets(organisation, region, region_set, n):
    for _ in range(n):
        audit = AuditFactory(organisation=organisation, region=region, region_set=region_set)
        AnchorFactory.create_batch(2, audit=audit)
        PartnershipFactory(audit=audit)


def _audit_rows(response):
    """The audits table of a page: each audit's link and its row (column heading to cell text)."""
    assert response.status_code == 200
    table = html_elements(response.content.decode(), "table", class_="table-app")[0]
    links = [dict(a.attributes)["href"] for row in html_elements(table, "tbody") for a in html_elements(row, "a")]
    return [link for link in links if link.startswith("/audits/")], html_table(table)


@pytest.mark.parametrize("name", ["home", "audits:list"])
def test_audit_lists_run_a_bounded_number_of_queries(
    member_client, organisation, region, region_set, django_assert_max_num_queries, name
):
    _audits_with_assets(organisation, region, region_set, 2)
    with django_assert_max_num_queries(10):
        response = member_client.get(reverse(name))
    assert len(_audit_rows(response)[0]) == 2
    _audits_with_assets(organisation, region, region_set, 15)
    with django_assert_max_num_queries(10):
        response = member_client.get(reverse(name))
    links, rows = _audit_rows(response)
    audits = organisation.audits.all()
    assert sorted(links) == sorted(reverse("audits:detail", args=[audit.pk]) for audit in audits)
    # The counts the query-count is about: two anchors and a partnership's two stakeholders on every row.
    assert [(row["Anchors"], row["Stakeholders"]) for row in rows] == [("2", "2")] * 17


def test_audit_detail_runs_a_bounded_number_of_queries(member_client, audit, cluster, django_assert_max_num_queries):
    def add_assets(n):
        for _ in range(n):
            anchor = AnchorFactory(audit=audit)
            anchor.clusters.add(cluster)
            stakeholder = StakeholderFactory(audit=audit, group="academia")
            stakeholder.clusters.add(cluster)
            PartnershipFactory(audit=audit, from_stakeholder=stakeholder, to_stakeholder=None, to_anchor=anchor)
            ClusterOrganisation.objects.create(audit=audit, name=f"Org {anchor.pk}").clusters.add(cluster)

    def tables(response):
        """Each tab's table rows, keyed by the tab pane's id."""
        assert response.status_code == 200
        page = response.content.decode()
        return {
            pane: html_table(html_elements(html_elements(page, "div", id=pane)[0], "table")[0])
            for pane in ("tab-anchors", "tab-stakeholders", "tab-partnerships", "tab-organisations")
        }

    add_assets(2)
    # (17: the edition number, "version N", is read from the audit's lineage)
    with django_assert_max_num_queries(17):
        response = member_client.get(reverse("audits:detail", args=[audit.pk]))
    assert len(tables(response)["tab-anchors"]) == 2
    add_assets(15)
    with django_assert_max_num_queries(17):
        response = member_client.get(reverse("audits:detail", args=[audit.pk]))
    shown = tables(response)
    anchors, stakeholders = audit.anchors.all(), audit.stakeholders.all()
    assert sorted((r["Anchor"], r["Clusters"]) for r in shown["tab-anchors"]) == sorted(
        (a.name, cluster.name) for a in anchors
    )
    assert sorted((r["Stakeholder"], r["Clusters"]) for r in shown["tab-stakeholders"]) == sorted(
        (s.name, cluster.name) for s in stakeholders
    )
    assert sorted((r["Source"], r["Target"]) for r in shown["tab-partnerships"]) == sorted(
        (p.from_stakeholder.name, p.to_anchor.name) for p in audit.partnerships.all()
    )
    assert sorted(r["Organisation"] for r in shown["tab-organisations"]) == sorted(
        f"Org {a.pk} {cluster.name}" for a in anchors
    )


def test_region_pages_run_a_bounded_number_of_queries(member_client, region_set, django_assert_max_num_queries):
    parent = RegionFactory(code="TVP", name="Parentland")
    for n in range(30):
        RegionSetMembership.objects.create(
            region_set=region_set, region=RegionFactory(code=f"QC{n:02d}", parent=parent)
        )
    RegionSetFactory.create_batch(5)
    with django_assert_max_num_queries(10):
        regions = member_client.get(reverse("regions:list", args=[region_set.slug]))
    assert regions.status_code == 200
    rows = html_table(html_elements(regions.content.decode(), "table")[0])
    assert sorted((row["Code"], row["Parent"]) for row in rows) == [(f"QC{n:02d}", "Parentland") for n in range(30)]
    with django_assert_max_num_queries(10):
        sets = member_client.get(reverse("regions:set_list"))
    assert sets.status_code == 200
    linked = {dict(a.attributes)["href"] for a in html_elements(sets.content.decode(), "a", class_="stretched-link")}
    assert linked == {reverse("regions:list", args=[slug]) for slug in RegionSet.objects.values_list("slug", flat=True)}


def test_cluster_list_runs_a_bounded_number_of_queries(member_client, django_assert_max_num_queries):
    def listed(response):
        assert response.status_code == 200
        tables = html_elements(response.content.decode(), "table")
        return {(row["Cluster"], row["Classification"]) for table in tables for row in html_table(table)}

    benchmark = ClusterFactory.create_batch(3, kind=ClusterKind.BENCHMARK)
    with django_assert_max_num_queries(10):
        response = member_client.get(reverse("clusters:list"))
    assert {(c.name, c.classification.name) for c in benchmark} <= listed(response)
    custom = ClusterFactory.create_batch(30, kind=ClusterKind.CUSTOM)
    with django_assert_max_num_queries(10):
        response = member_client.get(reverse("clusters:list"))
    assert {(c.name, c.classification.name) for c in benchmark + custom} <= listed(response)


def test_audit_list_shows_status_badges(member_client, organisation, region, region_set):
    for status in (AuditStatus.APPROVED, AuditStatus.DRAFT):
        AuditFactory(organisation=organisation, region=region, region_set=region_set, status=status,
                     title=f"A {status} audit")  # fmt: skip
    _, rows = _audit_rows(member_client.get(reverse("audits:list")))
    assert sorted((row["Audit"].split(" · ")[0], row["Status"]) for row in rows) == [
        ("A approved audit revision 1", "Approved"),
        ("A draft audit revision 1", "Draft"),
    ]


def test_pages_show_empty_states_for_a_user_without_organisation(client):
    loner = UserFactory(username="loner")
    client.force_login(loner)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"You are not in an organisation" in response.content
    assert client.get(reverse("audits:list")).status_code == 200


def test_the_organisation_of_each_page_is_the_active_one(client, member, organisation):
    second = OrganisationFactory(slug="second-org", name="Second Org")
    MembershipFactory(user=member, organisation=second, role=Role.ADMIN)
    AuditFactory(organisation=second, title="Second org audit")
    client.force_login(member)
    client.post(reverse("switch_organisation"), {"organisation": organisation.pk})
    assert b"Second org audit" not in client.get(reverse("audits:list")).content
    client.post(reverse("switch_organisation"), {"organisation": second.pk})
    assert b"Second org audit" in client.get(reverse("audits:list")).content
