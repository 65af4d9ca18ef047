"""Endpoints of the audits API: audits and their records. Thin: scope to the caller's organisation, validate,
call a service.

Every queryset starts from ``visible_to(request.organisation)``: another organisation's audit or record is a 404,
never a 403, so ids reveal nothing.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from anchors.models import AnchorInstitution
from assessments.api.serializers import RunSerializer
from assessments.services import ScoringError
from audits import services
from audits.api import serializers as api
from audits.api.filters import AssetFilter, AuditFilter
from audits.models import Audit, AuditCluster, PriorityFramework
from core.api.authentication import actor_label
from core.api.errors import Conflict
from core.api.mixins import OrganisationMixin
from core.api.throttling import CallerRateThrottle, ScoringRateThrottle
from core.models import StaleEdit
from stakeholders.models import Partnership, Stakeholder


def _check_editable(audit):
    if not audit.is_editable:
        raise Conflict(audit.not_editable_reason)


@extend_schema(tags=["audits"])
class AuditViewSet(
    OrganisationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Your organisation's audits; the detail includes candidate clusters, anchors, stakeholders and
    partnerships. New audits start as drafts; approved audits are read-only (409)."""

    filterset_class = AuditFilter
    ordering_fields = ["year", "title", "updated_at", "id"]

    def get_serializer_class(self):
        return api.AuditDetailSerializer if self.action == "retrieve" else api.AuditSerializer

    def get_queryset(self):
        audits = Audit.objects.visible_to(self.organisation).select_related("region", "region_set")
        if self.action == "retrieve":
            audits = audits.prefetch_related(
                "candidate_clusters__cluster",
                "anchors__clusters",
                "stakeholders__clusters",
                "partnerships",
            )
        return audits.order_by("-year", "title", "pk")

    def perform_create(self, serializer):
        organisation = self.require_organisation()
        serializer.save(organisation=organisation, created_by=self.acting_user)

    def perform_update(self, serializer):
        _check_editable(serializer.instance)
        with transaction.atomic():
            serializer.instance._history_user = self.acting_user
            serializer.instance._change_reason = f"API ({actor_label(self.request)})"
            audit = serializer.save()
            services.audit_changed(audit=audit)

    @extend_schema(
        request=None,
        responses={
            202: RunSerializer,
        },
    )
    @action(detail=True, methods=["post"], throttle_classes=[CallerRateThrottle, ScoringRateThrottle])
    def score(self, request, pk=None):
        """Ask for the audit to be scored. Idempotent: while nothing has changed, repeating the request returns
        the same run (queued, running or finished). Answers 202 with the run; poll its ``url``."""
        audit = self.get_object()
        try:
            run, created = services.audit_score(audit=audit, user=self.acting_user, trigger="api")
        except ScoringError as error:
            raise Conflict(str(error)) from error
        data = RunSerializer(run, context=self.get_serializer_context()).data
        data["created"] = created
        # ``url`` is a DRF Hyperlink (a str subclass); WSGI servers accept header values of type str only.
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": str(data["url"])})


class AuditAssetViewSet(OrganisationMixin, viewsets.ModelViewSet):
    """Records of your organisation's audits, written through the audit editor's own forms.

    Send the ``revision`` you read with an update: if someone saved the record since, the update is a 409 and
    nothing is written. Changing a record moves its audit's version on (its earlier scores become stale).
    """

    model = None
    filterset_class = AssetFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return self.model.objects.visible_to(self.organisation).select_related("audit").order_by("pk")

    def _save(self, serializer, expected_revision=None):
        _check_editable(serializer.audit)
        try:
            record = services.audit_record_save(
                form=serializer.form,
                user=self.acting_user,
                expected_revision=expected_revision,
                reason=f"API ({actor_label(self.request)})",
            )
        except StaleEdit as error:
            stored = type(serializer.instance).objects.get(pk=serializer.instance.pk).revision
            raise Conflict(f"{error} Read it again (it is at revision {stored}) and resend your change.") from error
        serializer.instance = record

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        expected = serializer.validated_data.get("revision")
        self._save(serializer, expected_revision=expected)

    def perform_destroy(self, instance):
        _check_editable(instance.audit)
        services.audit_record_delete(record=instance, audit=instance.audit, user=self.acting_user)


@extend_schema(tags=["audits"])
class AnchorViewSet(AuditAssetViewSet):
    """Anchor institutions of your audits (``?audit=<id>``)."""

    model = AnchorInstitution
    serializer_class = api.AnchorSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("clusters")


@extend_schema(tags=["audits"])
class StakeholderViewSet(AuditAssetViewSet):
    """Stakeholders of your audits in the five groups (``?audit=<id>``)."""

    model = Stakeholder
    serializer_class = api.StakeholderSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("clusters")


@extend_schema(tags=["audits"])
class PartnershipViewSet(AuditAssetViewSet):
    """Partnerships between the anchors and stakeholders of one audit (``?audit=<id>``)."""

    model = Partnership
    serializer_class = api.PartnershipSerializer


@extend_schema(tags=["audits"])
class CandidateClusterViewSet(AuditAssetViewSet):
    """Candidate clusters of your audits with their talent, innovation and investment inputs."""

    model = AuditCluster
    serializer_class = api.CandidateClusterSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("cluster")


@extend_schema(tags=["audits"])
class PriorityFrameworkViewSet(OrganisationMixin, viewsets.ModelViewSet):
    """Priority frameworks: the shipped ones (read-only, ``shipped: true``) and your organisation's own, each with
    its priorities (cluster, label, weight 0–1, source). Writing ``items`` replaces the priorities. A framework
    used by a submitted or approved audit cannot change (409); the audits that select one are marked changed."""

    serializer_class = api.PriorityFrameworkSerializer
    ordering_fields = ["name", "year", "id"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        frameworks = PriorityFramework.objects.visible_to(self.organisation)
        return frameworks.prefetch_related("items__cluster").order_by("name", "pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organisation": self.organisation}

    def get_object(self):
        framework = super().get_object()
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and framework.is_shipped:
            raise PermissionDenied(f"“{framework.name}” ships with the platform and is read-only.")
        return framework

    def _save(self, serializer):
        form, items = serializer.forms
        try:
            serializer.instance = services.priority_framework_save(form=form, items=items, user=self.acting_user)
        except services.FrameworkLocked as error:
            raise Conflict(str(error)) from error

    def perform_create(self, serializer):
        self.require_organisation()
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    def perform_destroy(self, instance):
        try:
            services.priority_framework_delete(framework=instance, user=self.acting_user)
        except services.FrameworkLocked as error:
            raise Conflict(str(error)) from error
