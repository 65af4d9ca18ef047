"""A webhook receiver cannot hold the platform: hostile receivers (a byte a second, 400 MB, no answer) cost an
attempt at most its deadline and a few kilobytes, the request that queued the delivery never waits for them, the
address connected to is the one resolved and checked, and an organisation's webhooks are capped."""

import socket
import socketserver
import threading
import time
import tracemalloc

import pytest
from django.urls import reverse

from integrations import services, tasks
from integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = 2.0
REQUEST = b"POST"


class HostileReceiver:
    """A TCP receiver on 127.0.0.1 whose ``behaviour(connection)`` misbehaves; it stops by itself (daemon threads,
    bounded loops, short socket timeouts) and on ``close``."""

    def __init__(self, behaviour):
        self.stop, self.received = threading.Event(), []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(5)
                try:
                    outer.received.append(self.request.recv(65536))  # the request (headers and the small body)
                    behaviour(self.request, outer.stop)
                except OSError:
                    pass  # the platform hung up, as it should

        socketserver.ThreadingTCPServer.daemon_threads = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def trickle(conn, stop):
    """A valid answer, one byte a second: every read beats a per-read timeout."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
        if stop.wait(1.0):
            return
        conn.sendall(bytes([byte]))


def flood(conn, stop):
    """A 200 with a 400 MB body."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 419430400\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(400 * 16):
        if stop.is_set():
            return
        conn.sendall(chunk)


def sleeper(conn, stop):
    """Takes the request and never answers."""
    stop.wait(30)


@pytest.fixture
def hostile(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_DEADLINE_SECONDS = DEADLINE
    settings.WEBHOOK_TIMEOUT_SECONDS = 5  # longer than the deadline: the deadline must end the attempt
    made = []

    def make(behaviour):
        made.append(HostileReceiver(behaviour))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def queued(monkeypatch):
    """Deliveries handed to the background, recorded instead of sent (the test then plays the worker)."""
    handed = []

    class Recorder:
        def submit(self, task, args, kwargs):
            handed.append(args[0])

    monkeypatch.setattr(tasks, "embedded_sender", Recorder())
    return handed


def _delivery(organisation, url):
    webhook = Webhook.objects.create(organisation=organisation, url=url, secret="k" * 64)
    return WebhookDelivery.objects.create(
        webhook=webhook, event="score_run.finished", event_id=f"e-{webhook.pk}", payload={"event": "x"}
    )


def _attempt(delivery):
    started = time.monotonic()
    services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return time.monotonic() - started


@pytest.mark.parametrize("behaviour", [trickle, sleeper], ids=["a byte a second", "never answers"])
def test_a_slow_receiver_costs_an_attempt_at_most_its_deadline(hostile, organisation, behaviour):
    delivery = _delivery(organisation, hostile(behaviour).url)
    took = _attempt(delivery)
    assert DEADLINE - 0.2 < took < DEADLINE + 1.0
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1
    assert "deadline" in delivery.error and f"within the {DEADLINE:g} s deadline" in delivery.log


def test_a_400_mb_reply_is_read_only_as_far_as_a_few_kilobytes(hostile, organisation, settings):
    delivery = _delivery(organisation, hostile(flood).url)
    tracemalloc.start()
    try:
        took = _attempt(delivery)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert took < 1.0 and peak < 2 * 1024 * 1024
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_status == 200
    assert delivery.response_body == "x" * 500


def test_the_request_that_queues_a_delivery_never_waits_for_the_receiver(
    client, hostile, organisation, queued, django_capture_on_commit_callbacks
):
    admin = UserFactory(username="hook-admin")
    MembershipFactory(organisation=organisation, user=admin, role="admin")
    client.force_login(admin)
    receiver = hostile(sleeper)
    delivery = _delivery(organisation, receiver.url)
    client.get(reverse("integrations:webhook_detail", args=[delivery.webhook_id]))  # templates loaded, session warm
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("integrations:webhook_resend", args=[delivery.webhook_id, delivery.pk]))
    assert response.status_code == 302 and time.monotonic() - started < 1.0
    assert queued == [delivery.pk]  # handed to the background
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        services.webhooks_notify(organisation_id=organisation.pk, event="score_run.finished", event_id="r1", data={})
    assert time.monotonic() - started < 1.0 and len(queued) == 2
    # The background attempt itself is bounded by the deadline.
    assert _attempt(WebhookDelivery.objects.get(pk=queued[1])) < DEADLINE + 1.0


def test_the_embedded_sender_runs_deliveries_on_its_own_thread():
    sender, ran, release = tasks.EmbeddedSender(), [], threading.Event()

    class SlowTask:
        def apply(self, args, kwargs):
            release.wait(5)
            ran.append(threading.current_thread().name)

    started = time.monotonic()
    sender.submit(SlowTask(), (1,), {})
    assert time.monotonic() - started < 0.1 and ran == []
    release.set()
    for _ in range(50):
        if ran:
            break
        time.sleep(0.05)
    assert ran == ["webhook-sender"]


def test_the_address_is_resolved_once_and_that_address_is_connected_to(hostile, organisation, monkeypatch):
    """The host resolves to the receiver once and elsewhere afterwards (DNS rebinding): the delivery still goes to
    the address that was resolved and checked, with the URL's host name in ``Host``."""

    def answer(conn, stop):
        conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")

    receiver = hostile(answer)
    port = receiver.server.server_address[1]
    real_getaddrinfo, lookups = socket.getaddrinfo, []

    def rebinding(host, port_, *args, **kwargs):
        if host != "hooks.partner.test":
            return real_getaddrinfo(host, port_, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "192.0.2.1"  # any later answer is a black hole
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port_))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    delivery = _delivery(organisation, f"http://hooks.partner.test:{port}/hook")
    _attempt(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED, delivery.error
    assert lookups == ["hooks.partner.test"]
    assert f"Host: hooks.partner.test:{port}".encode() in receiver.received[0]


def test_a_private_address_is_refused_at_delivery_time_too(organisation, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    monkeypatch.setattr(services.socket, "getaddrinfo", lambda host, port, *a, **k: [(2, 1, 6, "", ("10.0.0.8", port))])
    delivery = _delivery(organisation, "https://hooks.partner.test/hook")
    _attempt(delivery)
    assert delivery.status == DeliveryStatus.RETRYING and "private address (10.0.0.8)" in delivery.error


def test_an_organisation_has_at_most_ten_webhooks(organisation, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    for n in range(10):
        services.webhook_create(organisation=organisation, url=f"http://127.0.0.1:9/{n}")
    with pytest.raises(services.WebhookError, match="already has 10 webhooks"):
        services.webhook_create(organisation=organisation, url="http://127.0.0.1:9/11")
    assert Webhook.objects.filter(organisation=organisation).count() == 10


def test_the_api_answers_the_webhook_limit_with_a_400(world, api, owner, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOKS_PER_ORGANISATION = Webhook.objects.filter(organisation=world["mine"].organisation).count()
    admin = api()  # webhooks are the admins' alone, over the API as on the pages
    admin.force_login(owner)
    response = admin.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x"}, format="json")
    assert response.status_code == 400 and "webhooks, the most" in response.json()["errors"]["non_field_errors"][0]
