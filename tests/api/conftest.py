"""Two organisations with the same shape of data (audit, assets, scenario, runs, scores, webhook, their own
methodology) and keys for each."""

from dataclasses import dataclass

import pytest
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import Scenario, Score, ScoreRun
from assessments.services import methodologies
from audits.models import AuditCluster
from clusters.models import ClusterDefinition
from core.api.throttling import CallerRateThrottle
from core.models import RunStatus
from integrations.models import APIKeyScope, Webhook
from integrations.services import api_key_create
from regions.models import Region, RegionSet
from tests.factories import AnchorFactory, AuditFactory, PartnershipFactory, StakeholderFactory

UNLIMITED = {
    "partner": "100000/min",
    "scoring": "100000/min",
    "anon": "100000/min",
    "bad_key": "100000/min",
    "scores_csv": "100000/min",
}


@pytest.fixture(autouse=True)
def _api_state(monkeypatch):
    """A clean throttle cache per test, and limits no test trips unless it sets its own.

    DRF reads the rates once, at import, into ``THROTTLE_RATES``; patching that dict is how a test changes them.
    """
    cache.clear()
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", dict(UNLIMITED))
    yield
    cache.clear()


def _succeeded_run(**fields):
    now = timezone.now()
    return ScoreRun.objects.create(
        status=RunStatus.SUCCEEDED, progress=100, fingerprint=f"test-{now.timestamp()}-{id(fields)}",
        started_at=now, finished_at=now, **fields,
    )  # fmt: skip


def _scores(run, region, clusters, base=50.0):
    for n, cluster in enumerate(clusters):
        Score.objects.create(
            run=run, region=region, cluster=cluster, candidate=bool(run.audit_id), employment=1000 + n,
            right_to_win=base + n, right_to_win_low=base + n - 5, right_to_win_high=base + n + 5,
            want_to_win=base - n, want_to_win_low=base - n - 5, want_to_win_high=base - n + 5, rank=n + 1,
            quadrant="lead" if base + n >= 50 else "monitor", coverage=0.8,
            indicators={"lq": [1.2, 70.0], "national_growth": [0.05, 60.0]},
        )  # fmt: skip


@dataclass
class Tenant:
    organisation: object
    read_key: str
    write_key: str
    audit: object
    anchor: object
    stakeholder: object
    partnership: object
    candidate: object
    scenario: object
    run: object
    score: object
    webhook: object
    methodology: object


def make_tenant(organisation, region, region_set, clusters, methodology):
    audit = AuditFactory(organisation=organisation, region=region, region_set=region_set, year=2024)
    candidate = AuditCluster.objects.create(audit=audit, cluster=clusters[0], patents=10)
    AuditCluster.objects.create(audit=audit, cluster=clusters[1])
    anchor = AnchorFactory(audit=audit, name=f"{organisation.slug} university", staff=5000)
    stakeholder = StakeholderFactory(audit=audit, group="capital")
    partnership = PartnershipFactory(audit=audit, from_stakeholder=stakeholder, to_stakeholder=None, to_anchor=anchor)
    scenario = Scenario.objects.create(
        organisation=organisation,
        audit=audit,
        name="More jobs",
        overrides={"add_jobs": [{"cluster": "5", "jobs": 100}]},
    )
    run = _succeeded_run(
        organisation=organisation, region_set=region_set, year=2024, methodology=methodology, audit=audit,
        audit_version=audit.version,
    )  # fmt: skip
    _scores(run, region, clusters, base=60.0)
    _, read_key = api_key_create(organisation=organisation, name="reader", scope=APIKeyScope.READ)
    _, write_key = api_key_create(organisation=organisation, name="writer", scope=APIKeyScope.WRITE)
    webhook = Webhook.objects.create(organisation=organisation, url="http://127.0.0.1:9/hook", secret="s" * 64)
    own_methodology = methodologies.methodology_clone(methodology=methodology, organisation=organisation)
    return Tenant(
        organisation=organisation, read_key=read_key, write_key=write_key, audit=audit, anchor=anchor,
        stakeholder=stakeholder, partnership=partnership, candidate=candidate, scenario=scenario, run=run,
        score=Score.objects.filter(run=run).order_by("pk").first(), webhook=webhook, methodology=own_methodology,
    )  # fmt: skip


@pytest.fixture
def world(organisation, other_organisation):
    """A public region-set run with scores, and two tenants (``mine``, ``theirs``) with identical shapes."""
    states = RegionSet.objects.get(slug="us-states")
    massachusetts = Region.objects.get(scheme="us-state", code="25")
    california = Region.objects.get(scheme="us-state", code="06")
    clusters = list(ClusterDefinition.objects.filter(kind="benchmark", code__in=["5", "13", "6"]).order_by("code"))
    methodology = methodologies.methodology_default()
    public = _succeeded_run(region_set=states, year=2016, methodology=methodology)
    _scores(public, massachusetts, clusters, base=40.0)
    _scores(public, california, clusters, base=55.0)
    mine = make_tenant(organisation, massachusetts, states, clusters, methodology)
    theirs = make_tenant(other_organisation, california, states, clusters, methodology)
    return {"public": public, "mine": mine, "theirs": theirs, "clusters": clusters, "states": states}


@pytest.fixture
def api():
    """An API client; ``api(key)`` returns one that sends ``Authorization: Api-Key <key>``."""

    def client(key=None):
        c = APIClient()
        if key:
            c.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return c

    return client


@pytest.fixture
def keep_the_test_connection():
    """Calling the WSGI application directly fires request_started/finished, whose handler closes a connection
    left outside autocommit — here, the test's own transaction on PostgreSQL. Django's test client unhooks it the
    same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
