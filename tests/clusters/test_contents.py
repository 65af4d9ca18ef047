"""A benchmark cluster's page shows what it contains: its industries and their national employment (issue 21
point 18), so a user can see that Biopharmaceuticals is mostly pharmaceutical manufacturing."""

import re

import pytest
from django.urls import reverse

from clusters.models import ClusterDefinition

pytestmark = pytest.mark.django_db


def cluster_page(client, user, name):
    client.force_login(user)
    cluster = ClusterDefinition.objects.get(name=name, organisation=None)
    return client.get(reverse("clusters:detail", args=[cluster.pk])).content.decode()


def test_it_shows_the_national_employment_of_each_industry_of_a_benchmark_cluster(client, member):
    page = cluster_page(client, member, "Biopharmaceuticals")

    assert "What the cluster contains" in page and "U.S. employment 2011" in page
    assert re.search(r"Pharmaceutical Preparation Manufacturing</td>\s*<td class=\"num\">91,290</td>", page)
    assert "146,326 jobs in the U.S., 2011" in page
    largest = page.split('data-testid="cluster-largest-industries"', 1)[1].split("</div>", 1)[0]
    assert "<strong>Pharmaceutical Preparation Manufacturing</strong> (62" in largest


def test_it_lists_the_industries_of_a_custom_cluster_without_national_employment(client, member):
    page = cluster_page(client, member, "PropTech")
    assert "What the cluster contains" in page and "Real estate agencies" in page
    assert "U.S. employment" not in page and "cluster-national-employment" not in page
