"""Maps and benchmarking dashboards: offline choropleths, an audit's points, a cluster across regions,
benchmarking and the peer finder."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Score
from assessments.services.runs import score_run_request
from regions.models import Region, RegionSet
from tests.factories import AnchorFactory, AuditFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = score_run_request(region_set=RegionSet.objects.get(slug="us-states"), year=2016)
    run.refresh_from_db()
    assert run.status == "succeeded"
    return run


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def figure_json(html, div_id):
    """The data and layout passed to Plotly.newPlot for ``div_id``."""
    match = re.search(r'Plotly\.newPlot\(\s*"' + div_id + r'",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo"', html, re.S)
    assert match, "no Plotly.newPlot call for " + div_id
    return json.loads(match.group(1)), json.loads(match.group(2))


def test_choropleth_maps_every_region_once_offline(member_client, run):
    codes = set(Region.objects.filter(region_sets__slug="us-states").values_list("code", flat=True))
    response = member_client.get(reverse("dashboard_choropleth", args=["us-states"]), {"indicator": "lq"})
    assert response.status_code == 200
    html = response.content.decode()
    data, layout = figure_json(html, "choropleth")
    assert data[0]["type"] == "choroplethmap"
    feature_ids = [f["id"] for f in data[0]["geojson"]["features"]]
    assert len(feature_ids) == len(set(feature_ids))
    assert set(feature_ids) <= codes
    assert len(data[0]["locations"]) == len(set(data[0]["locations"]))
    assert set(data[0]["locations"]) <= set(feature_ids)
    assert layout["map"]["style"] == "white-bg"
    assert "layers" not in layout["map"] or all("http" not in json.dumps(x) for x in layout["map"]["layers"])
    assert "http" not in json.dumps(data) and "http" not in json.dumps(layout)
    assert "cdn.plot.ly" not in html
    assert 'name="indicator"' in html and 'label class="form-label small fw-semibold" for="id_indicator"' in html


def test_choropleth_covers_every_region_with_a_value(member_client, run):
    response = member_client.get(reverse("dashboard_choropleth", args=["us-states"]), {"indicator": "employment"})
    data, _ = figure_json(response.content.decode(), "choropleth")
    with_boundary = set(
        Region.objects.filter(region_sets__slug="us-states", boundary__isnull=False).values_list("code", flat=True)
    )
    assert {f["id"] for f in data[0]["geojson"]["features"]} == with_boundary
    assert set(data[0]["locations"]) == with_boundary & set(data[0]["locations"])
    assert len(data[0]["locations"]) > 40


def test_choropleth_offers_methodology_indicators_and_names_unknown_choices(member_client, run):
    url = reverse("dashboard_choropleth", args=["us-states"])
    response = member_client.get(url, {"indicator": "nonsense", "cluster": "nope", "sort": "name"})
    assert response.status_code == 400
    assert response.context["errors"] == ["No cluster “nope” was scored in this run.", "Unknown indicator “nonsense”."]
    assert 'data-testid="form-errors"' in response.content.decode()
    keys = [key for key, _, _ in response.context["choices"]]
    assert keys[:4] == ["right_to_win", "want_to_win", "lq", "employment"]
    assert len(keys) > 4
    assert response.context["indicator"][0] == "right_to_win"
    names = [row["name"] for row in response.context["rows"]]
    assert names == sorted(names) and len(names) == 25


def test_choropleth_without_a_run_explains_who_can_score(member_client):
    response = member_client.get(reverse("dashboard_choropleth", args=["us-msas"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "administrators score region sets" in page and "manage.py" not in page


def test_choropleth_queries_do_not_grow_with_the_region_set(member_client, run):
    url = reverse("dashboard_choropleth", args=["us-states"])
    member_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url, {"indicator": "lq"})
    assert len(queries) <= 12
    assert response.status_code == 200 and response.context["indicator"][0] == "lq"
    data, _ = figure_json(response.content.decode(), "choropleth")
    assert len(data[0]["locations"]) == response.context["mapped_count"] > 40


def test_audit_points_page_and_tenancy(client, member, outsider, organisation, run):
    state = Region.objects.filter(region_sets__slug="us-states", boundary__isnull=False).first()
    audit = AuditFactory(
        organisation=organisation, region=state, region_set=RegionSet.objects.get(slug="us-states"), year=2016
    )
    AnchorFactory(audit=audit, name="State University", latitude=state.latitude, longitude=state.longitude)
    StakeholderFactory(audit=audit, name="Seed Fund", group="capital", latitude=state.latitude + 0.1,
                       longitude=state.longitude)  # fmt: skip
    StakeholderFactory(audit=audit, name="Nowhere Ltd")
    url = reverse("dashboard_audit_points", args=[audit.pk])
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) <= 12
    html = response.content.decode()
    data, layout = figure_json(html, "audit-points")
    assert {trace["type"] for trace in data} == {"scattermap"}
    assert layout["map"]["style"] == "white-bg"
    assert [layer["type"] for layer in layout["map"]["layers"]] == ["fill", "line"]
    assert "http" not in json.dumps(data) and "http" not in json.dumps(layout)
    assert "State University" in html and "Seed Fund" in html and "Nowhere Ltd" in html
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_cluster_across_regions_ranks_by_right_to_win(member_client, run):
    score = Score.objects.filter(run=run, cluster__kind="benchmark").select_related("cluster").first()
    response = member_client.get(reverse("dashboard_cluster_regions", args=[score.cluster_id, "us-states"]))
    assert response.status_code == 200
    values = [row["score"].right_to_win for row in response.context["rows"]]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=True)
    data, layout = figure_json(response.content.decode(), "cluster-lq")
    assert data[0]["type"] == "choroplethmap" and layout["map"]["style"] == "white-bg"


def _codes(n):
    return list(
        Region.objects.filter(region_sets__slug="us-states").order_by("code").values_list("code", flat=True)[:n]
    )


def test_benchmark_compares_regions(member_client, run):
    codes = _codes(3)
    url = reverse("dashboard_benchmark")
    member_client.get(url, {"region_set": "us-states", "regions": codes})
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url, {"region_set": "us-states", "regions": codes})
    assert response.status_code == 200
    assert len(queries) <= 12
    assert [r.code for r in response.context["selected"]] == codes
    data, _ = figure_json(response.content.decode(), "benchmark")
    assert len(data) == 3 and all(trace["type"] == "bar" for trace in data)
    averages = [row["average"] for row in response.context["table"]]
    assert averages == sorted(averages, reverse=True) and len(averages) <= 15


@pytest.mark.parametrize(
    "params, message",
    [
        ({"region_set": "us-states", "regions": ["ZZ", "YY"]}, "Not in"),
        ({"region_set": "us-states", "regions": ["__one__"]}, "at least 2"),
        ({"region_set": "us-states", "regions": ["__eleven__"]}, "at most 10"),
        ({"region_set": "atlantis", "regions": ["__one__"]}, "Unknown region set"),
    ],
)
def test_benchmark_validation(member_client, params, message):
    if params["regions"] == ["__one__"]:
        params["regions"] = _codes(1)
    elif params["regions"] == ["__eleven__"]:
        params["regions"] = _codes(11)
    response = member_client.get(reverse("dashboard_benchmark"), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_benchmark_form_without_choices(member_client):
    response = member_client.get(reverse("dashboard_benchmark"))
    assert response.status_code == 200
    assert 'name="regions"' in response.content.decode()


def test_peer_finder_proposes_similar_regions(member_client, run):
    code = _codes(1)[0]
    url = reverse("dashboard_peers")
    member_client.get(url, {"region_set": "us-states", "region": code})
    with CaptureQueriesContext(connection) as queries:
        response = member_client.get(url, {"region_set": "us-states", "region": code})
    assert response.status_code == 200
    assert len(queries) <= 12
    peers = response.context["peers"]
    assert len(peers) == 10
    assert code not in [row["region"].code for row in peers]
    similarities = [row["similarity"] for row in peers]
    assert similarities == sorted(similarities, reverse=True)
    assert all(0 <= s <= 1.000001 for s in similarities)
    assert f"regions={code}" in response.content.decode()


def test_peer_finder_rejects_unknown_region(member_client):
    response = member_client.get(reverse("dashboard_peers"), {"region_set": "us-states", "region": "ZZ"})
    assert response.status_code == 400
    assert "is not a region of" in response.content.decode()


def test_pages_need_sign_in(client):
    assert client.get(reverse("dashboard_choropleth", args=["us-states"])).status_code == 302
