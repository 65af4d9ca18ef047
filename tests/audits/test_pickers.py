"""Pickers a new user meets (issue 21 point 16): public-record search ranks by match and size, cluster pickers offer
the audit's candidates first, and the benchmark and peer pages redraw their region list when the set changes."""

import re

import pytest
from django.urls import reverse

from anchors.forms import AnchorInstitutionForm
from anchors.models import AnchorCandidate
from audits.models import AuditCluster
from clusters.models import ClusterDefinition
from regions.models import Region, RegionSet
from stakeholders.forms import StakeholderForm
from tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pittsburgh_audit(organisation):
    msas = RegionSet.objects.get(slug="us-msas")
    return AuditFactory(organisation=organisation, region_set=msas, region=msas.regions.get(code="38300"))


def listed_candidates(client, audit, query):
    page = client.get(reverse("audits:edit_step", args=[audit.pk, "anchors"]), {"candidate_q": query})
    block = page.content.decode().split('id="anchor-candidates"', 1)[1]
    return re.findall(r'<span class="fw-medium">([^<]+)</span>', block)


def test_it_finds_the_main_campus_before_a_branch_campus(client, officer, pittsburgh_audit):
    client.force_login(officer)
    listed = listed_candidates(client, pittsburgh_audit, "University of Pittsburgh")
    assert listed[0] == "University of Pittsburgh-Pittsburgh Campus"
    assert "University of Pittsburgh-Greensburg" in listed


def test_it_ranks_a_closer_match_before_a_larger_institution():
    query = AnchorCandidate.objects.in_region(Region.objects.get(scheme="us-cbsa", code="14460"))
    names = list(query.search("Harvard University").values_list("name", flat=True))
    assert names[0] == "Harvard University"
    assert list(query.search("boston university").values_list("name", flat=True))[0] == "Boston University"


def test_it_lists_the_largest_public_records_first_before_any_search():
    records = AnchorCandidate.objects.in_region(Region.objects.get(scheme="us-cbsa", code="38300")).search("")
    assert records[0].size_band == "20,000 and above"


def test_it_offers_the_audits_candidate_clusters_first(organisation):
    audit = AuditFactory(organisation=organisation)
    wood, apparel = (ClusterDefinition.objects.get(name=n, organisation=None) for n in ("Wood Products", "Apparel"))
    AuditCluster.objects.create(audit=audit, cluster=wood)
    for form_class in (AnchorInstitutionForm, StakeholderForm):
        choices = list(form_class(audit=audit).fields["clusters"].choices)
        assert choices[0] == ("Candidate clusters of this audit", [(wood.pk, "Wood Products")])
        group, others = choices[1]
        assert group == "Other clusters" and (apparel.pk, "Apparel") in others
        assert (wood.pk, "Wood Products") not in others


def test_it_still_accepts_any_visible_cluster_from_an_import_or_the_api(organisation):
    audit = AuditFactory(organisation=organisation)
    apparel = ClusterDefinition.objects.get(name="Apparel", organisation=None)
    form = StakeholderForm({"name": "Loom Co", "group": "corporate", "clusters": [apparel.pk]}, audit=audit)
    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["clusters"]) == [apparel]


@pytest.mark.parametrize("page", ["dashboard_benchmark", "dashboard_peers"])
def test_it_redraws_the_region_list_when_the_set_changes(client, member, page):
    client.force_login(member)
    html = client.get(reverse(page), {"region_set": "uk-nuts2"}).content.decode()
    select = re.search(r'<select[^>]*id="id_region_set"[^>]*>', html).group(0)
    assert f'hx-get="{reverse(page)}"' in select and 'hx-select="#region-picker"' in select
    picker = html.split('id="region-picker"', 1)[1]
    assert "West Midlands" in picker and "Massachusetts" not in picker


def test_it_picks_benchmark_regions_from_a_searchable_list_not_a_ctrl_click_select(client, member):
    client.force_login(member)
    html = client.get(reverse("dashboard_benchmark"), {"region_set": "us-msas", "regions": ["14460"]}).content.decode()
    picker = html.split('id="region-picker"', 1)[1].split("</fieldset>", 1)[0]
    assert "Ctrl" not in html and "<select" not in picker
    assert "data-picker-filter" in picker
    assert 'name="regions" value="14460" data-label="Boston-Cambridge-Newton, MA-NH" checked' in picker
    assert picker.count('type="checkbox"') == RegionSet.objects.get(slug="us-msas").regions.count()
