"""Shared fixtures: personas (owner, member, outsider) and the services a test run requires.

With ``CI=true`` a missing PostgreSQL or Redis is a failure, never a skip.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.models import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(name, reason):
    """Skip a test locally when ``name`` is unavailable; fail it in CI."""
    message = f"{name} is required: {reason}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with the production hasher costs ~0.5 s a user; tests don't need that strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache and user ids repeat between tests: each test starts counting at zero."""
    from django.core.cache import cache

    cache.clear()


class InlineSender:
    """Runs a queued webhook delivery at once, in the caller's thread.

    In the embedded mode deliveries run in a daemon thread with its own database connection; inside a test's
    transaction that connection could not see the test's rows, so the suite sends them inline instead.
    ``tests/api/test_webhook_receivers.py`` checks the real sender and that a request never waits for a receiver.
    """

    def submit(self, task, args, kwargs):
        task.apply(args=args, kwargs=kwargs)


@pytest.fixture(autouse=True)
def _webhooks_sent_inline(monkeypatch):
    from integrations import tasks

    monkeypatch.setattr(tasks, "embedded_sender", InlineSender())


@pytest.fixture
def organisation(db):
    return OrganisationFactory(slug="acme", name="Acme Development Agency")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(slug="rival", name="Rival Council")


@pytest.fixture
def owner(organisation):
    """An admin of ``organisation``."""
    return MembershipFactory(organisation=organisation, role=Role.ADMIN, user=UserFactory(username="owner")).user


@pytest.fixture
def member(organisation):
    """A viewer of ``organisation``."""
    return MembershipFactory(organisation=organisation, role=Role.VIEWER, user=UserFactory(username="member")).user


@pytest.fixture
def officer(organisation):
    return MembershipFactory(organisation=organisation, role=Role.OFFICER, user=UserFactory(username="officer")).user


@pytest.fixture
def outsider(other_organisation):
    """An admin of another organisation."""
    return MembershipFactory(
        organisation=other_organisation, role=Role.ADMIN, user=UserFactory(username="outsider")
    ).user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the public reference data (fixtures/) once per test session, quietly."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


# --- A real Celery worker for tests marked integration ----------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
WORKER_NAME = "integration@%h"


def _database_url():
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def wait_until(predicate, timeout, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on the configured broker, sharing the test database."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "set DATABASE_URL=postgres://... to run the integration tests")
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        require_service("Redis", "set CELERY_BROKER_URL=redis://... to run the integration tests")
    from clusterplatform.celery import app

    try:
        app.connection_for_write().ensure_connection(max_retries=2)
    except Exception as error:  # noqa: BLE001 - any connection failure means the broker is missing
        require_service("Redis", f"the broker at {settings.CELERY_BROKER_URL} does not answer: {error}")
    app.control.purge()
    # The rest of the suite may run tasks in-process; these tests must go through the broker.
    was_eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_TASK_ALWAYS_EAGER": "false"}
    log = subprocess.DEVNULL
    if (ROOT / "artifacts").is_dir():
        log = open(ROOT / "artifacts" / "celery-worker.log", "w")  # noqa: SIM115 - closed after the worker stops
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "clusterplatform", "worker", "-c", "1", "-n", WORKER_NAME,
         "--without-mingle", "--without-gossip", "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        if not wait_until(lambda: bool(app.control.ping(timeout=0.5)), timeout=60):
            pytest.fail("The Celery worker did not answer a ping within 60 s.")
        yield worker
    finally:
        app.conf.task_always_eager = was_eager
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        if log is not subprocess.DEVNULL:
            log.close()


# --- Headless Chromium for tests marked e2e -------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
# The flags that work on these machines: no sandbox as root, no GPU, and no background traffic to Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser); skips locally without it, fails in CI.

    Request it after the fixtures that write to the database: Django's ORM refuses to run inside the event loop
    Playwright's sync API keeps running while the browser is open.
    """
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"Debian chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("Playwright", "pip install -r requirements-dev.txt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in_page(browser, live_server, username):
    """A new page signed in as ``username`` (with the factories' password), recording every request's URL and
    every console or page error: returns ``(page, requests, errors)``."""
    from django.urls import reverse

    from tests.factories import PASSWORD

    requests, errors = [], []
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    return page, requests, errors


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !el.getAttribute('title'))
  .map(el => el.outerHTML.slice(0, 120))"""


def assert_accessible_basics(page, where):
    """Every visible form control has a label, and Tab moves the focus through the page's controls."""
    assert page.evaluate(UNLABELLED_CONTROLS) == [], f"unlabelled form controls on {where}"
    focused = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        # The focused element's position in the document: many controls look alike, their places do not.
        focused.add(page.evaluate("() => [...document.querySelectorAll('*')].indexOf(document.activeElement)"))
    assert len(focused) > 5, f"Tab does not move through {where}"
