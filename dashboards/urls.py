"""The dashboards' pages. No namespace: "home" is used site-wide and the other names start with "dashboard_".

The scenario form and the methodology editor (writes) are ``assessments.urls``, under the same ``dashboards/``
paths.
"""

from django.urls import path

from dashboards.views import home, maps, region, scenarios

urlpatterns = [
    path("", home.home, name="home"),
    path("dashboards/audits/<int:pk>/", region.audit_dashboard, name="dashboard_audit"),
    path(
        "dashboards/regions/<int:region_pk>/<slug:region_set_slug>/",
        region.region_set_dashboard,
        name="dashboard_region",
    ),
    path("dashboards/scores/<int:score_pk>/", region.score_page, name="dashboard_score"),
    path("dashboards/maps/audits/<int:pk>/", maps.audit_points, name="dashboard_audit_points"),
    path("dashboards/maps/<slug:region_set_slug>/", maps.choropleth, name="dashboard_choropleth"),
    path(
        "dashboards/clusters/<int:cluster_pk>/<slug:region_set_slug>/",
        maps.cluster_regions,
        name="dashboard_cluster_regions",
    ),
    path("dashboards/benchmark/", maps.benchmark, name="dashboard_benchmark"),
    path("dashboards/maps/<slug:region_set_slug>/score/", maps.region_set_score, name="dashboard_region_set_score"),
    path("dashboards/benchmark/peers/", maps.peers, name="dashboard_peers"),
    path("dashboards/scenarios/<int:pk>/", scenarios.scenario_detail, name="dashboard_scenario"),
]
