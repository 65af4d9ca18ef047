"""Audit URL patterns (urls_edit); included by assessments/urls.py under the audits namespace."""

urlpatterns = []
