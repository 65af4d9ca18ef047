"""The asset forms shared by the editor, the import and the API: one set of rules."""

import pytest

from anchors.forms import AnchorInstitutionForm
from clusters.models import ClusterDefinition
from stakeholders.forms import PartnershipForm, StakeholderForm
from tests.factories import AnchorFactory, AuditFactory, ClusterFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def test_an_anchor_is_saved_into_its_audit_with_clusters_and_evidence(organisation):
    audit = AuditFactory(organisation=organisation)
    biopharma = ClusterDefinition.objects.get(kind="benchmark", code="5")
    form = AnchorInstitutionForm(
        data={"name": "Broad Institute", "anchor_type": "research_centre", "latitude": "42.3623",
              "longitude": "-71.0875", "staff": "4000", "clusters": [biopharma.pk],
              "evidence": "https://www.broadinstitute.org\nhttps://example.org/report"},
        audit=audit,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    anchor = form.save()
    assert anchor.audit == audit and list(anchor.clusters.all()) == [biopharma]
    assert anchor.evidence == ["https://www.broadinstitute.org", "https://example.org/report"]


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"staff": "-3"}, "staff", "greater than or equal to 0"),
        ({"staff": "many"}, "staff", "whole number"),
        ({"latitude": "95", "longitude": "0"}, "latitude", "between -90 and 90"),
        ({"latitude": "42.1"}, "__all__", "both latitude and longitude"),
        ({"evidence": "javascript:alert(1)"}, "evidence", "not an http(s) link"),
        ({"anchor_type": "castle"}, "anchor_type", "valid choice"),
    ],
)
def test_an_invalid_anchor_says_which_field_and_why(organisation, changes, field, message):
    form = AnchorInstitutionForm(
        data={"name": "X", "anchor_type": "university", **changes}, audit=AuditFactory(organisation=organisation)
    )
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_another_organisations_private_cluster_is_not_a_choice(organisation, other_organisation):
    audit = AuditFactory(organisation=organisation)
    theirs = ClusterFactory(organisation=other_organisation, slug="their-secret")
    form = StakeholderForm(data={"name": "Fund", "group": "capital", "clusters": [theirs.pk]}, audit=audit)
    assert not form.is_valid() and "clusters" in form.errors


def test_a_partnership_joins_two_parties_of_the_same_audit(organisation):
    audit = AuditFactory(organisation=organisation)
    mit = AnchorFactory(audit=audit, name="MIT")
    fund = StakeholderFactory(audit=audit, name="Fund")
    stranger = StakeholderFactory(audit=AuditFactory(organisation=organisation), name="Elsewhere")
    form = PartnershipForm(
        data={"source": f"a:{mit.pk}", "target": f"s:{fund.pk}", "kind": "investment", "strength": "4"}, audit=audit
    )
    assert form.is_valid(), form.errors
    partnership = form.save()
    assert partnership.from_anchor == mit and partnership.to_stakeholder == fund
    same = PartnershipForm(data={"source": f"a:{mit.pk}", "target": f"a:{mit.pk}", "kind": "research",
                                 "strength": "3"}, audit=audit)  # fmt: skip
    assert not same.is_valid() and "two different parties" in str(same.errors)
    foreign = PartnershipForm(data={"source": f"a:{mit.pk}", "target": f"s:{stranger.pk}", "kind": "research",
                                    "strength": "3"}, audit=audit)  # fmt: skip
    assert not foreign.is_valid() and "target" in foreign.errors


@pytest.mark.parametrize(
    "link", ["javascript:window.__xss=1", "JavaScript:alert(1)", "data:text/html,<script>x</script>"]
)
def test_every_link_field_refuses_a_script_url(organisation, settings, link):
    # Links the pages render as <a href> (websites, sources, evidence, a webhook's target) take http(s) only.
    from audits.forms import ClusterOrganisationForm, MarketForecastForm
    from integrations.forms import WebhookCreateForm

    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    audit = AuditFactory(organisation=organisation)
    forms = {
        "anchor website": (AnchorInstitutionForm, "website"), "anchor evidence": (AnchorInstitutionForm, "evidence"),
        "stakeholder website": (StakeholderForm, "website"),
        "cluster organisation website": (ClusterOrganisationForm, "website"),
        "forecast source": (MarketForecastForm, "source_url"),
    }  # fmt: skip
    for where, (form_class, field) in forms.items():
        form = form_class({field: link}, audit=audit)
        assert not form.is_valid() and field in form.errors, where
    webhook = WebhookCreateForm({"url": link})
    assert not webhook.is_valid() and "url" in webhook.errors
