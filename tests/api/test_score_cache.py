"""The scores list's page cache: a repeated page reads no score table, and a page is never stale or another
organisation's."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments import score_cache
from audits import services as audit_services
from regions.models import Region
from tests.api.conftest import _scores, _succeeded_run

pytestmark = pytest.mark.django_db

URL = "/api/v1/scores/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.API_SCORES_CACHE_SECONDS = 600


def _score_queries(captured):
    return [query["sql"] for query in captured if "assessments_score" in query["sql"]]


def _rows(response):
    return response.json()["results"]


def _current_score_ids(world):
    """The scores a tenant's listing shows by default: the public run's and its own audit run's."""
    return set(world["public"].scores.values_list("pk", flat=True)) | set(
        world["mine"].run.scores.values_list("pk", flat=True)
    )


def test_a_repeated_page_comes_from_the_cache_without_reading_scores(world, api):
    mine = world["mine"]
    client = api(mine.read_key)
    first = client.get(URL, {"ordering": "-right_to_win"})
    assert first.status_code == 200
    rows = _rows(first)
    assert {row["id"] for row in rows} == _current_score_ids(world)
    assert [row["right_to_win"] for row in rows] == sorted((row["right_to_win"] for row in rows), reverse=True)
    with CaptureQueriesContext(connection) as captured:
        second = client.get(URL, {"ordering": "-right_to_win"})
    assert second.status_code == 200 and second["Content-Type"] == "application/json"
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert _score_queries(captured) == []
    assert client.get(URL, {"ordering": "-right_to_win"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_an_organisation_never_gets_another_organisations_cached_page(world, api):
    mine, theirs = world["mine"], world["theirs"]
    mine_page = api(mine.read_key).get(URL)
    their_page = api(theirs.read_key).get(URL)
    assert mine.run.pk in {row["run"] for row in _rows(mine_page)}
    their_runs = {row["run"] for row in _rows(their_page)}
    assert mine.run.pk not in their_runs and theirs.run.pk in their_runs


def _stale(world):
    audit_services.audit_changed(audit=world["mine"].audit)
    return lambda rows: all(row["stale"] for row in rows if row["run"] == world["mine"].run.pk)


def _deleted(world):
    run = world["mine"].run
    run.delete()
    return lambda rows: run.pk not in {row["run"] for row in rows}


def _newer(world):
    public = world["public"]
    newer = _succeeded_run(region_set=public.region_set, year=2016, methodology=public.methodology)
    _scores(newer, world["mine"].audit.region, world["clusters"], base=10.0)
    return lambda rows: newer.pk in {row["run"] for row in rows} and public.pk not in {row["run"] for row in rows}


def _region_renamed(world):
    region = world["mine"].audit.region
    region.name = "Commonwealth of Massachusetts"
    region.save()
    return lambda rows: "Commonwealth of Massachusetts" in {row["region"]["name"] for row in rows}


def _methodology_renamed(world):
    methodology = world["public"].methodology
    methodology.name = "Renamed method"
    methodology.save()
    return lambda rows: {row["methodology"]["name"] for row in rows} == {"Renamed method"}


@pytest.mark.parametrize("change", [_stale, _deleted, _newer, _region_renamed, _methodology_renamed])
def test_a_change_to_what_a_page_shows_is_seen_at_once(world, api, change):
    client = api(world["mine"].read_key)
    before = client.get(URL)
    check = change(world)
    after = client.get(URL)
    assert after.content != before.content and after["ETag"] != before["ETag"]
    assert check(_rows(after))


def test_reloaded_reference_data_starts_a_new_generation(world):
    from regions.signals import reference_data_changed

    before = score_cache.generation()
    reference_data_changed.send(sender=Region, slugs=["bls-qcew"])
    assert score_cache.generation() != before


def test_the_generation_changes_again_when_the_change_commits(django_capture_on_commit_callbacks):
    """A reader that fetched rows before the commit filed them under the in-transaction generation; the commit
    moves past it, so those rows are never served."""
    start = score_cache.generation()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        score_cache.scores_changed()
        during = score_cache.generation()
    assert len({start, during, score_cache.generation()}) == 3


def test_a_lost_generation_never_meets_old_pages(world, api):
    client = api(world["mine"].read_key)
    client.get(URL)
    key = score_cache.page_key(organisation_id=world["mine"].organisation.pk, url="u", media_type="m")
    cache.delete(score_cache.GENERATION_KEY)  # evicted, or the cache restarted
    assert score_cache.page_key(organisation_id=world["mine"].organisation.pk, url="u", media_type="m") != key


def test_with_the_cache_off_every_page_is_read_and_still_carries_an_etag(world, api, settings):
    settings.API_SCORES_CACHE_SECONDS = 0
    client = api(world["mine"].read_key)
    first = client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        second = client.get(URL)
    assert first.status_code == second.status_code == 200
    assert {row["id"] for row in _rows(second)} == _current_score_ids(world)
    assert _score_queries(captured) and second.content == first.content
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_other_media_types_are_not_cached_as_json(world, api):
    client = api(world["mine"].read_key)
    client.get(URL)
    csv_response = client.get(URL, {"format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    html = client.get(URL, HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
