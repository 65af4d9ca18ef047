"""Scenario and methodology-editor pages. Paths and names are those the dashboards gave them (no namespace)."""

from django.urls import path

from assessments.views import methodologies, scenarios

urlpatterns = [
    path("dashboards/audits/<int:pk>/scenarios/", scenarios.scenario_list, name="dashboard_scenarios"),
    path(
        "dashboards/audits/<int:pk>/scenarios/validate/",
        scenarios.scenario_validate,
        name="dashboard_scenario_validate",
    ),
    path(
        "dashboards/audits/<int:pk>/scenarios/weights/", scenarios.scenario_weights, name="dashboard_scenario_weights"
    ),
    path("dashboards/scenarios/<int:pk>/rescore/", scenarios.scenario_rescore, name="dashboard_scenario_rescore"),
    path("dashboards/methodologies/", methodologies.methodology_list, name="dashboard_methodologies"),
    path(
        "dashboards/methodologies/<int:pk>/clone/",
        methodologies.methodology_clone,
        name="dashboard_methodology_clone",
    ),
    path("dashboards/methodologies/<int:pk>/edit/", methodologies.methodology_edit, name="dashboard_methodology_edit"),
    path(
        "dashboards/methodologies/<int:pk>/validate/",
        methodologies.methodology_validate,
        name="dashboard_methodology_validate",
    ),
]
