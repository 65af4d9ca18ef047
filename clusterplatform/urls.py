"""URL wiring only: each app owns its own patterns."""

from django.contrib import admin
from django.urls import include, path
from django.views.defaults import page_not_found, server_error

from core.api.errors import json_not_found, json_server_error
from core.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("api/", include(("clusterplatform.api_router", "api"))),
    path("accounts/", include("core.urls")),
    path("accounts/organisation/", include("integrations.urls")),
    path("regions/", include("regions.urls")),
    path("clusters/", include("clusters.urls")),
    path("audits/", include("audits.urls")),
    path("", include("assessments.urls")),
    path("", include("dashboards.urls")),
]


def handler404(request, exception=None):
    """Unknown URLs under /api/ answer in the API's error shape; the site's pages keep Django's 404 page."""
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def handler500(request):
    return json_server_error(request) if request.path.startswith("/api/") else server_error(request)
