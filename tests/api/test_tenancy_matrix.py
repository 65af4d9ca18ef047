"""The tenancy matrix: every organisation-owned endpoint × {own key, another organisation's key, read key on a
write, no key}. Another organisation's object is a 404 on read, update and delete, and nothing changes; lists never
include it; a read key writing is a 403; no key is a 401.

Webhooks are the admins' alone, so no key reaches them; their tenancy is in ``test_issue21_regressions``."""

from typing import NamedTuple

import pytest
from django.forms.models import model_to_dict

from anchors.models import AnchorInstitution
from assessments.models import Methodology, Scenario, Score, ScoreRun
from audits.models import Audit, AuditCluster
from stakeholders.models import Partnership, Stakeholder

pytestmark = pytest.mark.django_db


class Resource(NamedTuple):
    name: str  # its path under /api/v1/
    attribute: str  # the attribute of a tenant holding one of its objects
    model: type
    change: dict | None  # a valid partial update, or None when the endpoint takes no updates
    deletes: bool  # whether the endpoint deletes

    def __str__(self):
        return self.name


RESOURCES = [
    Resource("audits", "audit", Audit, {"summary": "Updated over the API."}, deletes=False),
    Resource("anchors", "anchor", AnchorInstitution, {"staff": 5100}, deletes=True),
    Resource("stakeholders", "stakeholder", Stakeholder, {"sector": "Venture capital"}, deletes=True),
    Resource("partnerships", "partnership", Partnership, {"strength": 5}, deletes=True),
    Resource("candidate-clusters", "candidate", AuditCluster, {"patents": 12}, deletes=True),
    Resource("scenarios", "scenario", Scenario, None, deletes=False),
    Resource("runs", "run", ScoreRun, None, deletes=False),
    Resource("scores", "score", Score, None, deletes=False),
    Resource("methodologies", "methodology", Methodology, None, deletes=False),
]
UPDATABLE = [resource for resource in RESOURCES if resource.change is not None]
DELETABLE = [resource for resource in RESOURCES if resource.deletes]


def _url(resource, pk=None):
    return f"/api/v1/{resource}/" + (f"{pk}/" if pk is not None else "")


def _stored(tenant, resource):
    """The object's row as stored, and its audit's (a change to a record moves its audit's version on)."""
    obj = getattr(tenant, resource.attribute)
    row = resource.model.objects.filter(pk=obj.pk).values().first()
    return row, model_to_dict(Audit.objects.get(pk=tenant.audit.pk)), resource.model.objects.count()


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_it_scopes_every_object_to_its_organisation(world, api, resource):
    mine, theirs = world["mine"], world["theirs"]
    pk = getattr(mine, resource.attribute).pk
    url = _url(resource.name, pk)

    for key in (mine.read_key, mine.write_key):
        own = api(key).get(url)
        assert own.status_code == 200 and own.json()["id"] == pk
    foreign = api(theirs.write_key).get(url)
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    anonymous = api().get(url)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_updating_another_organisations_object_is_a_404_and_changes_nothing(world, api, resource):
    """Where the endpoint takes no updates it is a 405 for everyone, so the answer tells nothing either."""
    mine, theirs = world["mine"], world["theirs"]
    url = _url(resource.name, getattr(mine, resource.attribute).pk)
    before = _stored(mine, resource)
    change = resource.change or {"name": "Taken over"}

    expected = 404 if resource.change is not None else 405
    for method in ("put", "patch"):
        response = getattr(api(theirs.write_key), method)(url, change, format="json")
        assert response.status_code == expected, (method, response.content)
        if resource.change is None:
            assert getattr(api(mine.write_key), method)(url, change, format="json").status_code == 405
    assert _stored(mine, resource) == before


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_deleting_another_organisations_record_is_a_404_and_changes_nothing(world, api, resource):
    """Where the endpoint deletes nothing it is a 405 for everyone, so the answer tells nothing either."""
    mine, theirs = world["mine"], world["theirs"]
    url = _url(resource.name, getattr(mine, resource.attribute).pk)
    before = _stored(mine, resource)

    if not resource.deletes:
        assert api(theirs.write_key).delete(url).status_code == 405
        assert api(mine.write_key).delete(url).status_code == 405
        assert _stored(mine, resource) == before
        return
    assert api(theirs.write_key).delete(url).status_code == 404
    assert api(mine.read_key).delete(url).status_code == 403
    assert _stored(mine, resource) == before
    assert api(mine.write_key).delete(url).status_code == 204
    assert not resource.model.objects.filter(pk=getattr(mine, resource.attribute).pk).exists()


@pytest.mark.parametrize("resource", UPDATABLE, ids=str)
def test_read_keys_cannot_update_and_write_keys_can(world, api, resource):
    mine = world["mine"]
    obj = getattr(mine, resource.attribute)
    url = _url(resource.name, obj.pk)
    before = _stored(mine, resource)

    refused = api(mine.read_key).patch(url, resource.change, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert api().patch(url, resource.change, format="json").status_code == 401
    assert _stored(mine, resource) == before

    changed = api(mine.write_key).patch(url, resource.change, format="json")
    assert changed.status_code == 200, changed.json()
    obj.refresh_from_db()
    for field, value in resource.change.items():
        assert changed.json()[field] == value and getattr(obj, field) == value


@pytest.mark.parametrize(
    ("action", "method"),
    [("audits/{audit}/score", "post"), ("scores/{score}/explanation", "get"), ("scores/{score}/history", "get"),
     ("methodologies/{methodology}/indicators", "get")],
)  # fmt: skip
def test_another_organisations_object_is_a_404_on_every_detail_action(world, api, action, method):
    mine, theirs = world["mine"], world["theirs"]
    url = "/api/v1/" + action.format(**{name: getattr(mine, name).pk for name in
                                        ("audit", "score", "methodology")}) + "/"  # fmt: skip
    runs = ScoreRun.objects.count()
    assert getattr(api(theirs.write_key), method)(url).status_code == 404
    assert ScoreRun.objects.count() == runs
    if method == "get":
        assert api(mine.read_key).get(url).status_code == 200


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_it_never_lists_another_organisations_rows(world, api, resource):
    mine, theirs = world["mine"], world["theirs"]

    def listed(key, **filters):
        response = api(key).get(_url(resource.name), {"page_size": 1000, **filters})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    own, their = getattr(mine, resource.attribute).pk, getattr(theirs, resource.attribute).pk
    assert own in listed(mine.read_key) and their not in listed(mine.read_key)
    assert their in listed(theirs.read_key) and own not in listed(theirs.read_key)
    if resource.name not in ("audits", "methodologies"):  # another organisation's audit is an unknown filter value
        refused = api(mine.read_key).get(_url(resource.name), {"audit": theirs.audit.pk})
        assert refused.status_code == 400 and "audit" in refused.json()["errors"]
    else:
        assert their not in listed(mine.read_key, audit=theirs.audit.pk)
    assert api().get(_url(resource.name)).status_code == 401


def test_only_public_runs_and_their_scores_are_listed_for_everyone(world, api):
    mine, theirs, public = world["mine"], world["theirs"], world["public"]
    for resource, shared in (("runs", {public.pk}), ("scores", set(public.scores.values_list("pk", flat=True)))):
        own = {row["id"] for row in api(mine.read_key).get(_url(resource), {"page_size": 1000}).json()["results"]}
        their = {row["id"] for row in api(theirs.read_key).get(_url(resource), {"page_size": 1000}).json()["results"]}
        assert own & their == shared


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("audits", lambda w: {"title": "New", "region": w["mine"].audit.region_id, "region_set": "us-states",
                              "year": 2025}),
        ("anchors", lambda w: {"audit": w["mine"].audit.pk, "name": "New lab", "anchor_type": "research_centre"}),
        ("stakeholders", lambda w: {"audit": w["mine"].audit.pk, "name": "New fund", "group": "capital"}),
        ("scenarios", lambda w: {"audit": w["mine"].audit.pk, "name": "Lab", "overrides": {"weights": {"lq": 2}}}),
    ],
)  # fmt: skip
def test_read_keys_cannot_create_and_write_keys_can(world, api, settings, resource, body):
    mine = world["mine"]
    refused = api(mine.read_key).post(_url(resource), body(world), format="json")
    assert refused.status_code == 403
    created = api(mine.write_key).post(_url(resource), body(world), format="json")
    assert created.status_code == 201, created.json()


@pytest.mark.parametrize(
    ("resource", "model", "body"),
    [
        ("anchors", AnchorInstitution, lambda t: {"audit": t.audit.pk, "name": "Sneaky", "anchor_type": "university"}),
        ("stakeholders", Stakeholder, lambda t: {"audit": t.audit.pk, "name": "Sneaky", "group": "capital"}),
        ("scenarios", Scenario, lambda t: {"audit": t.audit.pk, "name": "Sneaky", "overrides": {"weights": {"lq": 2}}}),
        ("candidate-clusters", AuditCluster, lambda t: {"audit": t.audit.pk, "cluster": t.candidate.cluster_id,
                                                        "notes": "Sneaky"}),
        ("partnerships", Partnership, lambda t: {"audit": t.audit.pk, "kind": "research", "strength": 3,
                                                 "from_stakeholder": t.stakeholder.pk, "to_anchor": t.anchor.pk}),
    ],
    ids=["anchors", "stakeholders", "scenarios", "candidate-clusters", "partnerships"],
)  # fmt: skip
def test_it_refuses_to_attach_records_to_another_organisations_audit(world, api, resource, model, body):
    mine, theirs = world["mine"], world["theirs"]
    before = model.objects.count(), model_to_dict(Audit.objects.get(pk=theirs.audit.pk))
    response = api(mine.write_key).post(_url(resource), body(theirs), format="json")
    assert response.status_code == 400
    assert "audit" in response.json()["errors"]
    assert (model.objects.count(), model_to_dict(Audit.objects.get(pk=theirs.audit.pk))) == before


def test_it_refuses_a_partnership_with_another_organisations_parties(world, api):
    mine, theirs = world["mine"], world["theirs"]
    partnerships = Partnership.objects.count()
    for source, target in (("from_stakeholder", "to_anchor"), ("from_anchor", "to_stakeholder")):
        for parties in ((mine, theirs), (theirs, mine)):
            ids = {source: getattr(parties[0], source[5:]).pk, target: getattr(parties[1], target[3:]).pk}
            body = {"audit": mine.audit.pk, "kind": "research", "strength": 3, **ids}
            response = api(mine.write_key).post(_url("partnerships"), body, format="json")
            assert response.status_code == 400, response.json()
            assert ("target" if parties[1] is theirs else "source") in response.json()["errors"], response.json()
    assert Partnership.objects.count() == partnerships
    own = {"audit": mine.audit.pk, "kind": "research", "strength": 3, "from_stakeholder": mine.stakeholder.pk,
           "to_anchor": mine.anchor.pk}  # fmt: skip
    assert api(mine.write_key).post(_url("partnerships"), own, format="json").status_code == 201


def test_server_set_fields_are_ignored_on_create(world, api):
    mine, theirs = world["mine"], world["theirs"]
    body = {"title": "Mass-assigned", "region": mine.audit.region_id, "region_set": "us-states", "year": 2025,
            "organisation": theirs.organisation.pk, "status": "approved", "version": 99}  # fmt: skip
    response = api(mine.write_key).post("/api/v1/audits/", body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "draft" and data["version"] == 1
    assert Audit.objects.get(pk=data["id"]).organisation == mine.organisation
