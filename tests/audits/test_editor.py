"""The audit editor: a new audit, every step and record kind through the views, roles, tenancy, conflicts, the
cluster builder, crosswalk help and the completeness meter."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anchors.models import AnchorCandidate, AnchorInstitution
from audits import completeness
from audits.models import Audit, AuditCluster, AuditStatus, MarketForecast, PriorityFramework, TrendRating
from audits.selectors import completeness_facts
from audits.views.editor import STEPS
from clusters.models import ClusterDefinition, ClusterKind, ClusterOrganisation
from core.models import Role
from regions.models import Region, RegionSet
from scoring.methodology import default_spec, validate_spec
from stakeholders.models import Partnership, Stakeholder
from tests.conftest import html_elements, html_text
from tests.factories import (
    AnchorFactory,
    AuditFactory,
    MembershipFactory,
    PartnershipFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STEP_SLUGS = [step.slug for step in STEPS]


@pytest.fixture
def uk():
    region_set = RegionSet.objects.get(slug="uk-nuts2")
    return region_set, region_set.regions.get(code="UKG3")


@pytest.fixture
def fintech():
    return ClusterDefinition.objects.get(slug="fintech", organisation=None)


@pytest.fixture
def audit(organisation, uk, fintech):
    region_set, region = uk
    audit = AuditFactory(organisation=organisation, region_set=region_set, region=region, title="West Midlands")
    AuditCluster.objects.create(audit=audit, cluster=fintech)
    return audit


def login(user):
    """A client that enforces CSRF as the site does: every POST carries the token from the page's cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("audits:list"))  # sets the CSRF cookie
    return client


def post(client, url, data=None, **extra):
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def step_url(audit, step):
    return reverse("audits:edit_step", args=[audit.pk, step])


def record_data(kind, audit, fintech):
    """Valid form data to add a record of ``kind`` (partnership parties are created on the way)."""
    if kind == "candidates":
        other = ClusterDefinition.objects.get(slug="legaltech", organisation=None)
        return {"cluster": other.pk, "patents": "12", "investment_growth": "12"}
    if kind == "anchors":
        return {"name": "Aston University", "anchor_type": "university", "latitude": "52.4862",
                "longitude": "-1.8904", "clusters": [fintech.pk], "evidence": "https://www.aston.ac.uk"}  # fmt: skip
    if kind == "stakeholders":
        return {"name": "Midlands Fund", "group": "capital", "sector": "venture capital", "clusters": [fintech.pk]}
    if kind == "partnerships":
        one = StakeholderFactory(audit=audit, name="One")
        two = AnchorFactory(audit=audit, name="Two")
        return {"source": f"s:{one.pk}", "target": f"a:{two.pk}", "kind": "research", "strength": "4"}
    if kind == "organisations":
        return {"name": "FinTech West Midlands", "members_count": "120", "member_types": ["corporate", "academia"],
                "management_fte": "2.5", "has_board": "on", "regions_spanned": "1", "budget_currency": "gbp",
                "clusters": [fintech.pk]}  # fmt: skip
    if kind == "forecasts":
        return {"cluster": fintech.pk, "metric": "gva", "unit": "GBP m", "base_year": "2024", "base_value": "1200",
                "target_year": "2033", "target_value": "1500", "source": "WMCA ProfTech roadmap"}  # fmt: skip
    if kind == "ratings":
        return {"cluster": fintech.pk, "theme": "Open  Data", "rating": "4", "evidence": "Open banking pilots."}
    raise AssertionError(kind)


MODELS = {
    "candidates": AuditCluster,
    "anchors": AnchorInstitution,
    "stakeholders": Stakeholder,
    "partnerships": Partnership,
    "organisations": ClusterOrganisation,
    "forecasts": MarketForecast,
    "ratings": TrendRating,
}
EDITS = {
    "candidates": ("patents", "30", 30),
    "anchors": ("staff", "1500", 1500),
    "stakeholders": ("sector", "private equity", "private equity"),
    "partnerships": ("strength", "2", 2),
    "organisations": ("members_count", "150", 150),
    "forecasts": ("target_value", "1600", 1600),
    "ratings": ("rating", "5", 5),
}


# --- Steps and the new audit ------------------------------------------------------------------------------


@pytest.mark.parametrize("step", STEP_SLUGS)
def test_it_renders_every_step_for_an_officer(officer, audit, step):
    response = login(officer).get(step_url(audit, step))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="completeness"' in body and f"Step {STEP_SLUGS.index(step) + 1} of 7" in body


def test_an_officer_creates_an_empty_draft_audit_and_lands_on_step_one(officer, organisation, uk):
    region_set, region = uk
    client = login(officer)
    assert "New audit" in client.get(reverse("audits:list")).content.decode()
    response = post(client, reverse("audits:new"), {"title": "WM 2026", "region_set": region_set.pk,
                                                     "region": region.pk, "year": "2026"})  # fmt: skip
    audit = Audit.objects.get(title="WM 2026")
    assert response.status_code == 302 and response["Location"] == step_url(audit, "clusters")
    assert audit.organisation == organisation and audit.status == AuditStatus.DRAFT and audit.created_by == officer


def test_a_new_audit_refuses_a_region_outside_its_region_set(officer, uk):
    region_set, _ = uk
    elsewhere = Region.objects.filter(region_sets__slug="us-states").first()
    response = post(login(officer), reverse("audits:new"), {"title": "X", "region_set": region_set.pk,
                                                            "region": elsewhere.pk, "year": "2026"})  # fmt: skip
    assert response.status_code == 200 and not Audit.objects.filter(title="X").exists()


def test_the_region_search_lists_only_regions_of_the_set(officer, uk):
    region_set, _ = uk
    response = login(officer).get(reverse("audits:new_regions"), {"region_set": region_set.pk, "region_q": "UKG"})
    body = response.content.decode()
    assert "West Midlands (UKG3)" in body and "(UKG1)" in body and "(UKC1)" not in body


def test_a_viewer_cannot_start_an_audit(member, uk):
    region_set, region = uk
    client = login(member)
    assert "New audit" not in client.get(reverse("audits:list")).content.decode()
    data = {"title": "V", "region_set": region_set.pk, "region": region.pk, "year": "2026"}
    assert post(client, reverse("audits:new"), data).status_code == 403
    assert not Audit.objects.filter(title="V").exists()


def test_the_audit_page_links_to_the_editor(officer, audit):
    body = login(officer).get(reverse("audits:detail", args=[audit.pk])).content.decode()
    assert reverse("audits:edit", args=[audit.pk]) in body


# --- Records: create, edit, delete, history ---------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MODELS))
def test_an_officer_adds_edits_and_deletes_each_kind_of_record(officer, audit, fintech, kind):
    client = login(officer)
    model = MODELS[kind]
    before = model.objects.filter(audit=audit).count()
    data = record_data(kind, audit, fintech)
    version = Audit.objects.get(pk=audit.pk).version

    response = post(client, reverse("audits:edit_record_new", args=[audit.pk, kind]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert model.objects.filter(audit=audit).count() == before + 1
    record = model.objects.filter(audit=audit).order_by("-pk").first()
    assert Audit.objects.get(pk=audit.pk).version == version + 1  # audit_changed ran
    assert "Saved" in client.get(response["Location"]).content.decode()

    name, raw, stored = EDITS[kind]
    changed = {**data, name: raw, "revision": record.revision}
    if kind == "candidates":
        del changed["cluster"]
    response = post(client, reverse("audits:edit_record", args=[audit.pk, kind, record.pk]), changed)
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert getattr(record, name) == stored and record.revision == 2
    assert record.history.first().history_user == officer

    history = client.get(reverse("audits:edit_history", args=[audit.pk, kind, record.pk]), HTTP_HX_REQUEST="true")
    assert history.status_code == 200 and "officer" in history.content.decode()

    response = post(client, reverse("audits:edit_delete", args=[audit.pk, kind, record.pk]), {"revision": 2})
    assert response.status_code == 302
    assert not model.objects.filter(pk=record.pk).exists()
    assert Audit.objects.get(pk=audit.pk).version == version + 3


def test_percentages_are_entered_as_percent_and_stored_as_fractions(officer, audit, fintech):
    post(login(officer), reverse("audits:edit_record_new", args=[audit.pk, "forecasts"]),
         {**record_data("forecasts", audit, fintech), "target_value": "", "growth_rate": "10"})  # fmt: skip
    assert MarketForecast.objects.get(audit=audit).growth_rate == pytest.approx(0.10)


def test_a_forecast_needs_a_target_or_a_rate_and_says_so(officer, audit, fintech):
    data = {**record_data("forecasts", audit, fintech), "target_value": ""}
    response = post(login(officer), reverse("audits:edit_record_new", args=[audit.pk, "forecasts"]), data)
    assert response.status_code == 200 and "Give a target value" in response.content.decode()
    assert not MarketForecast.objects.filter(audit=audit).exists()


def test_a_trend_rating_is_unique_per_cluster_and_theme(officer, audit, fintech):
    client = login(officer)
    url = reverse("audits:edit_record_new", args=[audit.pk, "ratings"])
    post(client, url, record_data("ratings", audit, fintech))
    response = post(client, url, record_data("ratings", audit, fintech))
    assert "already rated on open data" in response.content.decode()
    assert TrendRating.objects.filter(audit=audit).count() == 1


def test_an_htmx_save_answers_with_the_step_body_and_saved_feedback(officer, audit, fintech):
    response = post(login(officer), reverse("audits:edit_record_new", args=[audit.pk, "stakeholders"]),
                    record_data("stakeholders", audit, fintech), HTTP_HX_REQUEST="true")  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith("{#") is False
    assert 'id="step-body"' in body and "Saved: stakeholder" in body and "<html" not in body


def test_a_post_without_the_csrf_token_is_refused(officer, audit, fintech):
    client = login(officer)
    response = client.post(reverse("audits:edit_record_new", args=[audit.pk, "stakeholders"]),
                           record_data("stakeholders", audit, fintech))  # fmt: skip
    assert response.status_code == 403 and not Stakeholder.objects.filter(audit=audit).exists()


def test_an_anchor_is_added_from_a_public_record_with_its_location(officer, audit):
    candidate = AnchorCandidate.objects.create(source="ipeds", external_id="T-1", name="Test University",
                                               region=audit.region, latitude=52.45, longitude=-1.93,
                                               website="www.test.ac.uk")  # fmt: skip
    client = login(officer)
    assert "Test University" in client.get(step_url(audit, "anchors")).content.decode()
    post(client, reverse("audits:edit_anchor_pick", args=[audit.pk]), {"candidate": candidate.pk})
    anchor = AnchorInstitution.objects.get(audit=audit)
    assert anchor.candidate == candidate and anchor.name == "Test University"
    assert (anchor.latitude, anchor.longitude, anchor.website) == (52.45, -1.93, "https://www.test.ac.uk")
    listed = client.get(step_url(audit, "anchors"), {"candidate_q": "Test Univ"}).content.decode()
    assert "Test University" not in listed.split('id="anchor-candidates"')[1].split("</ul>")[0]


def test_frameworks_are_selected_and_a_concurrent_change_is_a_conflict(officer, audit):
    client = login(officer)
    industrial = PriorityFramework.objects.create(slug="test-industrial-strategy", name="Industrial Strategy")
    url = reverse("audits:edit_frameworks", args=[audit.pk])
    version = Audit.objects.get(pk=audit.pk).version
    post(client, url, {"frameworks": [industrial.pk], "version": version})
    assert list(audit.priority_frameworks.all()) == [industrial]
    response = post(client, url, {"frameworks": [], "version": version})  # read before the first save
    page = response.content.decode()
    assert response.status_code == 409 and "The audit changed since you opened this page" in page
    assert "the selected frameworks are now: Industrial Strategy" in page
    assert list(audit.priority_frameworks.all()) == [industrial]


def test_the_review_step_submits_the_audit(officer, audit):
    client = login(officer)
    assert 'data-testid="submit-audit"' in client.get(step_url(audit, "review")).content.decode()
    response = post(client, reverse("audits:edit_submit", args=[audit.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("audits:detail", args=[audit.pk])
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.SUBMITTED


def test_the_summary_is_saved_over_the_version_it_was_read_at(officer, audit):
    client = login(officer)
    url = reverse("audits:edit_summary", args=[audit.pk])
    version = Audit.objects.get(pk=audit.pk).version
    post(client, url, {"summary": "Strong on FinTech.", "version": version})
    assert Audit.objects.get(pk=audit.pk).summary == "Strong on FinTech."
    response = post(client, url, {"summary": "Stale text", "version": version})
    assert response.status_code == 409 and "Stale text" in response.content.decode()
    assert Audit.objects.get(pk=audit.pk).summary == "Strong on FinTech."


# --- Roles and tenancy -----------------------------------------------------------------------------------


def _write_urls(audit, record_kind, record):
    return [
        (reverse("audits:edit_record_new", args=[audit.pk, "stakeholders"]), {"name": "X", "group": "capital"}),
        (reverse("audits:edit_record", args=[audit.pk, record_kind, record.pk]),
         {"name": "Changed", "group": "capital", "revision": record.revision}),
        (reverse("audits:edit_delete", args=[audit.pk, record_kind, record.pk]), {"revision": record.revision}),
        (reverse("audits:edit_cluster_build", args=[audit.pk]), {"kind": "custom", "name": "Mine", "codes": "62.01"}),
        (reverse("audits:edit_candidate_add", args=[audit.pk]), {"cluster": ClusterDefinition.objects.first().pk}),
        (reverse("audits:edit_anchor_pick", args=[audit.pk]),
         {"candidate": AnchorCandidate.objects.filter(region=audit.region).first().pk}),
        (reverse("audits:edit_frameworks", args=[audit.pk]), {"frameworks": [], "version": audit.version}),
        (reverse("audits:edit_summary", args=[audit.pk]), {"summary": "x", "version": audit.version}),
        (reverse("audits:edit_submit", args=[audit.pk]), {}),
    ]  # fmt: skip


def test_a_viewer_reads_the_flow_but_every_write_is_403_and_changes_nothing(member, audit):
    stakeholder = StakeholderFactory(audit=audit, name="Kept")
    client = login(member)
    body = client.get(step_url(audit, "stakeholders")).content.decode()
    assert "You are viewing this audit" in body and "Kept" in body and 'data-testid="add-stakeholders"' not in body
    version = Audit.objects.get(pk=audit.pk).version
    for url, data in _write_urls(audit, "stakeholders", stakeholder):
        assert post(client, url, data).status_code == 403, url
    assert list(Stakeholder.objects.filter(audit=audit).values_list("name", flat=True)) == ["Kept"]
    audit.refresh_from_db()
    assert audit.version == version and audit.status == AuditStatus.DRAFT and audit.summary == ""
    assert not ClusterDefinition.objects.filter(name="Mine").exists()


def test_an_outsider_gets_404_on_every_step_and_record_url(outsider, audit):
    stakeholder = StakeholderFactory(audit=audit, name="Private")
    client = login(outsider)
    for step in STEP_SLUGS:
        assert client.get(step_url(audit, step)).status_code == 404
    assert client.get(reverse("audits:edit", args=[audit.pk])).status_code == 404
    assert client.get(reverse("audits:edit_record", args=[audit.pk, "stakeholders", stakeholder.pk])).status_code == 404
    assert (
        client.get(reverse("audits:edit_history", args=[audit.pk, "stakeholders", stakeholder.pk])).status_code == 404
    )
    for url, data in _write_urls(audit, "stakeholders", stakeholder):
        assert post(client, url, data).status_code == 404, url
    assert Stakeholder.objects.get(pk=stakeholder.pk).name == "Private"


def test_a_record_of_another_audit_is_404_even_inside_the_organisation(officer, audit, organisation):
    other = StakeholderFactory(audit=AuditFactory(organisation=organisation))
    client = login(officer)
    url = reverse("audits:edit_record", args=[audit.pk, "stakeholders", other.pk])
    assert client.get(url).status_code == 404
    assert post(client, url, {"name": "X", "group": "capital", "revision": 1}).status_code == 404


def test_a_submitted_audit_is_read_only_and_refuses_edits(officer, audit):
    stakeholder = StakeholderFactory(audit=audit, name="Kept")
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.SUBMITTED)
    audit.refresh_from_db()
    client = login(officer)
    body = client.get(step_url(audit, "stakeholders")).content.decode()
    assert "This audit is submitted and read-only" in body and 'data-testid="add-stakeholders"' not in body
    for url, data in _write_urls(audit, "stakeholders", stakeholder):
        assert post(client, url, data).status_code == 403, url
    assert Stakeholder.objects.get(pk=stakeholder.pk).name == "Kept"


# --- Conflicts --------------------------------------------------------------------------------------------


def test_a_stale_revision_shows_the_conflict_and_keeps_the_stored_value_and_the_users_input(officer, audit):
    stakeholder = StakeholderFactory(audit=audit, name="Fund", group="capital", sector="seed")
    colleague = MembershipFactory(organisation=audit.organisation, role=Role.OFFICER,
                                  user=UserFactory(username="colleague")).user  # fmt: skip
    url = reverse("audits:edit_record", args=[audit.pk, "stakeholders", stakeholder.pk])
    mine, theirs = login(officer), login(colleague)
    assert (
        post(theirs, url, {"name": "Fund", "group": "capital", "sector": "growth equity", "revision": 1}).status_code
        == 302
    )

    response = post(mine, url, {"name": "Fund", "group": "capital", "sector": "angel network", "revision": 1})
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this stakeholder" in body and "colleague" in body
    assert "growth equity" in body  # their saved value, beside ...
    assert 'value="angel network"' in body  # ... my unsaved input, still in the form
    assert re.search(r'name="revision" value="2"', body)  # saving again deliberately replaces theirs
    assert Stakeholder.objects.get(pk=stakeholder.pk).sector == "growth equity"

    post(mine, url, {"name": "Fund", "group": "capital", "sector": "angel network", "revision": 2})
    assert Stakeholder.objects.get(pk=stakeholder.pk).sector == "angel network"


def test_deleting_a_record_changed_since_the_page_was_read_is_refused(officer, audit):
    stakeholder = StakeholderFactory(audit=audit, name="Fund")
    stakeholder.sector = "changed"
    stakeholder.save_revision(1)
    client = login(officer)
    post(client, reverse("audits:edit_delete", args=[audit.pk, "stakeholders", stakeholder.pk]), {"revision": 1})
    assert Stakeholder.objects.filter(pk=stakeholder.pk).exists()


# --- Cluster builder and crosswalk ------------------------------------------------------------------------


def test_an_officer_builds_a_custom_cluster_from_codes_in_any_spelling(officer, audit, organisation):
    client = login(officer)
    response = post(client, reverse("audits:edit_cluster_build", args=[audit.pk]),
                    {"kind": "custom", "name": "Data economy", "codes": "6201, 62.02\n63.11",
                     "add_as_candidate": "on"})  # fmt: skip
    assert response.status_code == 302
    cluster = ClusterDefinition.objects.get(name="Data economy")
    assert cluster.organisation == organisation and cluster.kind == ClusterKind.CUSTOM
    assert cluster.classification.slug == "uksic2007"
    assert sorted(cluster.codes.values_list("code", flat=True)) == ["62.01", "62.02", "63.11"]
    assert AuditCluster.objects.filter(audit=audit, cluster=cluster).exists()


def test_unknown_codes_are_named_and_nothing_is_built(officer, audit):
    response = post(login(officer), reverse("audits:edit_cluster_build", args=[audit.pk]),
                    {"kind": "custom", "name": "Bad", "codes": "62.01, 99.99, banana"})  # fmt: skip
    assert response.status_code == 200 and "99.99, banana" in response.content.decode().replace("&#x27;", "'")
    assert not ClusterDefinition.objects.filter(name="Bad").exists()


def test_an_officer_builds_a_convergence_cluster_from_other_clusters(officer, audit, organisation):
    parts = ClusterDefinition.objects.filter(slug__in=["fintech", "proptech", "legaltech"], organisation=None)
    response = post(login(officer), reverse("audits:edit_cluster_build", args=[audit.pk]),
                    {"kind": "convergence", "name": "My ProfTech", "components": [p.pk for p in parts]})  # fmt: skip
    assert response.status_code == 302
    cluster = ClusterDefinition.objects.get(name="My ProfTech", organisation=organisation)
    assert cluster.kind == ClusterKind.CONVERGENCE and set(cluster.components.all()) == set(parts)
    assert not AuditCluster.objects.filter(audit=audit, cluster=cluster).exists()  # the box was left unticked


def test_another_organisations_cluster_cannot_be_a_component_or_candidate(officer, audit, other_organisation):
    classification = audit.region_set.classification
    theirs = ClusterDefinition.objects.create(
        organisation=other_organisation, slug="secret", code="secret", name="Secret", classification=classification
    )
    client = login(officer)
    fintech = ClusterDefinition.objects.get(slug="fintech", organisation=None)
    response = post(client, reverse("audits:edit_cluster_build", args=[audit.pk]),
                    {"kind": "convergence", "name": "Leak", "components": [theirs.pk, fintech.pk]})  # fmt: skip
    assert response.status_code == 200 and not ClusterDefinition.objects.filter(name="Leak").exists()
    assert (
        post(client, reverse("audits:edit_candidate_add", args=[audit.pk]), {"cluster": theirs.pk}).status_code == 404
    )
    assert not AuditCluster.objects.filter(cluster=theirs).exists()


def test_code_search_lists_codes_of_the_region_sets_classification_with_titles(officer, audit):
    body = login(officer).get(step_url(audit, "clusters"), {"code_q": "computer programming"}).content.decode()
    matches = body.split('id="code-matches"')[1].split("</ul>")[0]
    assert "62.01" in matches and "Computer programming activities" in matches


@pytest.mark.parametrize(
    "classification,code,expected",
    [("naics2012", "541511", ["62.01", "6201"]), ("uksic2007", "62.01", ["541511"]), ("naics2012", "5415", ["62.02"])],
)
def test_crosswalk_help_returns_the_equivalent_codes(officer, audit, classification, code, expected):
    response = login(officer).get(step_url(audit, "clusters"), {"xw-classification": classification, "xw-code": code},
                                  HTTP_HX_REQUEST="true")  # fmt: skip
    results = response.content.decode().split('data-testid="crosswalk-results"')[1][:6000]
    for equivalent in expected:
        assert f"<code>{equivalent}</code>" in results


# --- Completeness -----------------------------------------------------------------------------------------


def test_the_completeness_meter_on_a_small_audit(audit, fintech):
    located = AnchorFactory(audit=audit, name="Aston", latitude=52.48, longitude=-1.89)
    located.clusters.add(fintech)
    fund = StakeholderFactory(audit=audit, name="Fund", group="capital", latitude=52.47, longitude=-1.90)
    fund.clusters.add(fintech)
    StakeholderFactory(audit=audit, name="Council", group="government")
    PartnershipFactory(audit=audit, from_stakeholder=fund, to_stakeholder=None, to_anchor=located)
    AuditCluster.objects.filter(audit=audit).update(patents=10)

    facts = completeness_facts(audit)
    (cluster,) = facts.candidates
    assert (cluster.anchors, cluster.located, cluster.partnerships) == (1, 2, 1)
    assert cluster.groups == {"academia", "capital"} and facts.groups == {"academia", "capital", "government"}
    assert cluster.innovation and not cluster.talent and not cluster.forecasts

    report = completeness.assess(facts, validate_spec(default_spec()))
    checks = {check.key: check for check in report.clusters[0].checks}
    assert checks["anchors"].done and checks["located"].done and checks["partnerships"].done
    assert not checks["groups"].done and checks["groups"].status == "2 of 5 groups"
    assert checks["anchors"].adds == "anchor strength: 15% of right to win"
    assert checks["forecast"].adds == "projected growth: 20% of want to win" and not checks["forecast"].done
    assert checks["talent"].adds == "relevant graduates per 10,000 jobs: 3.3% of right to win"
    assert report.section("stakeholders").checks[0].status == "3 of 5 groups"
    assert report.done == 7 and report.total == 16 and report.percent == 44


def test_a_party_tied_to_a_component_counts_for_the_convergence_cluster(audit, fintech):
    proftech = ClusterDefinition.objects.get(slug="proftech", organisation=None)
    AuditCluster.objects.create(audit=audit, cluster=proftech)
    AnchorFactory(audit=audit).clusters.add(fintech)
    by_name = {c.name: c for c in completeness_facts(audit).candidates}
    assert by_name["ProfTech"].anchors == 1 and by_name["FinTech"].anchors == 1


def test_the_meter_is_shown_in_the_sidebar_with_what_each_input_would_add(officer, audit):
    body = login(officer).get(step_url(audit, "anchors")).content.decode()
    assert "Anchors tied to the cluster" in body and "Feeds anchor strength: 15% of right to win" in body


# --- Bounded queries ---------------------------------------------------------------------------------------


def _populate(audit, fintech, n, start=0):
    for i in range(start, start + n):
        anchor = AnchorFactory(audit=audit, latitude=52.4, longitude=-1.9)
        anchor.clusters.add(fintech)
        stakeholder = StakeholderFactory(audit=audit, group=["capital", "corporate"][i % 2])
        stakeholder.clusters.add(fintech)
        PartnershipFactory(audit=audit, from_stakeholder=stakeholder, to_stakeholder=None, to_anchor=anchor)
        ClusterOrganisation.objects.create(audit=audit, name=f"Body {i}").clusters.add(fintech)
        MarketForecast.objects.create(audit=audit, cluster=fintech, base_year=2020, base_value=1, target_year=2030 + i,
                                      target_value=2, source="s")  # fmt: skip
        TrendRating.objects.create(audit=audit, cluster=fintech, theme=f"theme {i}", rating=3)


# The records each step lists, by the ``data-kind`` of their section.
STEP_RECORDS = {
    "clusters": {"candidates": AuditCluster},
    "anchors": {"anchors": AnchorInstitution},
    "stakeholders": {"stakeholders": Stakeholder},
    "partnerships": {"partnerships": Partnership},
    "organisation": {"organisations": ClusterOrganisation},
    "market": {"forecasts": MarketForecast, "ratings": TrendRating},
    "review": {},
}


def _step_shows(response):
    """What a step page lists: each record section's records (their element ids and text), and the review's
    counts."""
    assert response.status_code == 200
    page = response.content.decode()
    sections = {
        dict(section.attributes)["data-kind"]: {
            dict(record.attributes)["id"]: html_text(record)
            for record in html_elements(section, "li", data_testid="record")
        }
        for section in html_elements(page, "section", class_="record-section")
    }
    counts = [
        html_text(count) for grid in html_elements(page, "div", class_="review-counts") for count in grid.children
    ]
    return sections, counts


@pytest.mark.parametrize("step", STEP_SLUGS)
def test_each_step_runs_a_bounded_number_of_queries(officer, audit, fintech, step, django_assert_max_num_queries):
    """As many queries for eight records of each kind as for two, and the page shows all of them."""
    assert set(STEP_RECORDS) == set(STEP_SLUGS)

    def stored():
        return {
            slug: sorted(f"{slug}-{pk}" for pk in model.objects.filter(audit=audit).values_list("pk", flat=True))
            for slug, model in STEP_RECORDS[step].items()
        }

    client = login(officer)
    _populate(audit, fintech, 2)
    client.get(step_url(audit, step))
    with CaptureQueriesContext(connection) as few:
        sections, _ = _step_shows(client.get(step_url(audit, step)))
    assert {slug: sorted(records) for slug, records in sections.items()} == stored()
    _populate(audit, fintech, 6, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        sections, counts = _step_shows(client.get(step_url(audit, step)))

    assert {slug: sorted(records) for slug, records in sections.items()} == stored()
    assert all(len(records) == 8 for slug, records in stored().items() if slug != "candidates")
    for slug in ("anchors", "stakeholders"):  # the clusters each record is tied to are shown with it
        assert all(fintech.name in text for text in sections.get(slug, {}).values())
    if step == "review":
        assert [count.split(" · ")[0] for count in counts] == [
            "1 candidate clusters", "8 anchors", "8 stakeholders", "8 partnerships", "8 cluster organisations",
            "8 forecasts", "0 priority frameworks", "8 trend ratings",
        ]  # fmt: skip
