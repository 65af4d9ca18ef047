"""The tenancy matrix: every organisation-owned endpoint × {own key, another organisation's key, read key on a
write, no key}. Another organisation's object is a 404, a read key writing is a 403, no key is a 401.

Webhooks are the admins' alone, so no key reaches them; their tenancy is in ``test_issue21_regressions``."""

import pytest

pytestmark = pytest.mark.django_db

# (resource, attribute of the tenant holding the object, a valid partial update or None when not updatable)
DETAIL = [
    ("audits", "audit", {"summary": "Updated over the API."}),
    ("anchors", "anchor", {"staff": 5100}),
    ("stakeholders", "stakeholder", {"sector": "Venture capital"}),
    ("partnerships", "partnership", {"strength": 5}),
    ("candidate-clusters", "candidate", {"patents": 12}),
    ("scenarios", "scenario", None),
    ("runs", "run", None),
    ("scores", "score", None),
]
LISTS = ["audits", "anchors", "stakeholders", "partnerships", "candidate-clusters", "scenarios", "runs", "scores"]


def _url(resource, pk=None):
    return f"/api/v1/{resource}/" + (f"{pk}/" if pk is not None else "")


@pytest.mark.parametrize(("resource", "attribute", "change"), DETAIL)
def test_it_scopes_every_object_to_its_organisation(world, api, resource, attribute, change):
    mine, theirs = world["mine"], world["theirs"]
    url = _url(resource, getattr(mine, attribute).pk)

    assert api(mine.read_key).get(url).status_code == 200
    assert api(mine.write_key).get(url).status_code == 200
    foreign = api(theirs.write_key).get(url)
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    anonymous = api().get(url)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Api-Key"

    if change is None:
        return
    refused = api(mine.read_key).patch(url, change, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert api(theirs.write_key).patch(url, change, format="json").status_code == 404
    assert api().patch(url, change, format="json").status_code == 401
    changed = api(mine.write_key).patch(url, change, format="json")
    assert changed.status_code == 200, changed.json()
    for field, value in change.items():
        assert changed.json()[field] == value


@pytest.mark.parametrize("resource", LISTS)
def test_it_never_lists_another_organisations_rows(world, api, resource):
    mine, theirs = world["mine"], world["theirs"]
    own_ids = {row["id"] for row in api(mine.read_key).get(_url(resource), {"page_size": 1000}).json()["results"]}
    their_ids = {row["id"] for row in api(theirs.read_key).get(_url(resource), {"page_size": 1000}).json()["results"]}
    public = set()
    if resource == "runs":
        public = {world["public"].pk}
    elif resource == "scores":
        public = set(world["public"].scores.values_list("pk", flat=True))
    assert own_ids - public and their_ids - public
    assert not (own_ids & their_ids) - public, "only public reference runs and their scores are shared"
    assert api().get(_url(resource)).status_code == 401


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
    ("resource", "field", "attribute"),
    [("anchors", "audit", "audit"), ("stakeholders", "audit", "audit"), ("scenarios", "audit", "audit")],
)
def test_it_refuses_to_attach_records_to_another_organisations_audit(world, api, resource, field, attribute):
    mine, theirs = world["mine"], world["theirs"]
    body = {field: getattr(theirs, attribute).pk, "name": "Sneaky", "anchor_type": "university", "group": "capital",
            "overrides": {"weights": {"lq": 2}}}  # fmt: skip
    response = api(mine.write_key).post(_url(resource), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert theirs.audit.anchors.filter(name="Sneaky").count() == 0


def test_deleting_another_organisations_record_is_a_404_and_changes_nothing(world, api):
    mine, theirs = world["mine"], world["theirs"]
    assert api(mine.write_key).delete(_url("anchors", theirs.anchor.pk)).status_code == 404
    assert api(mine.read_key).delete(_url("anchors", mine.anchor.pk)).status_code == 403
    theirs.anchor.refresh_from_db()
    assert api(mine.write_key).delete(_url("anchors", mine.anchor.pk)).status_code == 204


def test_server_set_fields_are_ignored_on_create(world, api):
    mine, theirs = world["mine"], world["theirs"]
    body = {"title": "Mass-assigned", "region": mine.audit.region_id, "region_set": "us-states", "year": 2025,
            "organisation": theirs.organisation.pk, "status": "approved", "version": 99}  # fmt: skip
    response = api(mine.write_key).post("/api/v1/audits/", body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "draft" and data["version"] == 1
    from audits.models import Audit

    assert Audit.objects.get(pk=data["id"]).organisation == mine.organisation
