"""Dashboard URL patterns (urls_region); included by dashboards/urls.py."""

from django.urls import path

from dashboards import region

urlpatterns = [
    path("dashboards/audits/<int:pk>/", region.audit_dashboard, name="dashboard_audit"),
    path(
        "dashboards/regions/<int:region_pk>/<slug:region_set_slug>/",
        region.region_set_dashboard,
        name="dashboard_region",
    ),
    path("dashboards/scores/<int:score_pk>/", region.score_page, name="dashboard_score"),
]
