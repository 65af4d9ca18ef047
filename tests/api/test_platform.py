"""Keys, errors, throttling, idempotent run triggering, the schema and its documentation pages."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import ScoreRun
from core.api.authentication import KeyPrincipal
from core.api.throttling import CallerRateThrottle, seconds_until_allowed
from core.models import RunStatus
from integrations.models import APIKey
from integrations.services import api_key_revoke

pytestmark = pytest.mark.django_db


# --- Keys ---------------------------------------------------------------------------------------------------


def test_a_key_says_who_it_acts_for(world, api):
    mine = world["mine"]
    assert api(mine.read_key).get("/api/v1/ping/").json() == {
        "status": "ok", "organisation": mine.organisation.slug, "access": "read",
    }  # fmt: skip
    assert api(mine.write_key).get("/api/v1/ping/").json()["access"] == "write"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Api-Key nonsense", "Malformed API key"),
        ("Api-Key abcdefgh.wrongsecret", "Invalid API key."),
        ("Api-Key ", "Malformed API key"),
    ],
)
def test_bad_keys_are_401_with_a_precise_message(world, client, header, message):
    response = client.get("/api/v1/ping/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert message in response.json()["detail"] and response.json()["code"] == "authentication_failed"


def test_a_revoked_or_expired_key_stops_working_at_once(world, api):
    mine = world["mine"]
    key = APIKey.objects.get(prefix=mine.read_key.partition(".")[0])
    assert api(mine.read_key).get("/api/v1/ping/").status_code == 200
    api_key_revoke(api_key=key)
    revoked = api(mine.read_key).get("/api/v1/ping/")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    writer = APIKey.objects.get(prefix=mine.write_key.partition(".")[0])
    writer.expiry_date = timezone.now() - timedelta(minutes=1)
    writer.save()
    expired = api(mine.write_key).get("/api/v1/ping/")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_only_the_hash_is_stored_and_use_is_recorded(world, api):
    mine = world["mine"]
    key = APIKey.objects.get(prefix=mine.read_key.partition(".")[0])
    assert mine.read_key not in (key.hashed_key, key.id) and mine.read_key.partition(".")[2] not in key.hashed_key
    assert key.last_used_at is None
    api(mine.read_key).get("/api/v1/ping/")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_create_api_key_prints_a_working_key(world, api, capsys):
    call_command("create_api_key", "--org", world["mine"].organisation.slug, "--name", "ERP", "--scope", "write")
    out = capsys.readouterr().out
    key = next(line for line in out.splitlines() if "." in line and " " not in line)
    assert "cannot be shown again" in out
    assert api(key).get("/api/v1/ping/").json()["access"] == "write"
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No organisation 'nope'"):
        call_command("create_api_key", "--org", "nope", "--name", "x")


def test_browser_sessions_work_too_and_follow_the_role(world, client, officer, member):
    client.force_login(member)
    assert client.get("/api/v1/audits/").status_code == 200
    assert (
        client.patch(
            f"/api/v1/audits/{world['mine'].audit.pk}/", {"summary": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(officer)
    response = client.get(f"/api/v1/audits/{world['theirs'].audit.pk}/")
    assert response.status_code == 404


# --- Errors -------------------------------------------------------------------------------------------------


def test_validation_errors_share_one_body(world, api):
    response = api(world["mine"].write_key).post(
        "/api/v1/anchors/", {"audit": world["mine"].audit.pk, "name": "", "anchor_type": "castle", "staff": -3,
                             "latitude": 95, "longitude": 1}, format="json")  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert {"name", "anchor_type", "staff"} <= set(body["errors"])
    assert world["mine"].audit.anchors.count() == 1  # nothing written


def test_unknown_api_urls_are_json_404s(world, client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_stale_revision_is_a_409_and_writes_nothing(world, api):
    mine = world["mine"]
    url = f"/api/v1/anchors/{mine.anchor.pk}/"
    revision = api(mine.read_key).get(url).json()["revision"]
    assert api(mine.write_key).patch(url, {"staff": 1, "revision": revision}, format="json").status_code == 200
    stale = api(mine.write_key).patch(url, {"staff": 2, "revision": revision}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    mine.anchor.refresh_from_db()
    assert mine.anchor.staff == 1


def test_approved_audits_are_read_only(world, api):
    mine = world["mine"]
    mine.audit.status = "approved"
    mine.audit.save()
    response = api(mine.write_key).patch(f"/api/v1/anchors/{mine.anchor.pk}/", {"staff": 1}, format="json")
    assert response.status_code == 409 and "approved" in response.json()["detail"]


def test_writes_move_the_audit_version_on_and_record_history(world, api):
    mine = world["mine"]
    before = mine.audit.version
    api(mine.write_key).patch(f"/api/v1/stakeholders/{mine.stakeholder.pk}/", {"sector": "VC"}, format="json")
    mine.audit.refresh_from_db()
    assert mine.audit.version == before + 1
    latest = mine.stakeholder.history.order_by("-history_date").first()
    assert latest.sector == "VC" and latest.history_user is None
    assert latest.history_change_reason.startswith("API (api-key:")


def test_partnerships_are_written_through_the_editors_form(world, api):
    mine, theirs = world["mine"], world["theirs"]
    body = {"audit": mine.audit.pk, "from_anchor": mine.anchor.pk, "to_stakeholder": mine.stakeholder.pk,
            "kind": "investment", "strength": 3}  # fmt: skip
    created = api(mine.write_key).post("/api/v1/partnerships/", body, format="json")
    assert created.status_code == 201, created.json()
    foreign = api(mine.write_key).post(
        "/api/v1/partnerships/", {**body, "to_stakeholder": theirs.stakeholder.pk}, format="json"
    )
    assert foreign.status_code == 400 and "target" in foreign.json()["errors"]


# --- Throttling ---------------------------------------------------------------------------------------------


def test_each_key_has_its_own_rate_and_429_says_when_to_retry(world, api, monkeypatch):
    monkeypatch.setitem(CallerRateThrottle.THROTTLE_RATES, "partner", "5/min")
    mine = world["mine"]
    statuses = [api(mine.read_key).get("/api/v1/ping/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    throttled = api(mine.read_key).get("/api/v1/ping/")
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["code"] == "throttled" and throttled.json()["retry_after"] > 0
    assert api(mine.write_key).get("/api/v1/ping/").status_code == 200  # another key, its own budget


def test_the_window_slides_the_previous_minute_weighs_less_as_it_ends(world, api, monkeypatch):
    """10/min: a full minute, then half-way into the next one the previous minute still counts for half."""
    monkeypatch.setitem(CallerRateThrottle.THROTTLE_RATES, "partner", "10/min")
    clock = {"now": 60 * 1000 + 50.0}  # 50 s into a minute
    monkeypatch.setattr(CallerRateThrottle, "timer", lambda self: clock["now"])
    client = api(world["mine"].read_key)
    assert [client.get("/api/v1/ping/").status_code for _ in range(11)] == [200] * 10 + [429]
    clock["now"] = 60 * 1001 + 30.0  # 30 s into the next minute: 10 × 0.5 from before leaves room for 5
    assert [client.get("/api/v1/ping/").status_code for _ in range(6)] == [200] * 5 + [429]
    # Refused requests do not count; one more fits once the old minute weighs 10 × 0.4 (at 36 s): 6 s from now.
    assert client.get("/api/v1/ping/")["Retry-After"] == "6"
    clock["now"] += 6
    assert client.get("/api/v1/ping/").status_code == 200


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (dict(current=5, previous=10, elapsed=30), 6.0),  # the previous minute's weight falls enough this minute
        (dict(current=10, previous=0, elapsed=20), 46.0),  # full: wait into the next minute, 10 × (1 - 9/10)
        (dict(current=9, previous=30, elapsed=50), 10.0),  # the previous minute never leaves room in this one
        (dict(current=0, previous=20, elapsed=0), 33.0),  # only the previous minute: until it weighs 9/20
    ],
)
def test_retry_after_is_when_one_more_request_fits(counts, expected):
    assert seconds_until_allowed(limit=10, window=60, **counts) == pytest.approx(expected)


class SlowCache:
    """The cache with a millisecond of latency before every call, as over a network: a read-then-write counter
    (DRF's own throttle) lets other threads in between and overshoots; an atomic one does not."""

    def __init__(self, cache):
        self._cache = cache

    def __getattr__(self, name):
        method = getattr(self._cache, name)

        def slow(*args, **kwargs):
            time.sleep(0.001)
            return method(*args, **kwargs)

        return slow


def test_concurrent_requests_never_overshoot_the_limit(world, monkeypatch):
    """The counter is incremented atomically in the cache: 8 threads × 40 calls against 100/min admit 100."""
    monkeypatch.setitem(CallerRateThrottle.THROTTLE_RATES, "partner", "100/min")
    monkeypatch.setattr(CallerRateThrottle, "cache", SlowCache(CallerRateThrottle.cache))
    key = APIKey.objects.get(prefix=world["mine"].read_key.partition(".")[0])
    caller = SimpleNamespace(auth=key, user=KeyPrincipal(key))

    def calls(_):
        throttle = CallerRateThrottle()
        return sum(throttle.allow_request(caller, None) for _ in range(40))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(calls, range(8))) == 100


def test_forwarded_for_cannot_dodge_the_anonymous_limit(world, client, monkeypatch):
    """Behind one proxy, only the address the proxy appended counts; what the client sent before it is ignored."""
    monkeypatch.setitem(CallerRateThrottle.THROTTLE_RATES, "anon", "3/min")
    from rest_framework.settings import api_settings

    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    statuses = [
        client.get(
            "/api/schema/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7", REMOTE_ADDR="192.0.2.1"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_scoring_requests_have_a_tighter_rate(world, api, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setitem(CallerRateThrottle.THROTTLE_RATES, "scoring", "2/min")
    mine = world["mine"]
    url = f"/api/v1/audits/{mine.audit.pk}/score/"
    with django_capture_on_commit_callbacks(execute=False):
        statuses = [api(mine.write_key).post(url).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]


# --- Idempotent run triggering ------------------------------------------------------------------------------


def test_triggering_a_run_is_idempotent_and_202s_with_the_run(world, api, django_capture_on_commit_callbacks):
    mine = world["mine"]
    url = f"/api/v1/audits/{mine.audit.pk}/score/"
    with django_capture_on_commit_callbacks(execute=False):
        first = api(mine.write_key).post(url)
        responses = [api(mine.write_key).post(url) for _ in range(4)]
    assert first.status_code == 202 and first.json()["created"] is True
    assert first["Location"] == first.json()["url"]
    assert {r.json()["id"] for r in responses} == {first.json()["id"]}
    assert not any(r.json()["created"] for r in responses)
    assert ScoreRun.objects.filter(audit=mine.audit, status__in=ScoreRun.ACTIVE).count() == 1
    assert api(mine.read_key).post(url).status_code == 403
    assert api(world["theirs"].write_key).post(url).status_code == 404


def test_a_triggered_run_can_be_polled_to_completion(world, api, django_capture_on_commit_callbacks):
    mine = world["mine"]
    with django_capture_on_commit_callbacks(execute=True):
        started = api(mine.write_key).post(f"/api/v1/audits/{mine.audit.pk}/score/").json()
    run = api(mine.read_key).get(started["url"]).json()
    assert run["status"] == RunStatus.SUCCEEDED, run["error"]
    scores = api(mine.read_key).get(run["scores_url"]).json()
    assert scores["count"] > 0 and all(row["run"] == run["id"] for row in scores["results"])
    assert any(row["candidate"] for row in scores["results"])


def test_an_audit_without_candidates_cannot_be_scored(world, api):
    mine = world["mine"]
    mine.audit.candidate_clusters.all().delete()
    response = api(mine.write_key).post(f"/api/v1/audits/{mine.audit.pk}/score/")
    assert response.status_code == 409 and "candidate cluster" in response.json()["detail"]


def test_a_scenario_created_over_the_api_queues_its_run(world, api, django_capture_on_commit_callbacks):
    mine = world["mine"]
    body = {"audit": mine.audit.pk, "name": "Double LQ", "overrides": {"weights": {"lq": 2}}}
    with django_capture_on_commit_callbacks(execute=False):
        created = api(mine.write_key).post("/api/v1/scenarios/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["latest_run"]["status"] == RunStatus.QUEUED
    bad = api(mine.write_key).post("/api/v1/scenarios/", {**body, "overrides": {"fly": 1}}, format="json")
    assert bad.status_code == 400 and "Unknown override" in bad.json()["errors"]["overrides"][0]


# --- Schema and docs ----------------------------------------------------------------------------------------


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "ApiKeyAuth" in text and "/api/v1/scores/" in text


@pytest.mark.parametrize("url", ["/api/docs/", "/api/docs/redoc/"])
def test_the_docs_load_nothing_from_outside(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "jsdelivr" not in html and "googleapis" not in html
    # Swagger UI from the sidecar's static files; Redoc's bundle through the site (its CDN logo made local).
    assert "/static/drf_spectacular_sidecar/" in html or "/api/docs/redoc/redoc.standalone.js" in html


def test_redoc_is_kept_on_this_site_by_its_content_security_policy(client):
    # The policy keeps the page on this site, whatever a future Redoc bundle tries to fetch.
    policy = client.get("/api/docs/redoc/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
