"""Trends over the years where the statistics have them: the cluster page's series and the dashboard's growth."""

import json
import re

import pytest
from django.template.defaultfilters import floatformat
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


def _figure_data(html, div_id):
    match = re.search(r'Plotly\.newPlot\(\s*"' + div_id + r'",\s*(\[.*?\]),\s*\{', html, re.S)
    assert match, "no Plotly.newPlot call for " + div_id
    return json.loads(match.group(1))


def _row_of(html, href):
    """The table row that links to ``href``."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if f'href="{href}"' in row]
    assert len(rows) == 1, href
    return rows[0]


def test_the_cluster_page_charts_the_clusters_employment_by_year(client, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = score_run_request(region_set=RegionSet.objects.get(slug="uk-nuts2"), year=2018)
    west_midlands = Region.objects.get(scheme="nuts2", code="UKG3")
    score = Score.objects.get(run=run, region=west_midlands, cluster__slug="fintech")
    trend = employment_over_years(west_midlands, score.cluster)
    client.force_login(member)
    response = client.get(reverse("dashboard_score", args=[score.pk]))
    assert response.status_code == 200
    (line,) = _figure_data(response.content.decode(), "trend-chart")
    assert line["x"] == [2015, 2016, 2017, 2018]
    assert line["y"] == pytest.approx([value for _, value in trend])


def test_the_region_dashboard_shows_each_clusters_growth_in_its_row(client, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = score_run_request(region_set=RegionSet.objects.get(slug="uk-nuts2"), year=2018)
    west_midlands = Region.objects.get(scheme="nuts2", code="UKG3")
    fintech = Score.objects.get(run=run, region=west_midlands, cluster__slug="fintech")
    growth = fintech.indicators["cagr"][0] * 100
    client.force_login(member)
    response = client.get(reverse("dashboard_region", args=[west_midlands.pk, "uk-nuts2"]))
    assert response.status_code == 200
    shown = next(s for s in response.context["dashboard"].charted if s.pk == fintech.pk)
    assert shown.growth_percent == pytest.approx(growth)
    arrow = "▲ +" if growth >= 0 else "▼ "
    row = _row_of(response.content.decode(), reverse("dashboard_score", args=[fintech.pk]))
    assert f"{arrow}{floatformat(growth, 1)}%" in row
