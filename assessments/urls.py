from django.urls import path

from assessments import urls_edit, urls_imports, urls_workflow, views

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("<int:pk>/", views.audit_detail, name="detail"),
    path("<int:pk>/score/", views.audit_score, name="score"),
    path("<int:pk>/runs/<int:run_id>/status/", views.score_run_status, name="run_status"),
    path("<int:pk>/scores/<int:score_id>/explain/", views.score_explain, name="score_explain"),
    # Editing and the guided flow, spreadsheet imports, and the review workflow each keep their own patterns.
    *urls_edit.urlpatterns,
    *urls_imports.urlpatterns,
    *urls_workflow.urlpatterns,
]
