"""Dashboard URL patterns (urls_maps); included by dashboards/urls.py."""

urlpatterns = []
