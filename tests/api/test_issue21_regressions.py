"""Issue 21, API points: what a new user and a hostile pass broke, each pinned by a test that failed before its fix.

Points 3, 4, 5, 7, 19 and 20 (the API's 500s, anchors' evidence, bad input as 400s, who may see webhooks, filters
and 404s, the docs page and the served site's debugging switch).
"""

import json
from io import BytesIO, StringIO
from pathlib import Path
from wsgiref.handlers import SimpleHandler
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler

from assessments.models import Scenario, ScoreRun
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


def test_it_answers_a_score_request_with_a_location_through_the_wsgi_server(world):
    mine = world["mine"]
    status, headers = wsgi_request("POST", f"/api/v1/audits/{mine.audit.pk}/score/", key=mine.write_key)
    assert status == 202
    run = ScoreRun.objects.filter(audit=mine.audit, trigger="api").get()
    assert headers["Location"].endswith(f"/api/v1/runs/{run.pk}/")


def test_it_answers_a_new_scenario_with_a_location_through_the_wsgi_server(world):
    mine = world["mine"]
    body = {"audit": mine.audit.pk, "name": "More jobs", "overrides": {"add_jobs": [{"cluster": "5", "jobs": 50}]}}
    status, headers = wsgi_request("POST", "/api/v1/scenarios/", key=mine.write_key, body=body)
    assert status == 201
    scenario = Scenario.objects.filter(audit=mine.audit).latest("pk")
    assert headers["Location"].endswith(f"/api/v1/scenarios/{scenario.pk}/")
