"""Trends over the years where the statistics have them: the cluster page's series and the dashboard's growth."""

import pytest
from django.urls import reverse

from assessments.models import Score
from assessments.services.runs import score_run_request
from clusters.models import ClusterDefinition
from regions.models import EconomicObservation, Region, RegionSet
from regions.selectors import employment_over_years

pytestmark = pytest.mark.django_db


def test_uk_clusters_have_four_years_of_employment_summed_over_their_codes():
    west_midlands = Region.objects.get(scheme="nuts2", code="UKG3")
    fintech = ClusterDefinition.objects.get(slug="fintech", organisation=None)
    trend = employment_over_years(west_midlands, fintech)
    assert [year for year, _ in trend] == [2015, 2016, 2017, 2018]
    expected_2018 = sum(
        EconomicObservation.objects.public()
        .filter(region=west_midlands, year=2018, industry_id__in=fintech.member_code_ids())
        .values_list("employment", flat=True)
    )
    assert trend[-1][1] == pytest.approx(expected_2018) and expected_2018 > 0
    proftech = ClusterDefinition.objects.get(slug="proftech", organisation=None)
    assert employment_over_years(west_midlands, proftech)[-1][1] > trend[-1][1]  # the union of its components


def test_us_clusters_have_one_year_of_cluster_mapping_statistics():
    massachusetts = Region.objects.get(scheme="us-state", code="25")
    biopharma = ClusterDefinition.objects.get(kind="benchmark", code="5")
    trend = employment_over_years(massachusetts, biopharma)
    assert len(trend) == 1 and trend[0][0] == 2016 and trend[0][1] > 0


def test_the_pages_show_the_trend_and_the_growth(client, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = score_run_request(region_set=RegionSet.objects.get(slug="uk-nuts2"), year=2018)
    west_midlands = Region.objects.get(scheme="nuts2", code="UKG3")
    score = Score.objects.get(run=run, region=west_midlands, cluster__slug="fintech")
    client.force_login(member)
    page = client.get(reverse("dashboard_score", args=[score.pk])).content.decode()
    assert 'id="trend-chart"' in page and "2015" in page and "2018" in page
    dashboard = client.get(reverse("dashboard_region", args=[west_midlands.pk, "uk-nuts2"])).content.decode()
    assert "Growth" in dashboard and ("▲ +" in dashboard or "▼ " in dashboard)
