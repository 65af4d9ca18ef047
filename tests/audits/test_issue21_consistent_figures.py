"""Issue 21, point 13: the audit page and the editor show each figure from one computation."""

import pytest
from django.urls import reverse

from audits import versions
from audits.models import AuditCluster, AuditStatus
from audits.selectors import audit_parties, cluster_network
from clusters.models import ClusterDefinition, ClusterKind
from regions.models import RegionSet
from tests.factories import AnchorFactory, AuditFactory, PartnershipFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(organisation):
    region_set = RegionSet.objects.get(slug="uk-nuts2")
    audit = AuditFactory(organisation=organisation, region_set=region_set, region=region_set.regions.get(code="UKG3"))
    fintech = ClusterDefinition.objects.get(slug="fintech", organisation=None)
    AuditCluster.objects.create(audit=audit, cluster=fintech)
    for group in ("corporate", "capital", "government"):
        StakeholderFactory(audit=audit, group=group).clusters.add(fintech)
    AnchorFactory(audit=audit, name="Aston University").clusters.add(fintech)  # academia, through its type
    audit.version = 28  # many saved changes; still the first edition
    audit.save()
    return audit


def test_the_audit_page_shows_the_edition_not_the_change_counter(client, owner, audit):
    client.force_login(owner)
    response = client.get(reverse("audits:detail", args=[audit.pk]))
    content = response.content.decode()
    assert versions.edition(audit).number == 1
    assert response.context["edition"].number == 1
    assert "· version 1 ·" in content and "version 28" not in content
    assert 'data-testid="edition">1<' in content


def test_a_later_edition_is_numbered_on_the_page_as_in_the_lineage(client, owner, audit):
    audit.status = AuditStatus.APPROVED
    audit.save()
    second = versions.audit_new_version(audit=audit, user=owner)
    client.force_login(owner)
    content = client.get(reverse("audits:detail", args=[second.pk])).content.decode()
    assert 'data-testid="edition">2<' in content
    assert versions.lineage_label(second).startswith("version 2 of")


def test_the_ecosystem_counts_groups_as_the_editor_does(client, owner, audit):
    client.force_login(owner)
    detail = client.get(reverse("audits:detail", args=[audit.pk])).context["detail"]
    review = client.get(reverse("audits:edit_step", args=[audit.pk, "review"]))
    assert detail.groups_present == len(review.context["counts"].groups) == 4
    assert (
        'data-testid="ecosystem">4 of 5 groups<'
        in client.get(reverse("audits:detail", args=[audit.pk])).content.decode()
    )


def test_the_meter_shows_each_step_in_its_checks_words(client, owner, audit):
    client.force_login(owner)
    content = client.get(reverse("audits:edit_step", args=[audit.pk, "anchors"])).content.decode()
    assert 'data-testid="section-status">4 of 5 groups<' in content
    assert 'data-testid="section-status">0/1<' not in content


def test_the_network_counts_cross_sector_ties_by_the_scores_rule(organisation):
    region_set = RegionSet.objects.get(slug="uk-nuts2")
    audit = AuditFactory(organisation=organisation, region_set=region_set, region=region_set.regions.get(code="UKG3"))
    proftech = ClusterDefinition.objects.get(slug="proftech", organisation=None)
    assert proftech.kind == ClusterKind.CONVERGENCE
    fintech, legaltech = (ClusterDefinition.objects.get(slug=s, organisation=None) for s in ("fintech", "legaltech"))
    bank = StakeholderFactory(audit=audit, group="corporate")
    bank.clusters.add(fintech)
    firm = StakeholderFactory(audit=audit, group="corporate")
    firm.clusters.add(legaltech)
    PartnershipFactory(audit=audit, from_stakeholder=bank, to_stakeholder=firm)
    network = cluster_network(audit=audit, cluster=proftech)
    parties = audit_parties(audit=audit)
    # Both serve ProfTech through its components: the engine counts no cross-sector tie, and neither does the network.
    assert network["cross_count"] == 0 == sum(cross for _, _, cross in parties.ties_of(proftech.pk))
    assert len(network["edges"]) == 1
