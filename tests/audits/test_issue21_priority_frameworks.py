"""Issue 21, point 11: an organisation defines its own priority frameworks (priorities with sources), in the
browser and over the API; shipped ones are read-only, another organisation's are 404s, and its audits use them."""

import pytest
from django.urls import reverse

from audits.forms import PriorityFrameworksForm
from audits.models import AuditStatus, PriorityFramework, PriorityItem
from clusters.models import ClusterDefinition
from regions.models import RegionSet
from tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fintech():
    return ClusterDefinition.objects.get(slug="fintech", organisation=None)


@pytest.fixture
def audit(organisation):
    region_set = RegionSet.objects.get(slug="uk-nuts2")
    return AuditFactory(organisation=organisation, region_set=region_set, region=region_set.regions.get(code="UKG3"))


@pytest.fixture
def shipped():
    return PriorityFramework.objects.create(
        organisation=None, slug="uk-industrial-strategy", name="UK Industrial Strategy"
    )


def item_data(prefix="items", rows=()):
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_an_officer_defines_a_framework_in_the_browser_from_the_market_step(client, officer, audit, fintech):
    client.force_login(officer)
    step = client.get(reverse("audits:edit_step", args=[audit.pk, "market"])).content.decode()
    manage = f"{reverse('audits:frameworks')}?audit={audit.pk}"
    assert manage in step
    assert client.get(manage).status_code == 200
    data = {"name": "WMCA Plan for Growth", "publisher": "WMCA", "year": 2024, "source_url": "https://wmca.org.uk/",
            "audit": audit.pk, **item_data(rows=[{"cluster": fintech.pk, "label": "Fintech", "weight": "0.8",
                                                 "source": "Plan for Growth, p. 12",
                                                 "source_url": "https://wmca.org.uk/plan"}])}  # fmt: skip
    response = client.post(reverse("audits:framework_new"), data)
    assert response.status_code == 302
    assert response.url == reverse("audits:edit_step", args=[audit.pk, "market"]) + "#frameworks"
    framework = PriorityFramework.objects.get(organisation=audit.organisation)
    item = framework.items.get()
    assert (framework.slug, item.cluster, item.weight, item.source) == (
        "wmca-plan-for-growth", fintech, 0.8, "Plan for Growth, p. 12")  # fmt: skip
    # Its audits are offered it.
    assert framework in PriorityFrameworksForm(audit=audit).fields["frameworks"].queryset


def test_an_officer_edits_and_deletes_the_organisations_framework(client, officer, organisation, audit, fintech):
    framework = PriorityFramework.objects.create(organisation=organisation, slug="own", name="Own")
    item = PriorityItem.objects.create(framework=framework, cluster=fintech, weight=0.5)
    audit.priority_frameworks.add(framework)
    version = audit.version
    client.force_login(officer)
    data = {"name": "Own, revised", "publisher": "", "year": "", "source_url": "",
            "items-TOTAL_FORMS": 1, "items-INITIAL_FORMS": 1, "items-0-id": item.pk, "items-0-framework": framework.pk,
            "items-0-cluster": fintech.pk, "items-0-label": "", "items-0-weight": "1", "items-0-source": "p. 3",
            "items-0-source_url": ""}  # fmt: skip
    assert client.post(reverse("audits:framework_edit", args=[framework.pk]), data).status_code == 302
    item.refresh_from_db()
    assert (item.weight, item.source) == (1.0, "p. 3")
    audit.refresh_from_db()
    assert audit.version > version  # its scores are stale now
    assert client.post(reverse("audits:framework_delete", args=[framework.pk])).status_code == 302
    assert not PriorityFramework.objects.filter(pk=framework.pk).exists()


def test_shipped_and_other_organisations_frameworks_cannot_be_edited(client, officer, shipped, other_organisation):
    theirs = PriorityFramework.objects.create(organisation=other_organisation, slug="theirs", name="Theirs")
    client.force_login(officer)
    for framework in (shipped, theirs):
        assert client.get(reverse("audits:framework_edit", args=[framework.pk])).status_code == 404
        assert client.post(reverse("audits:framework_delete", args=[framework.pk])).status_code == 404
    names = {f.name for f in client.get(reverse("audits:frameworks")).context["frameworks"]}
    assert shipped.name in names and "Theirs" not in names


def test_a_viewer_cannot_define_a_framework(client, member):
    client.force_login(member)
    assert client.get(reverse("audits:frameworks")).status_code == 200
    assert client.get(reverse("audits:framework_new")).status_code == 403


def test_a_framework_used_by_an_approved_audit_cannot_change(client, officer, organisation, audit):
    framework = PriorityFramework.objects.create(organisation=organisation, slug="own", name="Own")
    audit.priority_frameworks.add(framework)
    audit.status = AuditStatus.APPROVED
    audit.save()
    client.force_login(officer)
    client.post(reverse("audits:framework_delete", args=[framework.pk]))
    assert PriorityFramework.objects.filter(pk=framework.pk).exists()


# --- The API ----------------------------------------------------------------------------------------------------


def test_the_api_creates_updates_and_deletes_an_organisations_framework(client, officer, organisation, fintech):
    client.force_login(officer)
    item = {"cluster": fintech.pk, "label": "Fintech", "weight": 0.7, "source": "Roadmap p. 4"}
    body = {"name": "Regional roadmap", "publisher": "Council", "year": 2025, "items": [item]}
    response = client.post("/api/v1/priority-frameworks/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["shipped"] is False and created["items"][0]["source"] == "Roadmap p. 4"
    framework = PriorityFramework.objects.get(pk=created["id"])
    assert framework.organisation == organisation
    url = f"/api/v1/priority-frameworks/{framework.pk}/"
    response = client.patch(url, {"items": []}, content_type="application/json")
    assert response.status_code == 200 and response.json()["items"] == []
    response = client.patch(url, {"items": [{"cluster": fintech.pk, "weight": 3}]}, content_type="application/json")
    assert response.status_code == 400 and "items.0.weight" in response.json()["errors"]
    assert client.delete(url).status_code == 204
    assert not PriorityFramework.objects.filter(pk=framework.pk).exists()


def test_the_api_keeps_shipped_frameworks_read_only_and_others_hidden(client, officer, shipped, other_organisation):
    theirs = PriorityFramework.objects.create(organisation=other_organisation, slug="theirs", name="Theirs")
    client.force_login(officer)
    listed = {row["id"] for row in client.get("/api/v1/priority-frameworks/").json()["results"]}
    assert shipped.pk in listed and theirs.pk not in listed
    assert client.get(f"/api/v1/priority-frameworks/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/v1/priority-frameworks/{theirs.pk}/").status_code == 404
    shipped_url = f"/api/v1/priority-frameworks/{shipped.pk}/"
    assert client.patch(shipped_url, {"name": "Mine"}, content_type="application/json").status_code == 403
    assert client.delete(shipped_url).status_code == 403


def test_a_viewer_cannot_write_frameworks_over_the_api(client, member):
    client.force_login(member)
    response = client.post("/api/v1/priority-frameworks/", {"name": "X"}, content_type="application/json")
    assert response.status_code == 403
