"""API access pages: an organisation's admins make and revoke API keys and manage webhooks, for the active
organisation only; a key and a webhook secret are shown once, in the page answering the POST that made them."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from integrations import urls as integrations_urls
from integrations.models import APIKey, APIKeyScope, DeliveryStatus, Webhook, WebhookDelivery
from integrations.services import api_key_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

API_KEYS = reverse("integrations:api_keys")
CREATE_KEY = reverse("integrations:api_key_create")
WEBHOOKS = reverse("integrations:webhooks")
CREATE_WEBHOOK = reverse("integrations:webhook_create")
PING = "/api/v1/ping/"
NEW_KEY = re.compile(r'id="new-key-value"[^>]*>([^<]+)</code>')
NEW_SECRET = re.compile(r'id="new-secret-value"[^>]*>([^<]+)</code>')


@pytest.fixture(autouse=True)
def _clean_throttles():
    """The API's throttles count in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client, owner):
    client.force_login(owner)
    return client


def ping(key):
    """Call the API with ``key`` from a client with no session."""
    return Client().get(PING, HTTP_AUTHORIZATION=f"Api-Key {key}")


def make_key(admin_client, **data):
    response = admin_client.post(CREATE_KEY, {"name": "Partner CRM", "scope": APIKeyScope.READ, **data})
    assert response.status_code == 200, response.content.decode()[:2000]
    return response, NEW_KEY.search(response.content.decode()).group(1).strip()


def webhook_for(organisation, url="https://hooks.example.org/cluster", **fields):
    return Webhook.objects.create(organisation=organisation, url=url, secret="s" * 64, **fields)


def delivery_for(webhook, **fields):
    defaults = {"event": "score_run.finished", "event_id": f"run-{WebhookDelivery.objects.count() + 1}"}
    return WebhookDelivery.objects.create(webhook=webhook, payload={"event": "score_run.finished"}, **defaults | fields)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- API keys -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", [APIKeyScope.READ, APIKeyScope.WRITE])
def test_an_admin_makes_a_key_that_is_shown_once_and_authenticates(admin_client, organisation, owner, scope):
    response, key = make_key(admin_client, name=f"{scope} partner", scope=scope)
    page = response.content.decode()
    assert "This is the only time the key is shown" in page
    assert f"Authorization: Api-Key {key}" in page
    assert "no-store" in response["Cache-Control"]

    api_key = APIKey.objects.get(name=f"{scope} partner")
    assert api_key.organisation == organisation and api_key.scope == scope and api_key.created_by == owner
    assert key.startswith(f"{api_key.prefix}.") and api_key.hashed_key != key and key not in api_key.hashed_key

    answer = ping(key)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "organisation": organisation.slug, "access": scope}


def test_the_key_is_never_shown_again_nor_kept_in_the_session_or_messages(admin_client):
    response, key = make_key(admin_client)
    assert messages_of(response) == []
    assert all(key not in str(value) for value in admin_client.session.values())

    page = admin_client.get(API_KEYS).content.decode()
    api_key = APIKey.objects.get()
    assert key not in page and "new-key-value" not in page
    assert "Partner CRM" in page and api_key.prefix in page


def test_the_list_shows_every_key_of_the_organisation_and_no_one_elses(admin_client, organisation, other_organisation):
    api_key_create(organisation=organisation, name="Nightly sync", scope=APIKeyScope.WRITE)
    revoked, _ = api_key_create(organisation=organisation, name="Old portal")
    revoked.revoked = True
    revoked.save()
    expired, _ = api_key_create(organisation=organisation, name="Pilot", expires_at=timezone.now() + timedelta(days=1))
    APIKey.objects.filter(pk=expired.pk).update(expiry_date=timezone.now() - timedelta(days=1))
    api_key_create(organisation=other_organisation, name="Rival key")

    page = admin_client.get(API_KEYS).content.decode()
    for text in ("Nightly sync", "Old portal", "Pilot", "Revoked", "Expired", "Active", "Read and write"):
        assert text in page
    assert "Rival key" not in page
    assert reverse("api:docs") in page


def test_an_expiry_date_ends_the_key_at_the_end_of_that_day(admin_client):
    day = timezone.localdate() + timedelta(days=30)
    _, key = make_key(admin_client, expires=day.isoformat())
    api_key = APIKey.objects.get()
    assert timezone.localtime(api_key.expiry_date).date() == day
    assert timezone.localtime(api_key.expiry_date).hour == 23
    assert ping(key).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "An API key needs a name, e.g. the partner system that will use it."),
        ({"name": "   "}, "name", "An API key needs a name, e.g. the partner system that will use it."),
        ({"name": "x" * 51}, "name", "Keep the key&#x27;s name within 50 characters."),
        ({"scope": "admin"}, "scope", "Select a valid choice."),
        ({"expires": "2001-01-01"}, "expires", "The expiry date must be in the future."),
        ({"expires": "next week"}, "expires", "Enter a valid date."),
    ],
)
def test_invalid_input_is_a_400_with_the_message_on_the_form(admin_client, data, field, message):
    response = admin_client.post(CREATE_KEY, {"name": "Partner CRM", "scope": APIKeyScope.READ, **data})
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and "new-key-value" not in page
    assert response.context["form"].errors[field]
    assert not APIKey.objects.exists()


def test_a_name_of_50_characters_is_fine(admin_client):
    make_key(admin_client, name="x" * 50)
    assert APIKey.objects.get().name == "x" * 50


def test_revoking_a_key_makes_the_api_refuse_it(admin_client):
    _, key = make_key(admin_client)
    api_key = APIKey.objects.get()
    assert ping(key).status_code == 200

    response = admin_client.post(reverse("integrations:api_key_revoke", args=[api_key.prefix]))
    assert response.status_code == 302 and response["Location"] == API_KEYS
    assert messages_of(response) == [
        f"Revoked the key “Partner CRM” ({api_key.prefix}): calls made with it are now refused."
    ]
    api_key.refresh_from_db()
    assert api_key.revoked and api_key.revoked_at is not None
    assert ping(key).status_code == 401

    again = admin_client.post(reverse("integrations:api_key_revoke", args=[api_key.prefix]))
    assert again.status_code == 302 and "already revoked" in messages_of(again)[-1]
    assert "Revoked" in admin_client.get(API_KEYS).content.decode()


def test_revoking_needs_a_post(admin_client, organisation):
    api_key, _ = api_key_create(organisation=organisation, name="Partner")
    assert admin_client.get(reverse("integrations:api_key_revoke", args=[api_key.prefix])).status_code == 405
    api_key.refresh_from_db()
    assert not api_key.revoked


def test_an_expired_key_is_refused(admin_client):
    _, key = make_key(admin_client)
    APIKey.objects.update(expiry_date=timezone.now() - timedelta(minutes=1))
    assert ping(key).status_code == 401
    assert "Expired" in admin_client.get(API_KEYS).content.decode()


def test_another_organisations_key_is_404_and_stays_usable(admin_client, other_organisation):
    foreign, key = api_key_create(organisation=other_organisation, name="Rival key")
    assert admin_client.post(reverse("integrations:api_key_revoke", args=[foreign.prefix])).status_code == 404
    assert admin_client.post(reverse("integrations:api_key_revoke", args=["nosuchpx"])).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.revoked and ping(key).status_code == 200


def test_a_key_is_made_for_the_active_organisation(client, owner, organisation, other_organisation):
    MembershipFactory(organisation=other_organisation, user=owner, role=Role.ADMIN)
    client.force_login(owner)
    client.post(reverse("switch_organisation"), {"organisation": other_organisation.pk})
    _, key = make_key(client)
    assert APIKey.objects.get().organisation == other_organisation
    assert ping(key).json()["organisation"] == other_organisation.slug


# --- Webhooks -----------------------------------------------------------------------------------------------


def test_registering_a_webhook_shows_its_secret_once(admin_client, organisation, owner):
    response = admin_client.post(CREATE_WEBHOOK, {"url": "https://hooks.example.org/cluster", "description": "CRM"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    webhook = Webhook.objects.get()
    assert webhook.organisation == organisation and webhook.created_by == owner and webhook.description == "CRM"
    page = response.content.decode()
    assert NEW_SECRET.search(page).group(1).strip() == webhook.secret
    assert "This is the only time the secret is shown" in page
    assert "X-Cluster-Signature" in page and "score_run.finished" in page
    assert messages_of(response) == []
    assert all(webhook.secret not in str(value) for value in admin_client.session.values())

    page = admin_client.get(WEBHOOKS).content.decode()
    assert webhook.secret not in page and "https://hooks.example.org/cluster" in page


@pytest.mark.parametrize(
    ("url", "private_allowed", "message"),
    [
        ("ftp://x", True, "Give an http(s) URL with a host name."),
        ("not a url", True, "Give an http(s) URL with a host name."),
        ("http://hooks.example.org/cluster", False, "Webhook URLs must use https."),
        ("https://127.0.0.1/hook", False, "resolves to a private address (127.0.0.1); it is refused."),
        ("https://exa mple.org/", True, "Enter a valid URL."),
        ("", True, "This field is required."),
    ],
)
def test_a_refused_url_is_a_400_with_the_reason(admin_client, settings, url, private_allowed, message):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = private_allowed
    response = admin_client.post(CREATE_WEBHOOK, {"url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors["url"]
    assert not Webhook.objects.exists()


def test_the_list_shows_the_webhooks_and_their_recent_deliveries(admin_client, organisation, other_organisation):
    webhook = webhook_for(organisation, description="Partner CRM receiver")
    delivery_for(webhook, status=DeliveryStatus.DELIVERED, event_id="run-41")
    delivery_for(webhook, status=DeliveryStatus.FAILED, event_id="run-42")
    webhook_for(other_organisation, url="https://rival.example.org/hook")
    page = admin_client.get(WEBHOOKS).content.decode()
    assert "Partner CRM receiver" in page and "run-41" in page and "run-42" in page
    assert "Delivered" in page and "1 failed" in page
    assert "rival.example.org" not in page


def test_the_delivery_log_shows_each_attempt(admin_client, organisation):
    webhook = webhook_for(organisation)
    now = timezone.now()
    delivery_for(
        webhook, event_id="run-7", status=DeliveryStatus.RETRYING, attempts=2, response_status=503,
        error="the receiver answered 503", next_attempt_at=now + timedelta(seconds=20),
        log="2026-01-01 10:00:00 attempt 1: HTTP 503\n2026-01-01 10:00:10 attempt 2: HTTP 503\n",
        response_body="Service Unavailable",
    )  # fmt: skip
    delivery_for(webhook, event_id="run-8", status=DeliveryStatus.DELIVERED, attempts=1, delivered_at=now)
    response = admin_client.get(reverse("integrations:webhook_detail", args=[webhook.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("run-7", "run-8", "Retrying", "Delivered", "HTTP 503", "the receiver answered 503",
                 "attempt 2: HTTP 503", "Service Unavailable"):  # fmt: skip
        assert text in page


def test_pausing_and_activating_a_webhook(admin_client, organisation):
    webhook = webhook_for(organisation)
    response = admin_client.post(reverse("integrations:webhook_toggle", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert response["Location"] == WEBHOOKS and not webhook.is_active
    assert "Paused" in messages_of(response)[0]
    response = admin_client.post(reverse("integrations:webhook_toggle", args=[webhook.pk]), {"back": "detail"})
    webhook.refresh_from_db()
    assert response["Location"] == reverse("integrations:webhook_detail", args=[webhook.pk]) and webhook.is_active


def test_deleting_a_webhook_deletes_its_log(admin_client, organisation):
    webhook = webhook_for(organisation)
    delivery_for(webhook)
    response = admin_client.post(reverse("integrations:webhook_delete", args=[webhook.pk]))
    assert response["Location"] == WEBHOOKS
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_resending_requeues_the_delivery_and_attempts_again(
    admin_client, organisation, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    webhook = webhook_for(organisation, url="http://127.0.0.1:9/")  # the discard port: refused at once
    delivery = delivery_for(
        webhook, status=DeliveryStatus.FAILED, attempts=2, error="old", log="2026-01-01 10:00:00 attempt 2: HTTP 500\n"
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(reverse("integrations:webhook_resend", args=[webhook.pk, delivery.pk]))
    assert len(callbacks) == 1
    assert response["Location"] == reverse("integrations:webhook_detail", args=[webhook.pk])
    assert messages_of(response) == [
        f"Re-sending score_run.finished {delivery.event_id}: the log below shows the outcome."
    ]
    delivery.refresh_from_db()
    assert delivery.attempts == 3  # the two earlier attempts are kept, and one more was made
    assert delivery.status == DeliveryStatus.FAILED and delivery.error != "old"  # the limit (3) is reached
    assert delivery.log.startswith("2026-01-01 10:00:00 attempt 2: HTTP 500\n")
    assert "re-sent by owner" in delivery.log and "attempt 3: could not connect" in delivery.log


def test_a_broker_that_refuses_the_message_is_not_a_server_error(
    admin_client, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    webhook = webhook_for(organisation)
    delivery = delivery_for(webhook, status=DeliveryStatus.FAILED, attempts=6)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("integrations:webhook_resend", args=[webhook.pk, delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None  # the sweep sends it


def test_resending_sets_the_delivery_pending_and_due_now(
    admin_client, organisation, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", sent.append)
    webhook = webhook_for(organisation)
    delivery = delivery_for(webhook, status=DeliveryStatus.DELIVERED, attempts=2, delivered_at=timezone.now())
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("integrations:webhook_resend", args=[webhook.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert sent == [delivery.pk]
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 2
    assert delivery.next_attempt_at >= before and delivery.delivered_at is None


def test_a_paused_webhook_does_not_resend(admin_client, organisation, monkeypatch):
    from integrations import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", sent.append)
    webhook = webhook_for(organisation, is_active=False)
    delivery = delivery_for(webhook, status=DeliveryStatus.FAILED, attempts=6)
    response = admin_client.post(reverse("integrations:webhook_resend", args=[webhook.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert sent == [] and delivery.status == DeliveryStatus.FAILED
    assert "paused" in messages_of(response)[0]


def test_a_delivery_of_another_webhook_is_404(admin_client, organisation):
    mine, other = webhook_for(organisation), webhook_for(organisation, url="https://b.example.org/")
    delivery = delivery_for(other, status=DeliveryStatus.FAILED)
    assert admin_client.post(reverse("integrations:webhook_resend", args=[mine.pk, delivery.pk])).status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_another_organisations_webhook_is_404_and_unchanged(admin_client, other_organisation):
    foreign = webhook_for(other_organisation)
    delivery = delivery_for(foreign, status=DeliveryStatus.FAILED)
    assert admin_client.get(reverse("integrations:webhook_detail", args=[foreign.pk])).status_code == 404
    for name, args in [
        ("webhook_toggle", [foreign.pk]),
        ("webhook_delete", [foreign.pk]),
        ("webhook_resend", [foreign.pk, delivery.pk]),
    ]:
        assert admin_client.post(reverse(f"integrations:{name}", args=args)).status_code == 404
    foreign.refresh_from_db()
    delivery.refresh_from_db()
    assert foreign.is_active and delivery.status == DeliveryStatus.FAILED


# --- Who may use the pages: every URL of the API access pages × every persona ----------------------------


@pytest.fixture
def targets(organisation):
    api_key, _ = api_key_create(organisation=organisation, name="Matrix key")
    webhook = webhook_for(organisation)
    delivery = delivery_for(webhook, status=DeliveryStatus.FAILED)
    return {
        "api_keys": ("GET", []),
        "api_key_create": ("POST", []),
        "api_key_revoke": ("POST", [api_key.prefix]),
        "webhooks": ("GET", []),
        "webhook_create": ("POST", []),
        "webhook_detail": ("GET", [webhook.pk]),
        "webhook_toggle": ("POST", [webhook.pk]),
        "webhook_delete": ("POST", [webhook.pk]),
        "webhook_resend": ("POST", [webhook.pk, delivery.pk]),
    }


def test_the_matrix_covers_every_api_access_url(targets):
    names = {p.name for p in integrations_urls.urlpatterns}
    assert names == set(targets)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OFFICER, Role.REVIEWER])
def test_every_other_role_gets_403_everywhere_and_changes_nothing(client, organisation, owner, targets, role):
    user = UserFactory(username=f"a-{role}")
    MembershipFactory(organisation=organisation, user=user, role=role)
    client.force_login(user)
    data = {"name": "Sneaky", "scope": APIKeyScope.WRITE, "url": "https://evil.example.org/"}
    for name, (method, args) in targets.items():
        url = reverse(f"integrations:{name}", args=args)
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
    assert list(APIKey.objects.values_list("name", "revoked")) == [("Matrix key", False)]
    assert Webhook.objects.get().is_active and Webhook.objects.count() == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED


def test_an_outsider_admin_gets_404_for_the_objects_and_their_own_lists(client, outsider, targets):
    client.force_login(outsider)
    for name, (method, args) in targets.items():
        url = reverse(f"integrations:{name}", args=args)
        response = client.get(url) if method == "GET" else client.post(url, {})
        if args:
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
        elif method == "GET":
            page = response.content.decode()
            assert response.status_code == 200 and "Matrix key" not in page and "hooks.example.org" not in page


def test_a_signed_out_visitor_is_sent_to_sign_in(client, targets):
    for name, (method, args) in targets.items():
        url = reverse(f"integrations:{name}", args=args)
        response = client.get(url) if method == "GET" else client.post(url, {})
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_the_navigation_links_to_api_access_for_admins_only(client, owner, member):
    client.force_login(owner)
    page = client.get(reverse("members")).content.decode()
    assert API_KEYS in page and WEBHOOKS in page
    client.force_login(member)
    page = client.get(reverse("audits:list")).content.decode()
    assert API_KEYS not in page and WEBHOOKS not in page


# --- Django admin -------------------------------------------------------------------------------------------


def test_the_admin_shows_keys_webhooks_and_a_read_only_delivery_log(client, organisation):
    from django.contrib.admin.utils import quote

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    api_key, key = api_key_create(organisation=organisation, name="Admin-listed key", scope=APIKeyScope.WRITE)
    webhook = webhook_for(organisation)
    delivery = delivery_for(webhook, status=DeliveryStatus.FAILED, log="attempt 1: HTTP 500\n")

    page = client.get(reverse("admin:integrations_apikey_changelist")).content.decode()
    assert "Admin-listed key" in page and api_key.prefix in page and "active" in page
    change = client.get(reverse("admin:integrations_apikey_change", args=[quote(api_key.pk)]))
    assert change.status_code == 200 and key not in change.content.decode()
    assert 'name="hashed_key"' not in change.content.decode()  # shown read-only, never editable
    assert client.get(reverse("admin:integrations_apikey_add")).status_code == 403
    assert client.get(reverse("admin:integrations_webhook_add")).status_code == 403

    assert client.get(reverse("admin:integrations_webhook_changelist")).status_code == 200
    log = client.get(reverse("admin:integrations_webhookdelivery_changelist"), {"status__exact": "failed"})
    assert log.status_code == 200 and delivery.event_id in log.content.decode()
    detail = client.get(reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk])).content.decode()
    assert "attempt 1: HTTP 500" in detail and 'name="status"' not in detail
    assert client.get(reverse("admin:integrations_webhookdelivery_add")).status_code == 403

    response = client.post(
        reverse("admin:integrations_apikey_changelist"), {"action": "revoke_keys", "_selected_action": [api_key.pk]}
    )
    api_key.refresh_from_db()
    assert response.status_code == 302 and api_key.revoked and api_key.revoked_at is not None


def test_staff_see_only_their_organisations_keys_in_the_admin(client, organisation, other_organisation, owner):
    from django.contrib.auth.models import Permission

    owner.is_staff = True
    owner.save()
    owner.user_permissions.add(*Permission.objects.filter(codename__in=["view_apikey", "view_webhookdelivery"]))
    api_key_create(organisation=organisation, name="Our key")
    api_key_create(organisation=other_organisation, name="Their key")
    delivery_for(webhook_for(organisation), event_id="ours-1")
    delivery_for(webhook_for(other_organisation, url="https://rival.example.org/"), event_id="theirs-1")
    client.force_login(owner)
    page = client.get(reverse("admin:integrations_apikey_changelist")).content.decode()
    assert "Our key" in page and "Their key" not in page
    page = client.get(reverse("admin:integrations_webhookdelivery_changelist")).content.decode()
    assert "ours-1" in page and "theirs-1" not in page
