"""Audit URL patterns (urls_workflow); included by assessments/urls.py under the audits namespace."""

urlpatterns = []
