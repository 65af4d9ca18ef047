"""Endpoints of the assessments API. Thin: scope to the caller's organisation, validate, call a service.

Every queryset starts from ``visible_to(request.organisation)``: another organisation's audit, run, scenario
or score is a 404, never a 403, so ids reveal nothing.
"""

import itertools

from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from assessments import score_cache, selectors
from assessments.api import serializers as api
from assessments.api.filters import RunFilter, ScenarioFilter, ScoreFilter
from assessments.models import Methodology, Scenario, Score, ScoreRun
from assessments.services import methodologies
from assessments.services.scenarios import ScenarioError, scenario_create, scenario_score
from core.api.errors import Conflict
from core.api.mixins import ETagMixin, OrganisationMixin
from core.api.renderers import CSVRenderer, stream_csv
from core.api.throttling import CallerRateThrottle, ScoresCSVThrottle, ScoringRateThrottle
from scoring.methodology import MethodologyError, indicator_table, validate_spec

# A CSV download is one file, not pages; beyond this many rows, narrow the filter. It streams, this many at a time.
CSV_MAX_ROWS = 100_000
CSV_CHUNK_ROWS = 2_000


# --- Methodologies and indicators --------------------------------------------------------------------------


def indicator_rows(spec):
    return [
        {
            "key": key,
            "label": entry.get("label", key),
            "axis": axis,
            "group": group,
            "weight": round(weight, 6),
            "direction": entry.get("direction", "positive"),
            "description": entry.get("description", ""),
        }
        for axis, group, key, weight, entry in indicator_table(validate_spec(spec))
    ]


@extend_schema(tags=["methodologies"])
class MethodologyViewSet(OrganisationMixin, viewsets.ReadOnlyModelViewSet):
    """Methodologies: the shipped default and the caller's organisation's own versions."""

    serializer_class = api.MethodologySerializer
    filterset_fields = ["name", "is_default"]
    ordering_fields = ["name", "version", "created_at"]

    def get_queryset(self):
        return Methodology.objects.visible_to(self.organisation).order_by("name", "-version", "pk")

    @extend_schema(responses={200: api.IndicatorSerializer(many=True)})
    @action(detail=True, pagination_class=None, filter_backends=[])
    def indicators(self, request, pk=None):
        """This methodology's indicators with their axis, group and nominal weight."""
        methodology = self.get_object()
        return Response(api.IndicatorSerializer(indicator_rows(methodology.spec), many=True).data)


@extend_schema(tags=["methodologies"])
class IndicatorViewSet(OrganisationMixin, viewsets.ViewSet):
    """The indicators scores are built from (the default methodology's, or ``?methodology=<id>``'s)."""

    @extend_schema(
        parameters=[OpenApiParameter("methodology", OpenApiTypes.INT, description="A methodology's id.")],
        responses={200: api.IndicatorSerializer(many=True)},
    )
    def list(self, request):
        chosen = request.query_params.get("methodology")
        if chosen:
            if not chosen.isdigit():
                raise exceptions.ValidationError({"methodology": ["Give a methodology's id (a whole number)."]})
            methodology = Methodology.objects.visible_to(self.organisation).filter(pk=int(chosen)).first()
            if methodology is None:
                raise exceptions.NotFound("No such methodology.")
        else:
            methodology = methodologies.methodology_default()
        try:
            rows = indicator_rows(methodology.spec)
        except MethodologyError as error:
            raise Conflict(f"The methodology is not valid: {error}") from error
        return Response(api.IndicatorSerializer(rows, many=True).data)


# --- Scores ----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        description=(
            "Scores of the latest succeeded run of every subject you can see (public region-set runs and your "
            "organisation's audits), or of the runs the filters choose. `?format=csv` returns every matching "
            f"row (up to {CSV_MAX_ROWS:,}) as CSV. Responses carry an `ETag`; send it back in `If-None-Match` to "
            "get `304 Not Modified` when nothing changed."
        ),
        responses=api.ScoreSerializer(many=True),
    ),
    retrieve=extend_schema(responses=api.ScoreDetailSerializer),
)
@extend_schema(tags=["scores"])
class ScoreViewSet(ETagMixin, OrganisationMixin, viewsets.ReadOnlyModelViewSet):
    """Region × cluster scores: both axes with intervals, quadrant, rank, strategy and headline statistics."""

    filterset_class = ScoreFilter
    ordering_fields = [
        "id", "right_to_win", "want_to_win", "rank", "employment", "lq", "coverage", "quadrant_stability",
        "region__name", "cluster__name",
    ]  # fmt: skip
    ordering = ["id"]

    def get_renderers(self):
        """CSV for the list (one file of every matching row); detail, explanation and history stay JSON."""
        renderers = super().get_renderers()
        return [*renderers, CSVRenderer()] if self.action == "list" else renderers

    def get_serializer_class(self):
        return api.ScoreDetailSerializer if self.action == "retrieve" else api.ScoreSerializer

    def get_throttles(self):
        """The full CSV has its own, much lower rate per key or user (``API_RATE_SCORES_CSV``)."""
        renderer = getattr(self.request, "accepted_renderer", None)
        if self.action == "list" and renderer is not None and renderer.format == "csv":
            return [*super().get_throttles(), ScoresCSVThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        if self.action == "list":
            # The filterset limits a listing to runs this caller can see (``current_score_runs`` reads through
            # ``visible_to``), as a list of ids: cheaper than joining the runs table again here.
            return Score.objects.select_related("region", "cluster").defer(
                "indicators", "explanation", "region__boundary"
            )
        visible = ScoreRun.objects.visible_to(self.organisation)
        return Score.objects.filter(run__in=visible).select_related(
            "region", "cluster", "run", "run__region_set", "run__methodology"
        )

    def list(self, request, *args, **kwargs):
        """A page of scores. JSON pages are kept rendered in the shared cache until the scores under them change
        (``assessments.score_cache``): a repeated request costs no query, no serialising and no rendering."""
        renderer = request.accepted_renderer
        key = renderer.format == "json" and score_cache.page_key(
            organisation_id=getattr(self.organisation, "pk", None),
            url=request.build_absolute_uri(),
            media_type=request.accepted_media_type,
        )
        if key and (cached := score_cache.get_page(key)) is not None:
            return self._page_response(cached)
        queryset = self.filter_queryset(self.get_queryset())
        if renderer.format == "csv":
            return self._csv_response(queryset)
        response = self.get_paginated_response(self._results(self.paginate_queryset(queryset), runs={}))
        if not key:
            return response
        content = renderer.render(response.data, request.accepted_media_type, self.get_renderer_context())
        return self._page_response(
            score_cache.store_page(key, content=content, content_type=request.accepted_media_type)
        )

    def _results(self, scores, *, runs):
        """Serialised scores. ``runs`` maps run ids to the runs they come from; missing ones are read and added."""
        missing = {score.run_id for score in scores} - runs.keys()
        if missing:
            runs.update(
                ScoreRun.objects.select_related("region_set", "methodology")
                .only("audit", "scenario", "is_stale", "year", "region_set__slug", "methodology__name",
                      "methodology__version")
                .in_bulk(missing)
            )  # fmt: skip
        context = {**self.get_serializer_context(), "runs": runs}
        return self.get_serializer(scores, many=True, context=context).data

    @staticmethod
    def _page_response(page):
        response = HttpResponse(page.content, content_type=page.content_type)
        response["ETag"] = page.etag
        return response

    def _csv_response(self, queryset):
        """Every matching row as one CSV file, streamed: scores are read and written a chunk at a time."""
        if queryset.count() > CSV_MAX_ROWS:
            raise exceptions.ValidationError(
                {"format": [f"More than {CSV_MAX_ROWS:,} rows match; narrow the filters for a CSV download."]}
            )

        def results():
            runs, scores = {}, queryset.iterator(chunk_size=CSV_CHUNK_ROWS)
            while chunk := list(itertools.islice(scores, CSV_CHUNK_ROWS)):
                yield from self._results(chunk, runs=runs)

        return StreamingHttpResponse(stream_csv(results()), content_type="text/csv; charset=utf-8")

    def handle_exception(self, exc):
        """Errors keep the API's JSON body even when CSV was asked for."""
        response = super().handle_exception(exc)
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "csv":
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = 'attachment; filename="scores.csv"'
        return response

    @extend_schema(responses={200: api.ExplanationSerializer})
    @action(detail=True, filter_backends=[])
    def explanation(self, request, pk=None):
        """Why this score: every indicator's raw and normalised value, weight and contribution per axis, the
        drivers up and down, missing inputs and what would add them, and the strategy's reasons."""
        score = self.get_object()
        return Response(api.ExplanationSerializer(selectors.score_explanation(score=score)).data)

    @extend_schema(responses={200: api.ScoreHistorySerializer(many=True)})
    @action(detail=True, filter_backends=[])
    def history(self, request, pk=None):
        """This region and cluster in every succeeded run of the same region set or audit, newest first."""
        score = self.get_object()
        rows = selectors.score_history(score=score, organisation=self.organisation)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(api.ScoreHistorySerializer(page, many=True).data)


# --- Runs --------------------------------------------------------------------------------------------------


@extend_schema(tags=["runs"])
class RunViewSet(OrganisationMixin, viewsets.ReadOnlyModelViewSet):
    """Score runs: public region-set runs and your organisation's. Poll a run's URL until it has finished."""

    serializer_class = api.RunSerializer
    filterset_class = RunFilter
    ordering_fields = ["created_at", "finished_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return ScoreRun.objects.visible_to(self.organisation).select_related("region_set", "methodology")


# --- Scenarios ---------------------------------------------------------------------------------------------


@extend_schema(tags=["scenarios"])
class ScenarioViewSet(
    OrganisationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """What-if scenarios of your audits. Creating one validates its overrides and queues its run (and the
    audit's baseline run if it has none); poll ``latest_run.url``."""

    serializer_class = api.ScenarioSerializer
    filterset_class = ScenarioFilter
    ordering_fields = ["created_at", "name", "id"]
    ordering = ["-created_at", "-id"]

    def get_throttles(self):
        if self.action == "create":
            return [CallerRateThrottle(), ScoringRateThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        return Scenario.objects.visible_to(self.organisation).select_related("audit")

    @extend_schema(responses={201: api.ScenarioSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                scenario = scenario_create(
                    audit=data["audit"],
                    name=data["name"],
                    overrides=data["overrides"],
                    methodology=data.get("methodology"),
                    description=data.get("description", ""),
                    user=self.acting_user,
                )
                scenario_score(scenario=scenario, user=self.acting_user)
        except ScenarioError as error:
            raise exceptions.ValidationError({"overrides": [str(error)]}) from error
        body = self.get_serializer(scenario).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})
