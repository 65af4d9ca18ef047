"""The API's documentation pages (Swagger UI and Redoc), served with everything they load from this site.

drf-spectacular-sidecar ships both UIs' files, so no page loads a script or a style from a CDN; the one thing left
was the Redocly logo that the Redoc bundle itself fetches from ``cdn.redoc.ly``. ``redoc_bundle`` serves the
sidecar's bundle with that address pointing at a copy of the logo in ``static/vendor/redoc/``.
"""

import functools
import re

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_CDN = re.compile(r"https://cdn\.redoc\.ly/[^\"'\s)]*")
LOGO = "vendor/redoc/logo-mini.svg"


@functools.cache
def _redoc_bundle(logo_url):
    with open(finders.find(REDOC_BUNDLE), encoding="utf-8") as bundle:
        return REDOC_CDN.sub(logo_url, bundle.read()).encode()


@require_GET
def redoc_bundle(request):
    """Redoc's standalone bundle, its CDN logo replaced by the site's own copy (read once per process)."""
    response = HttpResponse(_redoc_bundle(static(LOGO)), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


class RedocView(SpectacularRedocView):
    """Redoc from the site's own bundle, with a content-security policy that keeps the page on this site."""

    @staticmethod
    def _redoc_standalone():
        return reverse("api:redoc-bundle")

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
        )
        return response
