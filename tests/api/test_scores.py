"""Scores over the API: which runs, filters, ordering, pagination, ETags, CSV, explanations and history."""

import csv
import io

import pytest

from assessments.api import views
from assessments.models import Score
from tests.api.conftest import _scores, _succeeded_run

pytestmark = pytest.mark.django_db


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_it_lists_the_latest_public_and_own_scores_by_default(world, api):
    mine = world["mine"]
    response = api(mine.read_key).get("/api/v1/scores/")
    assert response.status_code == 200
    data = response.json()
    expected = Score.objects.filter(run__in=[world["public"], mine.run]).count()
    assert data["count"] == expected
    row = data["results"][0]
    assert {"region", "cluster", "right_to_win", "right_to_win_low", "want_to_win_high", "quadrant", "methodology",
            "region_set", "year", "rank", "coverage", "stale"} <= set(row)  # fmt: skip
    assert row["region"]["code"] and row["cluster"]["name"] and row["methodology"]["version"] == 1


def test_a_newer_run_replaces_an_older_one_of_the_same_subject(world, api):
    public = world["public"]
    newer = _succeeded_run(region_set=public.region_set, year=2016, methodology=public.methodology)
    _scores(newer, world["mine"].audit.region, world["clusters"], base=10.0)
    runs = {
        row["run"]
        for row in api(world["mine"].read_key)
        .get("/api/v1/scores/", {"region_set": "us-states", "audit": ""})
        .json()["results"]
    }
    assert public.pk not in runs and newer.pk in runs
    # The older run stays readable by id.
    older = api(world["mine"].read_key).get("/api/v1/scores/", {"run": public.pk}).json()
    assert older["count"] == public.scores.count()


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"region_code": "25"}, lambda r: r["region"]["code"] == "25"),
        ({"cluster_code": "5"}, lambda r: r["cluster"]["code"] == "5"),
        ({"quadrant": "lead"}, lambda r: r["quadrant"] == "lead"),
        ({"min_right_to_win": 61}, lambda r: r["right_to_win"] >= 61),
        ({"min_want_to_win": 59}, lambda r: r["want_to_win"] >= 59),
        ({"min_score": 55}, lambda r: min(r["right_to_win"], r["want_to_win"]) >= 55),
        ({"year": 2016}, lambda r: r["year"] == 2016),
        ({"methodology_version": 1}, lambda r: r["methodology"]["version"] == 1),
        ({"candidate": "true"}, lambda r: r["candidate"]),
    ],
)
def test_it_filters_scores(world, api, params, check):
    rows = api(world["mine"].read_key).get("/api/v1/scores/", params).json()["results"]
    assert rows and all(check(row) for row in rows)


def test_filters_reject_bad_values_with_field_errors(world, api):
    response = api(world["mine"].read_key).get("/api/v1/scores/", {"quadrant": "sideways", "year": "soon"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and {"quadrant", "year"} <= set(body["errors"])


def test_it_orders_and_paginates(world, api):
    key = world["mine"].read_key
    rows = api(key).get("/api/v1/scores/", {"ordering": "-right_to_win"}).json()["results"]
    values = [row["right_to_win"] for row in rows]
    assert values == sorted(values, reverse=True)
    first = api(key).get("/api/v1/scores/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = api(key).get(first["next"]).json()
    assert not set(_ids_of(first)) & set(_ids_of(second))


def _ids_of(page):
    return [row["id"] for row in page["results"]]


def test_scores_carry_an_etag_and_answer_304_when_unchanged(world, api):
    client = api(world["mine"].read_key)
    first = client.get("/api/v1/scores/")
    etag = first["ETag"]
    assert etag and "Authorization" in first["Vary"]
    again = client.get("/api/v1/scores/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    changed = client.get("/api/v1/scores/", {"quadrant": "lead"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    detail = client.get(f"/api/v1/scores/{world['mine'].score.pk}/")
    assert client.get(f"/api/v1/scores/{world['mine'].score.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304


def test_format_csv_streams_every_matching_row_formula_safe(world, api, monkeypatch):
    monkeypatch.setattr(views, "CSV_CHUNK_ROWS", 2)  # several chunks of scores, each with its runs
    mine = world["mine"]
    region = mine.audit.region
    region.name = "=HYPERLINK(evil)"  # a hostile name must not become a formula
    region.save()
    response = api(mine.read_key).get("/api/v1/scores/", {"format": "csv", "page_size": 1})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = Score.objects.filter(run__in=[world["public"], mine.run])
    assert sorted(int(row["id"]) for row in rows) == sorted(expected.values_list("pk", flat=True))  # not one page
    assert {"region_code", "cluster_name", "right_to_win", "methodology_version"} <= set(rows[0])
    assert {row["run"] for row in rows} == {str(world["public"].pk), str(mine.run.pk)}
    assert {row["region_name"] for row in rows if row["region_code"] == region.code} == {"'=HYPERLINK(evil)"}


def test_the_full_csv_has_its_own_rate_per_key_and_pages_of_json_do_not_spend_it(world, api, monkeypatch):
    from core.api.throttling import CallerRateThrottle

    monkeypatch.setitem(CallerRateThrottle.THROTTLE_RATES, "scores_csv", "2/min")
    mine = world["mine"]
    statuses = [api(mine.read_key).get("/api/v1/scores/", {"format": "csv"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = api(mine.read_key).get("/api/v1/scores/", {"format": "csv"})
    assert int(refused["Retry-After"]) > 0 and refused.json()["code"] == "throttled"
    assert api(mine.read_key).get("/api/v1/scores/").status_code == 200  # JSON pages keep the partner rate
    assert api(mine.write_key).get("/api/v1/scores/", {"format": "csv"}).status_code == 200  # another key


def test_a_score_explains_itself(world, api):
    score = world["mine"].score
    body = api(world["mine"].read_key).get(f"/api/v1/scores/{score.pk}/").json()
    assert body["indicators"]["lq"] == {"raw": 1.2, "normalised": 70.0}
    explanation = api(world["mine"].read_key).get(body["explanation_url"]).json()
    assert [axis["key"] for axis in explanation["axes"]] == ["right_to_win", "want_to_win"]
    lq = next(row for axis in explanation["axes"] for row in axis["indicators"] if row["indicator"] == "lq")
    assert lq["raw"] == 1.2 and lq["normalised"] == 70.0 and lq["weight"] > 0 and lq["contribution"] is not None
    missing = [row for axis in explanation["axes"] for row in axis["missing"]]
    assert missing and all(row["hint"] for row in missing)


def test_a_score_has_a_history_across_runs(world, api):
    mine = world["mine"]
    older_score = mine.score
    newer = _succeeded_run(
        organisation=mine.organisation, region_set=mine.run.region_set, year=2024, methodology=mine.run.methodology,
        audit=mine.audit, audit_version=mine.audit.version + 1,
    )  # fmt: skip
    _scores(newer, mine.audit.region, world["clusters"], base=70.0)
    history = api(mine.read_key).get(f"/api/v1/scores/{older_score.pk}/history/").json()["results"]
    assert [row["run"] for row in history] == [newer.pk, mine.run.pk]
    assert history[0]["right_to_win"] > history[1]["right_to_win"]
    # Another organisation's score has no history here (it is not found at all).
    assert api(mine.read_key).get(f"/api/v1/scores/{world['theirs'].score.pk}/history/").status_code == 404


def test_indicators_and_methodologies_describe_the_method(world, api):
    key = world["mine"].read_key
    indicators = api(key).get("/api/v1/indicators/").json()
    assert {"lq", "national_growth", "anchor_strength"} <= {row["key"] for row in indicators}
    for axis in ("right_to_win", "want_to_win"):
        assert sum(row["weight"] for row in indicators if row["axis"] == axis) == pytest.approx(1, abs=1e-4)
    methodologies = api(key).get("/api/v1/methodologies/").json()["results"]
    assert any(m["is_default"] for m in methodologies)
    assert api(key).get("/api/v1/indicators/", {"methodology": "x"}).status_code == 400
    assert api(key).get("/api/v1/indicators/", {"methodology": 999999}).status_code == 404


def test_reference_data_is_readable_with_any_key(world, api):
    key = world["theirs"].read_key
    sets = api(key).get("/api/v1/region-sets/").json()["results"]
    assert {"us-states", "us-msas", "uk-nuts2"} <= {s["slug"] for s in sets}
    regions = api(key).get("/api/v1/regions/", {"region_set": "us-states", "page_size": 100}).json()
    assert regions["count"] == 50
    clusters = api(key).get("/api/v1/clusters/", {"kind": "benchmark", "page_size": 100}).json()
    assert clusters["count"] == 67
    assert api(key).get("/api/v1/region-sets/us-states/").json()["region_count"] == 50


def test_a_bad_csv_request_still_gets_a_json_error(world, api):
    response = api(world["mine"].read_key).get("/api/v1/scores/", {"format": "csv", "quadrant": "sideways"})
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "quadrant" in response.json()["errors"] and "Content-Disposition" not in response
