"""Dashboard URL patterns (urls_maps); included by dashboards/urls.py."""

from django.urls import path

from dashboards import maps

urlpatterns = [
    path("dashboards/maps/audits/<int:pk>/", maps.audit_points, name="dashboard_audit_points"),
    path("dashboards/maps/<slug:region_set_slug>/", maps.choropleth, name="dashboard_choropleth"),
    path(
        "dashboards/clusters/<int:cluster_pk>/<slug:region_set_slug>/",
        maps.cluster_regions,
        name="dashboard_cluster_regions",
    ),
    path("dashboards/benchmark/", maps.benchmark, name="dashboard_benchmark"),
    path("dashboards/benchmark/peers/", maps.peers, name="dashboard_peers"),
]
