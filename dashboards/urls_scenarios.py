"""Dashboard URL patterns (urls_scenarios); included by dashboards/urls.py."""

urlpatterns = []
