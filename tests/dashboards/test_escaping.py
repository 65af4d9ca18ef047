"""Free text on the chart pages renders inert: a hostile custom-cluster name, audit title, anchor and scenario name
appear HTML-escaped, never as markup, on every page that draws a figure (and the chart labels carry them)."""

import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from assessments.models import Score
from assessments.services import scenarios
from assessments.services.methodologies import methodology_clone, methodology_default
from assessments.services.runs import score_run_request
from audits.models import AuditCluster
from clusters.models import ClusterDefinition, ClusterKind, ClusterMember
from core.models import RunStatus
from regions.models import Region, RegionSet
from tests.factories import AnchorFactory, AuditFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
INERT = escape(HOSTILE)


def _run(django_capture_on_commit_callbacks, request):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = request()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def world(organisation, django_capture_on_commit_callbacks):
    """An audit of the West Midlands titled with markup, whose candidate is a custom cluster named with markup and
    served by an anchor named with markup; the audit's run, a scenario's run and the organisation's run over the
    whole region set."""
    nuts2 = RegionSet.objects.get(slug="uk-nuts2")
    west_midlands = Region.objects.get(scheme="nuts2", code="UKG3")
    fintech = ClusterDefinition.objects.get(slug="fintech", organisation=None)
    hostile = ClusterDefinition.objects.create(
        organisation=organisation, slug="hostile", code="hostile", name=HOSTILE, kind=ClusterKind.CUSTOM,
        classification=fintech.classification,
    )  # fmt: skip
    ClusterMember.objects.bulk_create(
        ClusterMember(cluster=hostile, industry_id=pk) for pk in fintech.members.values_list("industry_id", flat=True)
    )
    audit = AuditFactory(organisation=organisation, title=HOSTILE, region=west_midlands, region_set=nuts2, year=2018)
    AuditCluster.objects.create(audit=audit, cluster=hostile)
    anchor = AnchorFactory(audit=audit, name=HOSTILE, latitude=52.48, longitude=-1.89)
    anchor.clusters.add(hostile)
    firm = StakeholderFactory(audit=audit, name="Plain Firm", group="corporate", latitude=52.5, longitude=-1.9)
    firm.clusters.add(hostile)
    audit_run = _run(django_capture_on_commit_callbacks, lambda: score_run_request(audit=audit, trigger="test"))
    scenario = scenarios.scenario_create(
        audit=audit, name=HOSTILE, overrides={"add_jobs": [{"cluster": "hostile", "jobs": 5000}]}
    )
    _run(django_capture_on_commit_callbacks, lambda: scenarios.scenario_score(scenario=scenario))
    own = methodology_clone(methodology=methodology_default(), organisation=organisation, name="Own weights")
    set_run = _run(
        django_capture_on_commit_callbacks, lambda: score_run_request(region_set=nuts2, year=2018, methodology=own)
    )
    assert Score.objects.filter(run=set_run, cluster=hostile).exists()
    return {
        "audit": audit,
        "cluster": hostile,
        "region": west_midlands,
        "scenario": scenario,
        "score": Score.objects.get(run=audit_run, cluster=hostile, region=west_midlands),
    }


def chart_pages(world):
    """Every page that draws a chart, with the chart that must be on it: ``(name, url, query, div id)``."""
    audit, cluster, region = world["audit"], world["cluster"], world["region"]
    others = Region.objects.filter(region_sets__slug="uk-nuts2").exclude(pk=region.pk).order_by("code")[:2]
    return [
        ("audit dashboard", reverse("dashboard_audit", args=[audit.pk]), {}, "quadrant-chart"),
        ("region dashboard", reverse("dashboard_region", args=[region.pk, "uk-nuts2"]), {}, "quadrant-chart"),
        ("cluster page", reverse("dashboard_score", args=[world["score"].pk]), {}, "trend-chart"),
        ("audit map", reverse("dashboard_audit_points", args=[audit.pk]), {}, "audit-points"),
        ("choropleth", reverse("dashboard_choropleth", args=["uk-nuts2"]), {"cluster": "hostile"}, "choropleth"),
        ("cluster map", reverse("dashboard_cluster_regions", args=[cluster.pk, "uk-nuts2"]), {}, "cluster-lq"),
        ("benchmark", reverse("dashboard_benchmark"),
         {"region_set": "uk-nuts2", "regions": [region.code, *(r.code for r in others)]}, "benchmark"),
        ("scenario", reverse("dashboard_scenario", args=[world["scenario"].pk]), {}, "scenario-chart"),
    ]  # fmt: skip


def test_hostile_names_render_inert_on_every_chart_page(client, member, world):
    client.force_login(member)
    for name, url, query, chart in chart_pages(world):
        response = client.get(url, query)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert f'id="{chart}"' in html, name
        assert HOSTILE not in html, name
        for markup in ("<script>alert(1)", "<img src=x", 'aria-label=""><script>'):
            assert markup not in html, (name, markup)
        if name != "benchmark":  # the benchmark shows clusters (the top 15 on average), not necessarily this one
            assert INERT in html, name


def test_chart_labels_carry_the_name_escaped(client, member, world):
    client.force_login(member)
    labelled = {"cluster page": "Employment in ", "choropleth": "for ", "cluster map": "location quotient of "}
    for name, url, query, _ in chart_pages(world):
        if name in labelled:
            html = client.get(url, query).content.decode()
            assert f"{labelled[name]}{INERT}" in html, name


def _figure_strings(html, chart):
    """Every string in the data and layout of the Plotly figure drawn into ``chart``."""
    found = re.search(
        rf'Plotly\.newPlot\(\s*"{chart}",\s*(\[.*?\]),\s*(\{{.*?\}}),\s*\{{"displaylogo"', html, re.S
    )  # fmt: skip
    strings = []

    def walk(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk([json.loads(found.group(1)), json.loads(found.group(2))])
    return strings


def test_charts_draw_names_as_text_never_as_plotly_markup(client, member, world):
    # Plotly renders <b>, <a href>, <span style> … in every label: a name must reach it as entities it shows as text.
    client.force_login(member)
    drawn = {"audit dashboard", "region dashboard", "audit map", "scenario"}
    for name, url, query, chart in chart_pages(world):
        strings = _figure_strings(client.get(url, query).content.decode(), chart)
        assert not [s for s in strings if "<script" in s or "<img" in s], name
        if name in drawn:
            assert any("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img" in s for s in strings), name
    network = _figure_strings(client.get(reverse("dashboard_score", args=[world["score"].pk])).content.decode(),
                              "partner-network")  # fmt: skip
    assert any(s.startswith('"&gt;&lt;script&gt;') for s in network)
