"""Webhooks: a finished run is announced to the organisation's receivers, signed, retried with backoff, logged."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from core.models import RunStatus
from integrations import services as webhooks
from integrations import signing
from integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from integrations.tasks import deliver_webhook

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP endpoint that records what it receives and answers with the statuses it is given."""

    def __init__(self, statuses=(200,)):
        self.requests, self.statuses = [], list(statuses)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                status = outer.statuses.pop(0) if len(outer.statuses) > 1 else outer.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    made = []

    def make(statuses=(200,)):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def admin_api(api, user):
    """Webhooks are the organisation's admins' (as on the pages): an admin signed in, not an API key."""
    client = api()
    client.force_login(user)
    return client


def test_a_finished_run_is_announced_with_a_verifiable_signature(
    world, api, receiver, owner, outsider, django_capture_on_commit_callbacks
):
    mine = world["mine"]
    endpoint = receiver()
    admin = admin_api(api, owner)
    created = admin.post("/api/v1/webhooks/", {"url": endpoint.url}, format="json")
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert "secret" not in admin.get(f"/api/v1/webhooks/{created.json()['id']}/").json()

    with django_capture_on_commit_callbacks(execute=True):
        run = api(mine.write_key).post(f"/api/v1/audits/{mine.audit.pk}/score/").json()

    assert len(endpoint.requests) == 1
    headers, body = endpoint.requests[0]
    assert signing.verify_signature(secret, headers["X-Cluster-Signature"], body)
    assert not signing.verify_signature("another secret", headers["X-Cluster-Signature"], body)
    assert not signing.verify_signature(secret, headers["X-Cluster-Signature"], body + b" ")
    payload = json.loads(body)
    assert payload["event"] == "score_run.finished" and headers["X-Cluster-Event"] == "score_run.finished"
    assert payload["data"]["run"]["id"] == run["id"] and payload["data"]["run"]["status"] == RunStatus.SUCCEEDED
    assert payload["data"]["run"]["url"].endswith(f"/api/v1/runs/{run['id']}/")
    delivery = WebhookDelivery.objects.get(webhook_id=created.json()["id"])
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1 and delivery.response_status == 200
    log = admin.get(f"/api/v1/webhooks/{created.json()['id']}/deliveries/").json()["results"]
    assert log[0]["status"] == "delivered"
    # Another organisation's webhook heard nothing, and cannot read this log.
    assert not world["theirs"].webhook.deliveries.exists()
    their_admin = admin_api(api, outsider)
    assert their_admin.get(f"/api/v1/webhooks/{created.json()['id']}/deliveries/").status_code == 404


def test_signatures_expire(world):
    header = signing.sign("k", b"{}", timestamp=1_000_000)
    assert signing.verify_signature("k", header, b"{}", now=1_000_100)
    assert not signing.verify_signature("k", header, b"{}", now=1_000_000 + 301)
    assert not signing.verify_signature("k", "garbage", b"{}")


def _attempt(delivery):
    """One attempt, made when it is due (as the task's retry countdown arranges)."""
    WebhookDelivery.objects.filter(pk=delivery.pk, next_attempt_at__isnull=False).update(next_attempt_at=timezone.now())
    return webhooks.webhook_deliver(delivery_id=delivery.pk)


def _only(webhook):
    Webhook.objects.filter(organisation=webhook.organisation).exclude(pk=webhook.pk).update(is_active=False)
    return webhook


def test_failed_deliveries_are_retried_with_backoff_until_they_succeed(world, receiver, settings):
    endpoint = receiver(statuses=[500, 503, 200])
    webhook = _only(Webhook.objects.create(organisation=world["mine"].organisation, url=endpoint.url, secret="x" * 64))
    (delivery,) = webhooks.webhooks_notify(
        organisation_id=webhook.organisation_id, event="score_run.finished", event_id="e1", data={"n": 1}
    )
    waits = [_attempt(delivery) for _ in range(3)]
    assert waits == [10, 20, None]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert delivery.log.count("attempt") == 3 and "HTTP 500" in delivery.log
    # Every attempt carried the same event id, so a receiver can de-duplicate.
    assert {h["X-Cluster-Delivery"] for h, _ in endpoint.requests} == {"e1"}
    # The same event is never queued twice for one webhook.
    assert (
        webhooks.webhooks_notify(
            organisation_id=webhook.organisation_id, event="score_run.finished", event_id="e1", data={}
        )
        == []
    )


def test_a_receiver_that_never_answers_ends_failed_after_the_last_attempt(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    webhook = _only(
        Webhook.objects.create(organisation=world["mine"].organisation, url="http://127.0.0.1:9/", secret="x")
    )
    (delivery,) = webhooks.webhooks_notify(
        organisation_id=webhook.organisation_id, event="score_run.finished", event_id="e2", data={}
    )
    assert [_attempt(delivery) for _ in range(4)] == [10, 20, None, None]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3 and delivery.error


def test_an_attempt_that_is_not_due_yet_is_left_for_its_time(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    webhook = _only(
        Webhook.objects.create(organisation=world["mine"].organisation, url="http://127.0.0.1:9/", secret="k")
    )
    (delivery,) = webhooks.webhooks_notify(
        organisation_id=webhook.organisation_id, event="score_run.finished", event_id="e8", data={}
    )
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == 10
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None  # a duplicate message before the backoff
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == DeliveryStatus.RETRYING


def test_an_attempt_is_claimed_once_and_sent_with_no_row_lock_held(world, settings, monkeypatch):
    """While one worker is sending attempt 1, a second worker (a redelivered message) and the beat sweep leave it
    alone, and the row can be written by others: no lock or transaction is held across the call."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    webhook = _only(Webhook.objects.create(organisation=world["mine"].organisation, url="http://x.test/", secret="k"))
    (delivery,) = webhooks.webhooks_notify(
        organisation_id=webhook.organisation_id, event="score_run.finished", event_id="e9", data={}
    )
    seen = []

    def send(claimed):
        seen.append(claimed.attempts)
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None  # the second worker gets nothing to do
        later = timezone.now() + timedelta(seconds=webhooks.CLAIM_LEASE_SECONDS - 1)
        assert delivery.pk not in webhooks.webhooks_due(now=later, grace_seconds=0)  # the sweep waits for it
        WebhookDelivery.objects.filter(pk=delivery.pk).update(error="written meanwhile")  # nothing is locked
        return True, 204, "", "", "HTTP 204"

    monkeypatch.setattr(webhooks, "_send", send)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert seen == [1] and delivery.attempts == 1 and delivery.status == DeliveryStatus.DELIVERED
    assert delivery.log.count("attempt 1: HTTP 204") == 1


def test_the_task_retries_after_the_services_backoff(world, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    webhook = Webhook.objects.create(organisation=world["mine"].organisation, url="http://127.0.0.1:9/", secret="x")
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="score_run.finished", event_id="e3")
    countdowns = []

    def fake_retry(countdown=None, **kwargs):
        countdowns.append(countdown)
        raise Retry()

    monkeypatch.setattr(deliver_webhook, "retry", fake_retry)
    with pytest.raises(Retry):
        deliver_webhook.run(delivery.pk)
    assert countdowns == [10]
    assert webhooks.backoff(7) == 600  # capped below the broker's visibility timeout


@pytest.mark.parametrize(
    "url", ["ftp://example.org/hook", "http://127.0.0.1:8000/hook", "https://10.1.2.3/hook", "file:///etc/passwd"]
)
def test_private_and_non_http_targets_are_refused_in_production(world, api, owner, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    response = admin_api(api, owner).post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["url"]
