"""Dashboard URL patterns (urls_region); included by dashboards/urls.py."""

urlpatterns = []
