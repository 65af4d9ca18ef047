"""Every audit URL × every persona: who gets in, who gets 403, who gets 404 — and nobody ever gets a 500.

The URLs are read from the ``audits`` namespace of the resolver, so pages added later (the editor's, the
importer's, the workflow's) join the matrix on their own. Each URL is built with real ids of the owner
organisation's records; a URL parameter the fixture cannot fill fails loudly, naming the entry to add below.

Expectations:

* anonymous: GET and POST redirect to sign-in;
* outsider (an admin of another organisation): the owner's object is a 404 (405 for the method a URL doesn't
  accept), and a URL with no object id never shows the owner's audit;
* viewer, officer, reviewer, admin: GET is 200 (or 405 for a POST-only action, or a redirect to another page
  of the same audit; a viewer's GET of a page that only writes is 403); a viewer's POST is 403 or 405; any
  role's POST never fails with a server error.
"""

from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments.models import Score, ScoreRun
from assessments.services.methodologies import methodology_default
from audits.models import AuditCluster, ImportBatch, ImportKind, PriorityFramework
from core.models import Role, RunStatus
from tests.factories import (
    AnchorFactory,
    AuditFactory,
    ClusterFactory,
    MembershipFactory,
    PartnershipFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", Role.VIEWER, Role.OFFICER, Role.REVIEWER, Role.ADMIN]
SECRET_TITLE = "Owner's confidential audit"

# URL parameters by name → the fixture's value. Strings are literal; others name a record of ``world``.
PARAMETERS = {
    "pk": "audit",
    "other_pk": "other_audit",
    "run_id": "run",
    "score_id": "score",
    "record_id": "anchor",  # with kind=anchors
    "batch_id": "batch",
    "kind": "anchors",  # an editor record kind and an import kind
    "step": "clusters",
    "extension": "csv",
    "framework_id": "framework",
}
LITERALS = {"kind", "step", "extension"}
# Per-URL overrides when a parameter's generic value does not fit: {url name: {parameter: value}}.
OVERRIDES = {}

# Known gaps, each a strict xfail so that fixing it makes the test fail until the entry is removed here:
# read-only pages that also answer POST (they should be limited to GET/HEAD with ``require_safe``).
VIEWER_POST_ANSWERED = {}
# Pages that exist only to write: a viewer's GET is a 403 there, by design.
VIEWER_GET_FORBIDDEN = {
    "new": "creating an audit is an officer's job",
    "import_upload": "importing is an officer's job",
    "import_preview": "a preview leads only to committing an import",
    "framework_new": "defining a priority framework is an officer's job",
    "framework_edit": "editing a priority framework is an officer's job",
}


def _flatten(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _flatten(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, list(entry.pattern.converters)


def audit_urls():
    """(name, parameter names) of every pattern in the ``audits`` namespace."""
    _, resolver = get_resolver().namespace_dict["audits"]
    return sorted(dict(_flatten(resolver.url_patterns)).items())


@pytest.fixture
def world(organisation, other_organisation):
    """The owner organisation's audit with one record of each kind, a scored run, an import batch; a second audit."""
    audit = AuditFactory(organisation=organisation, title=SECRET_TITLE)
    cluster = ClusterFactory(name="Matrix cluster")
    AuditCluster.objects.create(audit=audit, cluster=cluster)
    anchor = AnchorFactory(audit=audit, name="Matrix University")
    anchor.clusters.add(cluster)
    StakeholderFactory(audit=audit)
    PartnershipFactory(audit=audit)
    run = ScoreRun.objects.create(
        organisation=organisation,
        region_set=audit.region_set,
        year=audit.year,
        methodology=methodology_default(),
        audit=audit,
        audit_version=audit.version,
        fingerprint="matrix",
        status=RunStatus.SUCCEEDED,
    )
    score = Score.objects.create(
        run=run, region=audit.region, cluster=cluster, candidate=True, right_to_win=50, want_to_win=50
    )
    batch = ImportBatch.objects.create(
        organisation=organisation, audit=audit, kind=ImportKind.ANCHORS, file_name="anchors.csv"
    )
    other_audit = AuditFactory(organisation=organisation, region=audit.region, region_set=audit.region_set)
    framework = PriorityFramework.objects.create(organisation=organisation, slug="matrix", name="Matrix framework")
    return {"audit": audit, "other_audit": other_audit, "run": run, "score": score, "anchor": anchor, "batch": batch,
            "framework": framework}  # fmt: skip


def build_url(name, parameters, world):
    kwargs = {}
    for parameter in parameters:
        value = OVERRIDES.get(name, {}).get(parameter, PARAMETERS.get(parameter))
        if value is None:
            pytest.fail(f"audits:{name} needs '{parameter}': add it to PARAMETERS or OVERRIDES in {__name__}")
        kwargs[parameter] = value if parameter in LITERALS or not isinstance(value, str) else world[value].pk
    return reverse(f"audits:{name}", kwargs=kwargs)


def client_for(persona, organisation, outsider):
    client = Client()
    if persona == "outsider":
        client.force_login(outsider)
    elif persona != "anonymous":
        user = UserFactory(username=f"matrix-{persona}")
        MembershipFactory(organisation=organisation, user=user, role=persona)
        client.force_login(user)
    return client


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "parameters"), audit_urls(), ids=[name for name, _ in audit_urls()])
def test_the_matrix(request, name, parameters, persona, world, organisation, outsider):
    url = build_url(name, parameters, world)
    client = client_for(persona, organisation, outsider)
    get, post = client.get(url), client.post(url, {})

    if persona == "anonymous":
        for response in (get, post):
            assert response.status_code == 302, f"{response.status_code} for {url}"
            assert urlparse(response["Location"]).path == reverse("login")
        return

    if persona == "outsider":
        if not parameters:  # a page of the outsider's own organisation
            assert get.status_code in (200, 302, 405) and SECRET_TITLE not in get.content.decode()
            return
        statuses = {get.status_code, post.status_code}
        assert statuses <= {404, 405} and 404 in statuses, f"GET {get.status_code}, POST {post.status_code}: {url}"
        return

    if persona == Role.VIEWER and name in VIEWER_GET_FORBIDDEN:
        assert get.status_code == 403, f"GET {get.status_code}: {url} ({VIEWER_GET_FORBIDDEN[name]})"
    else:
        assert get.status_code in (200, 302, 405), f"GET {get.status_code}: {url}"
    if get.status_code == 302 and "pk" in parameters:  # e.g. "edit" goes to the first step of the same audit
        assert urlparse(get["Location"]).path.startswith(reverse("audits:detail", args=[world["audit"].pk]))

    if persona == Role.VIEWER:
        if name in VIEWER_POST_ANSWERED:
            request.applymarker(pytest.mark.xfail(reason=VIEWER_POST_ANSWERED[name], strict=True))
        assert post.status_code in (403, 405), f"a viewer's POST got {post.status_code}: {url}"
    else:
        assert post.status_code < 500


def test_the_matrix_covers_the_workflow_urls():
    names = {name for name, _ in audit_urls()}
    assert {"submit", "approve", "return", "new_version", "copy_to_year", "lineage", "compare"} <= names
