"""Settings fail loudly in production; the health check reports what is running."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _django(code, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "clusterplatform.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_requires_a_secret_key_when_debug_is_off():
    result = _django("", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_the_development_key_in_production():
    result = _django("", DEBUG="false", SECRET_KEY="django-insecure-embedded-mode-only-never-use-in-production")
    assert result.returncode != 0 and "embedded-mode default" in result.stderr


def test_it_passes_the_deployment_checklist_in_production():
    result = _django(
        "from django.core.management import call_command; call_command('check', deploy=True, fail_level='WARNING')",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "a-real-production-secret-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="clusters.example.org",
    )
    assert result.returncode == 0, result.stderr


def test_it_defaults_to_sqlite_and_in_process_tasks():
    result = _django(
        "from django.conf import settings as s; import json; print(json.dumps("
        "[s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_TASK_ACKS_LATE]))",
        CELERY_BROKER_URL="",
        REDIS_URL="",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["django.db.backends.sqlite3", True, True]


@pytest.mark.django_db
def test_it_reports_health_at_the_documented_address(client):
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_an_unknown_address_is_the_404_page_not_a_server_error(client, owner):
    # With debugging off the 404 page renders base.html without a resolver match (the browser's /favicon.ico).
    client.raise_request_exception = True
    for user in (None, owner):
        if user:
            client.force_login(user)
        response = client.get("/favicon.ico")
        assert response.status_code == 404 and b"Not found" in response.content
