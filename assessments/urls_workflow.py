"""Audit URL patterns (urls_workflow); included by assessments/urls.py under the audits namespace."""

from django.urls import path

from assessments import workflow_views

urlpatterns = [
    path("<int:pk>/submit/", workflow_views.audit_submit, name="submit"),
    path("<int:pk>/approve/", workflow_views.audit_approve, name="approve"),
    path("<int:pk>/return/", workflow_views.audit_return, name="return"),
    path("<int:pk>/new-version/", workflow_views.audit_new_version, name="new_version"),
    path("<int:pk>/copy-to-year/", workflow_views.audit_copy_to_year, name="copy_to_year"),
    path("<int:pk>/lineage/", workflow_views.audit_lineage, name="lineage"),
    path("<int:pk>/compare/<int:other_pk>/", workflow_views.audit_compare, name="compare"),
]
