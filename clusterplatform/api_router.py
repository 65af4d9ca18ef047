"""The one API router: every resource of v1 under /api/v1/, the OpenAPI schema and its documentation pages."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from assessments.api import views as assessments
from audits.api import views as audits
from clusters.api import ClusterViewSet
from core.api.docs import RedocView, redoc_bundle
from core.api.errors import json_not_found
from core.api.views import PingView
from integrations.api import WebhookViewSet
from regions.api import RegionSetViewSet, RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("region-sets", RegionSetViewSet, basename="region-set")
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("methodologies", assessments.MethodologyViewSet, basename="methodology")
router.register("indicators", assessments.IndicatorViewSet, basename="indicator")
router.register("scores", assessments.ScoreViewSet, basename="score")
router.register("runs", assessments.RunViewSet, basename="run")
router.register("audits", audits.AuditViewSet, basename="audit")
router.register("candidate-clusters", audits.CandidateClusterViewSet, basename="candidate-cluster")
router.register("anchors", audits.AnchorViewSet, basename="anchor")
router.register("stakeholders", audits.StakeholderViewSet, basename="stakeholder")
router.register("partnerships", audits.PartnershipViewSet, basename="partnership")
router.register("priority-frameworks", audits.PriorityFrameworkViewSet, basename="priority-framework")
router.register("scenarios", assessments.ScenarioViewSet, basename="scenario")
router.register("webhooks", WebhookViewSet, basename="webhook")

# The schema and the docs describe the API, not anyone's data, so they are public (a partner reads them
# before it has a key); no page loads anything from outside the site (drf-spectacular-sidecar).
docs = {"permission_classes": [AllowAny], "authentication_classes": []}


urlpatterns = [
    path("v1/ping/", PingView.as_view(), name="ping"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(**docs), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **docs), name="docs"),
    path("docs/redoc/", RedocView.as_view(url_name="api:schema", **docs), name="redoc"),
    path("docs/redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    # Anything else under /api/ is the API's JSON 404, with DEBUG on too (Django's debug 404 page would answer
    # instead of handler404, listing every URL pattern).
    re_path(r"^.*$", json_not_found, name="not-found"),
]
