"""Audit URL patterns (urls_imports); included by assessments/urls.py under the audits namespace."""

urlpatterns = []
