"""Schemathesis against the published schema: no 5xx, every response matches its documented shape, and a
caller never sees another organisation's identifiers — whatever the generated requests are."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

EXAMPLES = 12
# What the API promises: no server errors, and every answer (status, content type, headers, body) as documented.
# Business rules may still refuse schema-valid input (an audit id that is not yours is a 400), so the
# positive/negative data-acceptance checks are not among them.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection(keep_the_test_connection):
    """Every request here calls the WSGI application directly (``keep_the_test_connection``)."""


# The schema is public and static: load it once, through the application as a partner would.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _foreign_ids(world):
    theirs = world["theirs"]
    return {
        "audit": theirs.audit.pk,
        "anchor": theirs.anchor.pk,
        "stakeholder": theirs.stakeholder.pk,
        "scenario": theirs.scenario.pk,
    }


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_honours_its_schema(case, world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    mine = world["mine"]
    response = case.call_and_validate(headers={"Authorization": f"Api-Key {mine.write_key}"}, checks=CHECKS)
    assert response.status_code < 500
    if response.status_code == 200 and "json" in response.headers.get("Content-Type", [""])[0]:
        body = response.json()
        rows = body.get("results", []) if isinstance(body, dict) else body
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and "audit" in row and row["audit"] is not None:
                assert row["audit"] != world["theirs"].audit.pk, f"{case.path} leaked another organisation's audit"
