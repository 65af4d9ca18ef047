from django.urls import path

from dashboards import urls_maps, urls_region, urls_scenarios, views

urlpatterns = [
    path("", views.home, name="home"),
    # Region and cluster dashboards, maps and benchmarking, scenarios and the methodology editor (names start
    # with "dashboard_": this URLconf has no namespace because "home" is used site-wide).
    *urls_region.urlpatterns,
    *urls_maps.urlpatterns,
    *urls_scenarios.urlpatterns,
]
