"""Issue 21, point 8: an audit's defaults follow its region's country and its peer group's classification."""

import pytest
from django.urls import reverse

from audits.forms import AuditClusterForm, ClusterOrganisationForm, MarketForecastForm
from audits.models import AuditCluster
from clusters.models import ClusterDefinition
from regions.models import RegionSet
from tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def boston(organisation):
    region_set = RegionSet.objects.get(slug="us-msas")
    audit = AuditFactory(
        organisation=organisation, region_set=region_set, region=region_set.regions.get(code="14460"), title="Boston"
    )
    AuditCluster.objects.create(audit=audit, cluster=ClusterDefinition.objects.filter(
        organisation=None, classification=region_set.classification).order_by("code").first())  # fmt: skip
    return audit


@pytest.fixture
def west_midlands(organisation):
    region_set = RegionSet.objects.get(slug="uk-nuts2")
    return AuditFactory(organisation=organisation, region_set=region_set, region=region_set.regions.get(code="UKG3"))


def test_it_gives_a_us_audit_us_dollars_and_naics_help(boston):
    defaults = boston.defaults
    assert (defaults.currency, defaults.forecast_unit) == ("USD", "USD m")
    assert "NAICS" in defaults.code_help and "325412" in defaults.code_help and "62.01" not in defaults.code_help


def test_it_keeps_pounds_and_sic_help_for_a_uk_audit(west_midlands):
    defaults = west_midlands.defaults
    assert (defaults.currency, defaults.forecast_unit) == ("GBP", "GBP m")
    assert "62.01" in defaults.code_help


def test_the_forms_start_from_the_audits_defaults(boston):
    assert ClusterOrganisationForm(audit=boston)["budget_currency"].value() == "USD"
    assert MarketForecastForm(audit=boston)["unit"].value() == "USD m"


def test_a_blank_currency_or_unit_takes_the_audits_default(boston):
    form = ClusterOrganisationForm({"name": "MassBio", "regions_spanned": 1, "budget_currency": ""}, audit=boston)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["budget_currency"] == "USD"


def test_a_us_metro_is_offered_only_naics_clusters(boston):
    offered = AuditClusterForm(audit=boston).fields["cluster"].queryset
    assert offered.exists()
    assert not offered.exclude(classification=boston.region_set.classification).exists()
    assert not offered.filter(slug="fintech").exists()


def test_the_clusters_step_searches_and_helps_in_the_region_sets_classification(client, owner, boston):
    client.force_login(owner)
    url = reverse("audits:edit_step", args=[boston.pk, "clusters"])
    response = client.get(url, {"cluster_q": "tech"})
    assert response.status_code == 200
    names = {cluster.slug for cluster in response.context["cluster_matches"]}
    assert "fintech" not in names and "proftech" not in names
    content = response.content.decode()
    assert "e.g. 325412 or pharmaceutical" in content
    assert "e.g. 62.01 or software" not in content
    assert "325412, 541714" in content  # the builder's code help


def test_a_uk_cluster_cannot_be_added_to_a_us_audit(client, owner, boston):
    client.force_login(owner)
    fintech = ClusterDefinition.objects.get(slug="fintech", organisation=None)
    response = client.post(reverse("audits:edit_candidate_add", args=[boston.pk]), {"cluster": fintech.pk})
    assert response.status_code == 404
    assert not boston.candidate_clusters.filter(cluster=fintech).exists()
