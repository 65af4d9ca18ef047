"""Issue 21, API points: what a new user and a hostile pass broke, each pinned by a test that failed before its fix.

Points 3, 4, 5, 7, 19 and 20 (the API's 500s, anchors' evidence, bad input as 400s, who may see webhooks, filters
and 404s, the docs page and the served site's debugging switch).
"""

import json
import re
from io import BytesIO, StringIO
from pathlib import Path
from wsgiref.handlers import SimpleHandler
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.templatetags.static import static
from django.test import override_settings

from anchors.forms import AnchorInstitutionForm
from anchors.models import AnchorInstitution
from assessments.models import Scenario, ScoreRun
from core.models import Role
from integrations import services as integrations
from integrations.models import APIKeyScope, Webhook
from integrations.services import api_key_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def wsgi_request(method, path, *, key, body=None):
    """``(status, headers)`` of a request served by the standard library's WSGI server code, as ``runserver`` does.

    Django's test client skips the WSGI server, which is what refused a header value that was not exactly ``str``.
    """
    data = json.dumps(body).encode() if body is not None else b""
    environ = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method, PATH_INFO=path, QUERY_STRING="", CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(data)), HTTP_AUTHORIZATION=f"Api-Key {key}",
    )  # fmt: skip
    out, errors = BytesIO(), StringIO()
    SimpleHandler(BytesIO(data), out, errors, environ, multithread=False).run(WSGIHandler())
    head = out.getvalue().split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = dict(line.split(": ", 1) for line in head[1:])
    return status, headers


def session_client(api, organisation, role, username):
    user = UserFactory(username=username)
    MembershipFactory(organisation=organisation, role=role, user=user)
    client = api()
    client.force_login(user)
    return client


# --- 3. The score and scenario endpoints answer through a real WSGI server --------------------------------


def test_it_answers_a_score_request_with_a_location_through_the_wsgi_server(world, keep_the_test_connection):
    mine = world["mine"]
    status, headers = wsgi_request("POST", f"/api/v1/audits/{mine.audit.pk}/score/", key=mine.write_key)
    assert status == 202
    run = ScoreRun.objects.filter(audit=mine.audit, trigger="api").get()
    assert headers["Location"].endswith(f"/api/v1/runs/{run.pk}/")


def test_it_answers_a_new_scenario_with_a_location_through_the_wsgi_server(world, keep_the_test_connection):
    mine = world["mine"]
    body = {"audit": mine.audit.pk, "name": "More jobs", "overrides": {"add_jobs": [{"cluster": "5", "jobs": 50}]}}
    status, headers = wsgi_request("POST", "/api/v1/scenarios/", key=mine.write_key, body=body)
    assert status == 201
    scenario = Scenario.objects.filter(audit=mine.audit).latest("pk")
    assert headers["Location"].endswith(f"/api/v1/scenarios/{scenario.pk}/")


# --- 4. Anchors with evidence -----------------------------------------------------------------------------


@pytest.fixture
def demo_key():
    call_command("load_demo", "--no-score", stdout=StringIO())
    from core.models import Organisation

    _, key = api_key_create(organisation=Organisation.objects.get(slug="demo"), name="t", scope=APIKeyScope.WRITE)
    return key


def test_demo_evidence_is_a_list_of_links_the_anchor_form_accepts():
    from demo import kendall, west_midlands

    field = AnchorInstitutionForm.base_fields["evidence"]
    for spec in (kendall.AUDIT, west_midlands.AUDIT):
        for anchor in spec["anchors"]:
            evidence = anchor.get("evidence", [])
            assert all(isinstance(link, str) for link in evidence), anchor["name"]
            assert field.clean("\n".join(evidence)) == evidence


def test_a_demo_anchor_with_evidence_reads_as_json_links_and_can_be_patched(api, demo_key):
    client = api(demo_key)
    mit = AnchorInstitution.objects.get(name="Massachusetts Institute of Technology (MIT)")
    read = client.get(f"/api/v1/anchors/{mit.pk}/").json()
    assert read["evidence"] == ["https://web.mit.edu/facts/"]
    assert read["description"].endswith("Coordinates from IPEDS HD2020.")

    hsbc = AnchorInstitution.objects.get(name="HSBC UK")  # West Midlands: a draft, so it can change
    links = ["https://www.finextra.com/newsarticle/35892/west-midlands-has-big-fintech-opportunity"]
    read = client.get(f"/api/v1/anchors/{hsbc.pk}/").json()
    assert read["evidence"] == links
    changed = client.patch(f"/api/v1/anchors/{hsbc.pk}/", {"staff": 3000, "revision": read["revision"]}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["evidence"] == links and changed.json()["staff"] == 3000


def test_evidence_is_sent_and_stored_as_a_list_of_links(world, api):
    mine = world["mine"]
    links = ["https://example.org/a", "https://example.org/b"]
    response = api(mine.write_key).patch(f"/api/v1/anchors/{mine.anchor.pk}/", {"evidence": links}, format="json")
    assert response.status_code == 200, response.json()
    mine.anchor.refresh_from_db()
    assert mine.anchor.evidence == links and response.json()["evidence"] == links
    refused = api(mine.write_key).patch(
        f"/api/v1/anchors/{mine.anchor.pk}/", {"evidence": ["javascript:alert(1)"]}, format="json"
    )
    assert refused.status_code == 400 and any(name.startswith("evidence") for name in refused.json()["errors"])


# --- 5. Huge numbers, nesting and malformed URLs are 400s --------------------------------------------------


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc"])
def test_the_new_audit_page_ignores_a_region_set_id_out_of_range(client, officer, value):
    client.force_login(officer)
    assert client.get("/audits/new/", {"region_set": value}).status_code == 200


def test_deeply_nested_json_is_a_400_on_every_endpoint(world, api):
    mine = world["mine"]
    nested = "[" * 100_000 + "]" * 100_000
    for path in ("/api/v1/anchors/", "/api/v1/scenarios/", "/api/v1/audits/"):
        response = api(mine.write_key).post(path, nested, content_type="application/json")
        assert response.status_code == 400, path
        assert response.json()["code"] == "parse_error" and "nested" in response.json()["detail"]
    body = {"audit": mine.audit.pk, "name": "Deep", "overrides": {"weights": json.loads("[" * 100 + "]" * 100)}}
    deep = api(mine.write_key).post("/api/v1/scenarios/", body, format="json")
    assert deep.status_code == 400 and "nested" in deep.json()["detail"]


def test_a_number_too_large_for_a_float_is_a_400(world, api):
    mine = world["mine"]
    body = '{"audit": AUDIT, "name": "Huge", "overrides": {"weights": {"lq": 1e400}}}'
    body = body.replace("AUDIT", str(mine.audit.pk))
    response = api(mine.write_key).post("/api/v1/scenarios/", body, content_type="application/json")
    assert response.status_code == 400 and "1e400" in response.json()["detail"]
    assert not Scenario.objects.filter(name="Huge").exists()


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"weights": {"lq": 1e308}}, "Weight of lq"),
        ({"weights": {"right_to_win.economic": 1e308}}, "right_to_win.economic"),
        ({"add_anchors": [{"name": "Lab", "anchor_type": "university", "staff": 1e308, "clusters": ["5"]}]}, "staff"),
        ({"add_anchors": [{"name": "Lab", "anchor_type": "castle", "clusters": ["5"]}]}, "anchor type"),
        ({"add_anchors": [{"name": "Lab", "anchor_type": "university", "clusters": [{"a": 1}]}]}, "cluster"),
        ({"add_anchors": [{"name": "Lab", "anchor_type": "university", "clusters": ["5"], "latitude": 1e308}]},
         "latitude"),
        ({"add_anchors": "everything"}, "add_anchors"),
        ({"add_anchors": [None]}, "Added anchor 1"),
    ],
)  # fmt: skip
def test_huge_weights_and_malformed_anchors_are_400s_that_name_the_field(world, api, overrides, named):
    mine = world["mine"]
    body = {"audit": mine.audit.pk, "name": "Hostile", "overrides": overrides}
    response = api(mine.write_key).post("/api/v1/scenarios/", body, format="json")
    assert response.status_code == 400
    (message,) = response.json()["errors"]["overrides"]
    assert named in message
    assert not Scenario.objects.filter(name="Hostile").exists()


BAD_TARGETS = [
    ("https://hooks.example.org:99999/x", "port"),
    ("https://hooks.example.org:0/x", "port"),
    ("https://[::1/x", "valid URL"),
    ("https://[zz::1]/x", "valid URL"),
    ("https://[::1]:99999/x", "port"),
    ("https://hooks.example.org:port/x", "port"),
]


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize(("url", "words"), BAD_TARGETS)
def test_check_target_refuses_bad_ports_and_hosts_with_a_message(settings, url, words, allow_private):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = allow_private
    with pytest.raises(integrations.WebhookError, match=words):
        integrations.check_target(url)


@pytest.mark.parametrize(("url", "words"), BAD_TARGETS)
def test_bad_webhook_urls_are_400s_over_the_api_and_form_errors_on_the_page(world, api, client, owner, url, words):
    admin = api()
    admin.force_login(owner)
    response = admin.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400 and words in response.json()["errors"]["url"][0]

    client.force_login(owner)
    page = client.post("/accounts/organisation/webhooks/new/", {"url": url})
    assert page.status_code == 400 and words in page.content.decode()
    assert not Webhook.objects.filter(url=url).exists()


# --- 7. Webhooks: admins only, over the API as on the pages -----------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OFFICER, Role.REVIEWER])
def test_members_below_admin_cannot_see_or_register_webhooks_over_the_api(world, api, role):
    mine = world["mine"]
    member = session_client(api, mine.organisation, role, f"as-{role}")
    for path in ("/api/v1/webhooks/", f"/api/v1/webhooks/{mine.webhook.pk}/",
                 f"/api/v1/webhooks/{mine.webhook.pk}/deliveries/"):  # fmt: skip
        refused = member.get(path)
        assert refused.status_code == 403, path
        assert refused.json()["detail"] == "Only the organisation's admins can manage webhooks."
    assert member.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x"}, format="json").status_code == 403
    assert member.delete(f"/api/v1/webhooks/{mine.webhook.pk}/").status_code == 403
    assert Webhook.objects.filter(pk=mine.webhook.pk).exists()


@pytest.mark.parametrize("scope", ["read_key", "write_key"])
def test_api_keys_act_below_admin_so_they_cannot_see_or_register_webhooks(world, api, scope):
    mine = world["mine"]
    client = api(getattr(mine, scope))
    listing = client.get("/api/v1/webhooks/")
    assert listing.status_code == 403 and "admins" in listing.json()["detail"]
    assert client.get(f"/api/v1/webhooks/{mine.webhook.pk}/deliveries/").status_code == 403
    assert client.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x"}, format="json").status_code == 403


def test_an_admin_manages_webhooks_over_the_api_and_sees_no_other_organisations(world, api, owner, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    mine, theirs = world["mine"], world["theirs"]
    admin = api()
    admin.force_login(owner)
    assert [row["id"] for row in admin.get("/api/v1/webhooks/").json()["results"]] == [mine.webhook.pk]
    assert admin.get(f"/api/v1/webhooks/{mine.webhook.pk}/deliveries/").status_code == 200
    assert admin.get(f"/api/v1/webhooks/{theirs.webhook.pk}/").status_code == 404
    created = admin.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/new"}, format="json")
    assert created.status_code == 201 and created.json()["secret"]


# --- 19. Filters, ordering and 404s -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter", "allowed"),
    [
        ("/api/v1/scores/?region_set=nope", "region_set", "us-states"),
        ("/api/v1/runs/?region_set=nope", "region_set", "us-states"),
        ("/api/v1/audits/?region_set=nope", "region_set", "us-states"),
        ("/api/v1/scores/?audit=999999", "audit", "{audit}"),
        ("/api/v1/runs/?audit=999999", "audit", "{audit}"),
        ("/api/v1/anchors/?audit=999999", "audit", "{audit}"),
        ("/api/v1/scenarios/?audit=999999", "audit", "{audit}"),
        ("/api/v1/scores/?scenario=999999", "scenario", "{scenario}"),
        ("/api/v1/scores/?methodology=999999", "methodology", "{methodology}"),
        ("/api/v1/scores/?ordering=bogus", "ordering", "right_to_win"),
        ("/api/v1/audits/?ordering=-bogus,year", "ordering", "title"),
        ("/api/v1/runs/?ordering=bogus", "ordering", "created_at"),
    ],
)
def test_unknown_filter_values_and_orderings_are_400s_naming_the_parameter_and_allowed_values(
    world, api, path, parameter, allowed
):
    mine = world["mine"]
    allowed = allowed.format(audit=mine.audit.pk, scenario=mine.scenario.pk, methodology=mine.run.methodology_id)
    response = api(mine.read_key).get(path)
    assert response.status_code == 400, response.json()
    (message,) = response.json()["errors"][parameter]
    assert allowed in message


def test_another_organisations_audit_is_an_unknown_filter_value(world, api):
    mine, theirs = world["mine"], world["theirs"]
    response = api(mine.read_key).get(f"/api/v1/scores/?audit={theirs.audit.pk}")
    assert (
        response.status_code == 400
        and str(theirs.audit.pk) not in response.json()["errors"]["audit"][0].split("use")[-1]
    )


def test_known_filter_values_and_orderings_still_work(world, api):
    mine = world["mine"]
    client = api(mine.read_key)
    assert client.get("/api/v1/scores/?region_set=us-states&ordering=-right_to_win").json()["count"] > 0
    assert client.get(f"/api/v1/scores/?audit={mine.audit.pk}").json()["count"] == 3
    assert client.get(f"/api/v1/anchors/?audit={mine.audit.pk}").json()["count"] == 1


def test_scores_for_a_region_tell_the_audits_rows_from_the_public_ones(world, api):
    mine = world["mine"]
    client = api(mine.read_key)
    rows = client.get("/api/v1/scores/?region_code=25").json()["results"]
    assert {row["source"] for row in rows} == {"public", "audit"}
    public = client.get("/api/v1/scores/?region_code=25&source=public").json()["results"]
    audit = client.get("/api/v1/scores/?region_code=25&source=audit").json()["results"]
    assert public and {row["run"] for row in public} == {world["public"].pk}
    assert audit and {row["run"] for row in audit} == {mine.run.pk}
    assert len(public) + len(audit) == len(rows)
    assert client.get("/api/v1/scores/?source=mine").status_code == 400


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_paths_answer_a_json_404_with_or_without_debug(world, api, settings, debug):
    settings.DEBUG = debug
    for path in ("/api/v1/nothing/", "/api/nothing", "/api/v1/scores/not-a-number/"):
        response = api(world["mine"].read_key).get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path
        assert response.json()["code"] == "not_found"
    posted = api(world["mine"].write_key).post("/api/v1/anchors/x/", {}, format="json")
    assert posted.status_code == 404 and posted.json()["code"] == "not_found"


def test_the_readme_says_audits_carry_a_version_and_their_records_a_revision(world, api):
    mine = world["mine"]
    audit = api(mine.read_key).get(f"/api/v1/audits/{mine.audit.pk}/").json()
    assert "version" in audit and "revision" not in audit
    assert "revision" in audit["anchors"][0]
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "send the `revision` you read" in readme
    assert "Audits carry a `version` instead" in readme


# --- 20. The API docs load nothing from outside; the served site does not debug by default -------------------


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs/redoc/"])
def test_the_api_docs_pages_load_nothing_from_outside_the_site(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)


def test_the_redoc_bundle_served_by_the_site_shows_a_local_logo(client):
    page = client.get("/api/docs/redoc/").content.decode()
    (bundle_url,) = re.findall(r'<script src="([^"]+redoc[^"]*)"', page)
    bundle = client.get(bundle_url)
    assert bundle.status_code == 200 and bundle["Content-Type"].startswith("text/javascript")
    assert b"cdn.redoc.ly" not in bundle.content
    assert static("vendor/redoc/logo-mini.svg").encode() in bundle.content
    assert (ROOT / "static" / "vendor" / "redoc" / "logo-mini.svg").exists()


def test_the_readme_names_the_browser_the_end_to_end_tests_need():
    readme = (ROOT / "README.md").read_text()
    assert "/usr/bin/chromium" in readme and "apt-get install -y chromium" in readme


def test_make_run_serves_without_debugging_unless_asked():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "DEBUG=$(DEBUG)" in run and "\nDEBUG ?= false" in makefile
    assert "--insecure" not in run


@override_settings(DEBUG=False)
def test_a_page_404_without_debug_lists_no_url_patterns(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"URLconf" not in response.content and b"api/" not in response.content
