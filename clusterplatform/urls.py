"""URL wiring only: each app owns its own patterns."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("core.urls")),
    path("regions/", include("regions.urls")),
    path("clusters/", include("clusters.urls")),
    path("audits/", include("assessments.urls")),
    path("", include("dashboards.urls")),
]
