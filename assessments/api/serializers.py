"""Serializers of the scoring API: methodologies, runs, scores and scenarios. Fields are explicit; server-set
fields are read-only.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from assessments.models import Methodology, Scenario, Score, ScoreRun
from assessments.selectors import SCORE_SOURCES, score_source
from audits.api.serializers import ScopedAuditField
from clusters.api import ClusterRefSerializer
from regions.api import RegionRefSerializer
from scoring.methodology import AXES

# --- Methodologies and indicators --------------------------------------------------------------------------


class MethodologyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Methodology
        fields = ["id", "name", "version"]


class MethodologySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    private = serializers.SerializerMethodField()

    class Meta:
        model = Methodology
        fields = ["id", "name", "version", "description", "is_default", "private", "parent", "created_at", "spec"]

    def get_private(self, methodology) -> bool:
        return methodology.organisation_id is not None


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    axis = serializers.ChoiceField(choices=list(AXES))
    group = serializers.CharField()
    weight = serializers.FloatField(help_text="Nominal share of the axis (group share × share within the group).")
    direction = serializers.CharField(required=False, help_text="'positive' when more is better.")
    description = serializers.CharField(required=False, allow_blank=True)


# --- Runs ----------------------------------------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:run-detail")
    region_set = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    methodology = MethodologyRefSerializer(read_only=True)
    scores_url = serializers.SerializerMethodField()
    seconds = serializers.SerializerMethodField()

    class Meta:
        model = ScoreRun
        fields = [
            "id", "url", "status", "progress", "region_set", "year", "methodology", "audit", "audit_version",
            "scenario", "is_stale", "trigger", "attempts", "created_at", "started_at", "finished_at", "seconds",
            "error", "scores_url",
        ]  # fmt: skip

    def get_scores_url(self, run) -> str:
        return reverse("api:score-list", request=self.context.get("request")) + f"?run={run.pk}"

    def get_seconds(self, run) -> float | None:
        return round(run.duration.total_seconds(), 3) if run.duration else None


# --- Scores --------------------------------------------------------------------------------------------------


class ScoreSerializer(serializers.ModelSerializer):
    """One region × cluster result. Axes are 0–100 with their 90% intervals; rank is the region's best first."""

    region = RegionRefSerializer(read_only=True)
    cluster = ClusterRefSerializer(read_only=True)
    region_set = serializers.SerializerMethodField()
    year = serializers.SerializerMethodField()
    methodology = serializers.SerializerMethodField()
    audit = serializers.SerializerMethodField()
    scenario = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    stale = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = [
            "id", "run", "source", "region_set", "year", "methodology", "audit", "scenario", "stale", "region",
            "cluster",
            "candidate", "right_to_win", "right_to_win_low", "right_to_win_high", "want_to_win", "want_to_win_low",
            "want_to_win_high", "quadrant", "quadrant_stability", "rank", "rank_low", "rank_high", "strategy",
            "coverage", "employment", "establishments", "lq", "strong", "strong10", "significant", "qualifying",
            "relatedness_density", "shift_share_competitive",
        ]  # fmt: skip

    def _run(self, score):
        runs = self.context.get("runs") or {}
        return runs.get(score.run_id) or score.run

    def get_region_set(self, score) -> str:
        return self._run(score).region_set.slug

    def get_year(self, score) -> int:
        return self._run(score).year

    @extend_schema_field(MethodologyRefSerializer)
    def get_methodology(self, score):
        methodology = self._run(score).methodology
        return {"id": methodology.pk, "name": methodology.name, "version": methodology.version}

    def get_audit(self, score) -> int | None:
        return self._run(score).audit_id

    def get_scenario(self, score) -> int | None:
        return self._run(score).scenario_id

    @extend_schema_field(serializers.ChoiceField(choices=SCORE_SOURCES))
    def get_source(self, score):
        """``public`` (a region set's run from public statistics) or ``audit`` (one of your audits' runs)."""
        return score_source(self._run(score))

    def get_stale(self, score) -> bool:
        """True when the audit changed after this score was computed."""
        return self._run(score).is_stale


class IndicatorValueSerializer(serializers.Serializer):
    raw = serializers.FloatField(allow_null=True)
    normalised = serializers.FloatField(allow_null=True)


class ScoreDetailSerializer(ScoreSerializer):
    indicators = serializers.SerializerMethodField()
    explanation_url = serializers.SerializerMethodField()
    history_url = serializers.SerializerMethodField()

    class Meta(ScoreSerializer.Meta):
        fields = [*ScoreSerializer.Meta.fields, "indicators", "explanation_url", "history_url"]

    @extend_schema_field(serializers.DictField(child=IndicatorValueSerializer()))
    def get_indicators(self, score):
        return {key: {"raw": v[0], "normalised": v[1]} for key, v in (score.indicators or {}).items()}

    def get_explanation_url(self, score) -> str:
        return reverse("api:score-explanation", args=[score.pk], request=self.context.get("request"))

    def get_history_url(self, score) -> str:
        return reverse("api:score-history", args=[score.pk], request=self.context.get("request"))


class ExplanationRowSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField()
    group_label = serializers.CharField()
    raw = serializers.FloatField(allow_null=True)
    normalised = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField(help_text="Nominal share of the axis.")
    applied_weight = serializers.FloatField(help_text="Share after renormalising over indicators with data.")
    contribution = serializers.FloatField(allow_null=True, help_text="Points of the axis score from this indicator.")
    driver = serializers.CharField(help_text="'up', 'down' or empty.")


class MissingRowSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.FloatField()
    hint = serializers.CharField(help_text="The input that would add this indicator.")


class ExplanationAxisSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(allow_null=True)
    indicators = ExplanationRowSerializer(many=True, source="rows")
    missing = MissingRowSerializer(many=True)


class ExplanationSerializer(serializers.Serializer):
    score = serializers.IntegerField(source="score.pk")
    quadrant = serializers.CharField(source="score.quadrant")
    strategy = serializers.CharField()
    summary = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    axes = ExplanationAxisSerializer(many=True)


class ScoreHistorySerializer(serializers.ModelSerializer):
    """The same region and cluster in another run of the same subject (region set, or audit)."""

    finished_at = serializers.DateTimeField(source="run.finished_at")
    year = serializers.IntegerField(source="run.year")
    methodology = MethodologyRefSerializer(source="run.methodology")
    audit_version = serializers.IntegerField(source="run.audit_version", allow_null=True)
    stale = serializers.BooleanField(source="run.is_stale")

    class Meta:
        model = Score
        fields = [
            "id", "run", "finished_at", "year", "methodology", "audit_version", "stale", "right_to_win",
            "right_to_win_low", "right_to_win_high", "want_to_win", "want_to_win_low", "want_to_win_high",
            "quadrant", "rank", "coverage",
        ]  # fmt: skip


# --- Scenarios ---------------------------------------------------------------------------------------------


class ScenarioSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:scenario-detail")
    audit = ScopedAuditField()
    methodology = serializers.PrimaryKeyRelatedField(
        queryset=Methodology.objects.none(), required=False, allow_null=True
    )
    overrides = serializers.JSONField(
        help_text=(
            "What changes: {'add_anchors': [{name, anchor_type, staff, clusters: [cluster code], latitude, "
            "longitude}], 'add_jobs': [{cluster: code, jobs: whole number}], "
            "'weights': {'<axis>.<group>' or '<indicator>': weight}}. Clusters must be the audit's candidates."
        )
    )
    latest_run = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = ["id", "url", "audit", "name", "description", "overrides", "methodology", "created_at", "latest_run"]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["methodology"].queryset = Methodology.objects.visible_to(getattr(request, "organisation", None))
        return fields

    @extend_schema_field(RunSerializer(allow_null=True))
    def get_latest_run(self, scenario):
        run = scenario.runs.order_by("-created_at", "-pk").first()
        return RunSerializer(run, context=self.context).data if run else None
