"""Dashboard URL patterns (urls_scenarios): what-if scenarios and the methodology editor."""

from django.urls import path

from dashboards import scenarios

urlpatterns = [
    path("dashboards/audits/<int:pk>/scenarios/", scenarios.scenario_list, name="dashboard_scenarios"),
    path(
        "dashboards/audits/<int:pk>/scenarios/validate/",
        scenarios.scenario_validate,
        name="dashboard_scenario_validate",
    ),
    path("dashboards/scenarios/<int:pk>/", scenarios.scenario_detail, name="dashboard_scenario"),
    path("dashboards/scenarios/<int:pk>/rescore/", scenarios.scenario_rescore, name="dashboard_scenario_rescore"),
    path("dashboards/methodologies/", scenarios.methodology_list, name="dashboard_methodologies"),
    path("dashboards/methodologies/<int:pk>/clone/", scenarios.methodology_clone, name="dashboard_methodology_clone"),
    path("dashboards/methodologies/<int:pk>/edit/", scenarios.methodology_edit, name="dashboard_methodology_edit"),
    path(
        "dashboards/methodologies/<int:pk>/validate/",
        scenarios.methodology_validate,
        name="dashboard_methodology_validate",
    ),
]
