"""Audit editions: new versions and new years are complete, independent copies; the lineage; comparing two audits."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from anchors.models import AnchorInstitution
from assessments.models import Score, ScoreRun
from assessments.services.methodologies import methodology_default
from audits.models import Audit, AuditCluster, AuditStatus, MarketForecast, PriorityFramework, TrendRating
from audits.services import WorkflowError
from audits.versions import audit_compare, audit_copy_to_year, audit_new_version, lineage, lineage_label
from clusters.models import ClusterOrganisation
from core.models import RunStatus
from stakeholders.models import Partnership, Stakeholder
from tests.factories import (
    AnchorFactory,
    AuditFactory,
    ClusterFactory,
    PartnershipFactory,
    RegionFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clusters():
    return ClusterFactory(name="Biopharma"), ClusterFactory(name="Fintech")


@pytest.fixture
def approved(organisation, owner, clusters):
    """An approved audit with one of every kind of asset, its clusters tied in."""
    bio, fin = clusters
    audit = AuditFactory(
        organisation=organisation, title="Testshire 2024", region=RegionFactory(name="Testshire"), year=2024
    )
    AuditCluster.objects.create(audit=audit, cluster=bio, patents=40, research_spend=Decimal("12.50"))
    AuditCluster.objects.create(audit=audit, cluster=fin, investment_growth=0.12)
    university = AnchorFactory(
        audit=audit, name="Testbridge University", staff=9000, evidence=["https://example.org/tu"]
    )
    university.clusters.add(bio, fin)
    hospital = AnchorFactory(audit=audit, name="General Hospital", anchor_type="hospital")
    hospital.clusters.add(bio)
    firm = StakeholderFactory(audit=audit, name="Helix Therapeutics", group="corporate", employees=120)
    firm.clusters.add(bio)
    fund = StakeholderFactory(audit=audit, name="Harbour Ventures", group="capital")
    fund.clusters.add(fin)
    PartnershipFactory(audit=audit, from_stakeholder=firm, to_stakeholder=None, to_anchor=university, strength=4)
    PartnershipFactory(
        audit=audit, from_stakeholder=None, from_anchor=hospital, to_stakeholder=None, to_anchor=university
    )
    PartnershipFactory(audit=audit, from_stakeholder=fund, to_stakeholder=firm, kind="investment")
    body = ClusterOrganisation.objects.create(audit=audit, name="Bay State Bio", members_count=40, has_board=True)
    body.clusters.add(bio)
    MarketForecast.objects.create(
        audit=audit, cluster=fin, base_year=2024, base_value=1200, target_year=2033, target_value=1500, source="WMCA"
    )
    TrendRating.objects.create(audit=audit, cluster=fin, theme="open data", rating=4, evidence="Open banking.")
    framework = PriorityFramework.objects.create(organisation=organisation, slug="roadmap", name="Regional roadmap")
    audit.priority_frameworks.add(framework)
    audit.status = AuditStatus.APPROVED
    audit.save()
    return audit


def asset_counts(audit):
    return {
        "candidates": AuditCluster.objects.filter(audit=audit).count(),
        "anchors": AnchorInstitution.objects.filter(audit=audit).count(),
        "stakeholders": Stakeholder.objects.filter(audit=audit).count(),
        "partnerships": Partnership.objects.filter(audit=audit).count(),
        "organisations": ClusterOrganisation.objects.filter(audit=audit).count(),
        "forecasts": MarketForecast.objects.filter(audit=audit).count(),
        "trends": TrendRating.objects.filter(audit=audit).count(),
        "frameworks": audit.priority_frameworks.count(),
    }


def clusters_of(queryset):
    return {row.name: sorted(c.name for c in row.clusters.all()) for row in queryset}


# --- Copies are complete ------------------------------------------------------------------------------------


def test_a_new_version_is_a_draft_of_the_same_year_with_every_asset_copied(approved, owner):
    copy = audit_new_version(audit=approved, user=owner)
    assert copy.pk != approved.pk and copy.previous == approved and copy.created_by == owner
    assert (copy.status, copy.year, copy.title, copy.region, copy.version) == (
        AuditStatus.DRAFT,
        2024,
        approved.title,
        approved.region,
        1,
    )
    assert (
        asset_counts(copy)
        == asset_counts(approved)
        == {
            "candidates": 2,
            "anchors": 2,
            "stakeholders": 2,
            "partnerships": 3,
            "organisations": 1,
            "forecasts": 1,
            "trends": 1,
            "frameworks": 1,
        }
    )
    assert clusters_of(copy.anchors.all()) == clusters_of(approved.anchors.all())
    assert clusters_of(copy.stakeholders.all()) == clusters_of(approved.stakeholders.all())
    assert clusters_of(copy.cluster_organisations.all()) == clusters_of(approved.cluster_organisations.all())
    university = copy.anchors.get(name="Testbridge University")
    assert university.staff == 9000 and university.evidence == ["https://example.org/tu"] and university.revision == 1
    bio = copy.candidate_clusters.get(cluster__name="Biopharma")
    assert bio.patents == 40 and bio.research_spend == Decimal("12.50")
    assert copy.forecasts.get().target_value == 1500 and copy.trend_ratings.get().evidence == "Open banking."
    assert copy.cluster_organisations.get().has_board is True


def test_copied_partnerships_join_the_copied_parties(approved, owner):
    copy = audit_new_version(audit=approved, user=owner)
    for partnership in Partnership.objects.filter(audit=copy):
        assert partnership.source.audit_id == copy.pk and partnership.target.audit_id == copy.pk
        partnership.full_clean()
    pairs = {(str(p.source), str(p.target), p.kind, p.strength) for p in Partnership.objects.filter(audit=copy)}
    originals = {(str(p.source), str(p.target), p.kind, p.strength) for p in Partnership.objects.filter(audit=approved)}
    assert pairs == originals


def test_the_copies_have_a_history_entry_naming_their_source(approved, owner):
    copy = audit_new_version(audit=approved, user=owner)
    record = copy.anchors.get(name="General Hospital").history.get()
    assert record.history_type == "+" and record.history_user == owner
    assert record.history_change_reason == f"Copied from audit {approved.pk}"


# --- Copies are independent ---------------------------------------------------------------------------------


def test_editing_the_copy_leaves_the_original_intact(approved, owner, clusters):
    bio, fin = clusters
    before = asset_counts(approved)
    copy = audit_new_version(audit=approved, user=owner)
    university = copy.anchors.get(name="Testbridge University")
    university.staff = 1
    university.evidence.append("https://example.org/new")
    university.save()
    university.clusters.remove(fin)
    copy.stakeholders.get(name="Harbour Ventures").delete()  # and, with it, its partnership
    copy.candidate_clusters.filter(cluster=bio).update(patents=0)
    copy.priority_frameworks.clear()
    copy.forecasts.update(target_value=9999)

    original = approved.anchors.get(name="Testbridge University")
    assert original.staff == 9000 and original.evidence == ["https://example.org/tu"]
    assert sorted(c.name for c in original.clusters.all()) == ["Biopharma", "Fintech"]
    assert asset_counts(approved) == before
    assert approved.candidate_clusters.get(cluster=bio).patents == 40
    assert approved.forecasts.get().target_value == 1500


# --- Rules ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [AuditStatus.DRAFT, AuditStatus.SUBMITTED, AuditStatus.RETURNED])
def test_only_an_approved_audit_starts_a_new_edition(approved, owner, status):
    Audit.objects.filter(pk=approved.pk).update(status=status)
    with pytest.raises(WorkflowError, match="only an approved audit can start a new version"):
        audit_new_version(audit=approved, user=owner)
    with pytest.raises(WorkflowError, match="only an approved audit can be copied into a new year"):
        audit_copy_to_year(audit=approved, user=owner, year=2025)
    assert Audit.objects.count() == 1


def test_a_second_new_version_of_the_same_audit_points_to_the_first(approved, owner):
    audit_new_version(audit=approved, user=owner)
    with pytest.raises(WorkflowError, match=r"version 2 of Testshire 2024 \(2024\) was already started"):
        audit_new_version(audit=approved, user=owner)


def test_a_copy_into_a_new_year_renames_the_year_in_the_title(approved, owner):
    copy = audit_copy_to_year(audit=approved, user=owner, year=2025)
    assert (copy.year, copy.title, copy.previous, copy.status) == (2025, "Testshire 2025", approved, AuditStatus.DRAFT)
    assert asset_counts(copy) == asset_counts(approved)


def test_a_copy_into_the_same_year_is_refused(approved, owner):
    with pytest.raises(WorkflowError, match="already of 2024: start a new version instead"):
        audit_copy_to_year(audit=approved, user=owner, year=2024)


def test_a_copy_into_a_year_the_region_already_has_an_audit_for_is_refused(approved, owner, organisation):
    AuditFactory(organisation=organisation, region=approved.region, year=2025, title="Another 2025 audit")
    with pytest.raises(WorkflowError, match="already an audit of Testshire for 2025 \\('Another 2025 audit'\\)"):
        audit_copy_to_year(audit=approved, user=owner, year=2025)


def test_another_organisations_audit_of_that_year_does_not_block_a_copy(approved, owner, other_organisation):
    AuditFactory(organisation=other_organisation, region=approved.region, year=2025)
    assert audit_copy_to_year(audit=approved, user=owner, year=2025).year == 2025


# --- Through the browser ------------------------------------------------------------------------------------


def test_an_officer_starts_a_new_version_and_lands_on_it(client, officer, approved):
    client.force_login(officer)
    response = client.post(reverse("audits:new_version", args=[approved.pk]))
    copy = Audit.objects.get(previous=approved)
    assert response.status_code == 302 and response["Location"] == reverse("audits:detail", args=[copy.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Started version 2 of Testshire 2024 (2024): a draft with a copy of every asset."
    ]


def test_a_viewer_cannot_start_a_new_edition(client, member, approved):
    client.force_login(member)
    assert client.post(reverse("audits:new_version", args=[approved.pk])).status_code == 403
    assert client.post(reverse("audits:copy_to_year", args=[approved.pk]), {"year": 2025}).status_code == 403
    assert Audit.objects.count() == 1


def test_a_copy_into_a_new_year_through_the_form(client, officer, approved):
    client.force_login(officer)
    response = client.post(reverse("audits:copy_to_year", args=[approved.pk]), {"year": "2025"})
    copy = Audit.objects.get(previous=approved)
    assert response["Location"] == reverse("audits:detail", args=[copy.pk]) and copy.year == 2025
    response = client.post(reverse("audits:copy_to_year", args=[approved.pk]), {"year": "nope"})
    assert response["Location"] == reverse("audits:detail", args=[approved.pk])
    assert "Give the new year" in [str(m) for m in get_messages(response.wsgi_request)][-1]


def test_a_refused_new_version_is_a_message_not_an_error(client, officer, approved):
    Audit.objects.filter(pk=approved.pk).update(status=AuditStatus.DRAFT)
    client.force_login(officer)
    response = client.post(reverse("audits:new_version", args=[approved.pk]), follow=True)
    assert response.status_code == 200
    assert "only an approved audit can start a new version" in response.content.decode()


# --- Lineage ------------------------------------------------------------------------------------------------


def approve(audit):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.APPROVED)
    audit.refresh_from_db()
    return audit


def test_the_lineage_numbers_versions_within_each_year(approved, owner):
    second = approve(audit_new_version(audit=approved, user=owner))
    third = audit_new_version(audit=second, user=owner)
    next_year = audit_copy_to_year(audit=second, user=owner, year=2025)
    assert lineage_label(third) == "version 3 of Testshire 2024 (2024)"
    assert lineage_label(next_year) == "version 1 of Testshire 2025 (2025)"
    editions = lineage(audit=second)
    assert [(e.audit.pk, e.number, e.is_current) for e in editions] == [
        (approved.pk, 1, False),
        (second.pk, 2, True),
        (third.pk, 3, False),
        (next_year.pk, 1, False),
    ]


def test_the_lineage_links_to_a_comparison_with_each_other_edition(client, member, approved, owner):
    copy = audit_new_version(audit=approved, user=owner)
    client.force_login(member)
    page = client.get(reverse("audits:lineage", args=[copy.pk])).content.decode()
    assert "This is <strong>version 2 of Testshire 2024 (2024)</strong>" in page
    assert reverse("audits:compare", args=[copy.pk, approved.pk]) in page
    partial = client.get(reverse("audits:lineage", args=[copy.pk]), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "version 2 of" in partial.content.decode()


def test_an_outsider_cannot_read_the_lineage(client, outsider, approved):
    client.force_login(outsider)
    assert client.get(reverse("audits:lineage", args=[approved.pk])).status_code == 404


# --- Compare ------------------------------------------------------------------------------------------------


def scored(audit, scores):
    """A succeeded run of ``audit`` with candidate scores {cluster: (right, want, quadrant)}."""
    run = ScoreRun.objects.create(
        organisation=audit.organisation,
        region_set=audit.region_set,
        year=audit.year,
        methodology=methodology_default(),
        audit=audit,
        audit_version=audit.version,
        fingerprint=f"test-{audit.pk}",
        status=RunStatus.SUCCEEDED,
    )
    for cluster, (right, want, quadrant) in scores.items():
        Score.objects.create(
            run=run, region=audit.region, cluster=cluster, candidate=True, right_to_win=right, want_to_win=want,
            quadrant=quadrant,
        )  # fmt: skip
    return run


def test_compare_lists_added_removed_and_changed_assets_field_by_field(approved, owner, clusters):
    bio, fin = clusters
    copy = audit_new_version(audit=approved, user=owner)
    university = copy.anchors.get(name="Testbridge University")
    university.staff = 9500
    university.save()
    university.clusters.remove(fin)
    AnchorFactory(audit=copy, name="Quantum Lab", anchor_type="research_centre")
    copy.stakeholders.get(name="Harbour Ventures").delete()
    TrendRating.objects.filter(audit=copy).update(rating=5)
    AuditCluster.objects.filter(audit=copy, cluster=fin).delete()

    comparison = audit_compare(audit=copy, other=approved)  # the order of the two audits does not matter
    assert comparison.before == approved and comparison.after == copy
    kinds = {kind.kind: kind for kind in comparison.kinds}
    anchors = kinds["anchors"]
    assert anchors.added == ["Quantum Lab"] and anchors.removed == [] and anchors.unchanged == 1
    [change] = anchors.changed
    assert change.key == "Testbridge University"
    assert {(c.name, c.before, c.after) for c in change.changes} == {
        ("staff", 9000, 9500),
        ("clusters", "Biopharma, Fintech", "Biopharma"),
    }
    assert kinds["stakeholders"].removed == ["Harbour Ventures"]
    assert kinds["partnerships"].removed == ["Harbour Ventures → Helix Therapeutics (Investment)"]
    assert [(c.key, [(f.name, f.before, f.after) for f in c.changes]) for c in kinds["trend ratings"].changed] == [
        ("Fintech: open data", [("rating", 4, 5)])
    ]
    assert kinds["candidate clusters"].removed == ["Fintech"]
    assert not kinds["forecasts"].has_changes and not kinds["cluster organisations"].has_changes
    assert not kinds["priority frameworks"].has_changes
    assert comparison.change_count == 6


def test_compare_gives_each_candidates_score_delta_and_quadrants(approved, owner, clusters):
    bio, fin = clusters
    copy = audit_new_version(audit=approved, user=owner)
    scored(approved, {bio: (60.0, 40.0, "leverage"), fin: (30.0, 70.0, "build")})
    scored(copy, {bio: (72.5, 55.0, "lead"), fin: (31.0, 69.0, "build")})
    rows = {row.cluster: row for row in audit_compare(audit=approved, other=copy).scores}
    assert rows["Biopharma"].right_to_win_delta == pytest.approx(12.5)
    assert rows["Biopharma"].want_to_win_delta == pytest.approx(15.0)
    assert rows["Biopharma"].quadrant_changed and not rows["Fintech"].quadrant_changed
    assert rows["Fintech"].right_to_win_delta == pytest.approx(1.0)


def test_the_compare_page_shows_assets_and_scores(client, member, approved, owner, clusters):
    bio, _ = clusters
    copy = audit_new_version(audit=approved, user=owner)
    AnchorFactory(audit=copy, name="Quantum Lab")
    scored(approved, {bio: (60.0, 40.0, "leverage")})
    scored(copy, {bio: (72.5, 55.0, "lead")})
    client.force_login(member)
    response = client.get(reverse("audits:compare", args=[copy.pk, approved.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Quantum Lab" in page and "+12.5" in page and "+15.0" in page and "Leverage" in page and "Lead" in page


def test_compare_is_404_unless_both_audits_are_the_organisations(
    client, member, outsider, approved, other_organisation
):
    foreign = AuditFactory(organisation=other_organisation)
    client.force_login(member)
    assert client.get(reverse("audits:compare", args=[approved.pk, foreign.pk])).status_code == 404
    assert client.get(reverse("audits:compare", args=[foreign.pk, approved.pk])).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("audits:compare", args=[approved.pk, approved.pk])).status_code == 404
