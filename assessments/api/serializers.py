"""Serializers of the assessments API. Fields are explicit; server-set fields are read-only.

Audit assets are written through the same Django forms the audit editor and the spreadsheet import use
(:class:`FormBackedSerializer`), so the browser, the import and the API apply one set of rules.
"""

from django.forms.models import model_to_dict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from anchors.forms import AnchorInstitutionForm
from anchors.models import AnchorInstitution
from assessments.forms import AuditClusterForm, AuditCreateForm
from assessments.models import Audit, AuditCluster, Methodology, Scenario, Score, ScoreRun
from clusters.api import ClusterRefSerializer
from clusters.models import ClusterDefinition
from regions.api import RegionRefSerializer
from regions.models import Region, RegionSet
from scoring.methodology import AXES
from stakeholders.forms import PartnershipForm, StakeholderForm
from stakeholders.models import Partnership, Stakeholder

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
    stale = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = [
            "id", "run", "region_set", "year", "methodology", "audit", "scenario", "stale", "region", "cluster",
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


# --- Audits and their assets -------------------------------------------------------------------------------


def form_errors(form):
    """A Django form's errors as the API's field errors (whole-form ones under ``non_field_errors``)."""
    return serializers.ValidationError(
        {
            ("non_field_errors" if name == "__all__" else name): [m["message"] for m in messages]
            for name, messages in form.errors.get_json_data().items()
        }
    )


class FormBackedSerializer(serializers.ModelSerializer):
    """A serializer whose writes are validated and saved by the Django form the audit editor uses.

    The serializer's fields describe the resource (and the OpenAPI schema); ``validate`` hands the request's
    values to ``form_class`` — merged over the stored ones for a partial update — and turns its errors into
    the API's field errors. ``self.form`` is then ready for :func:`assessments.services.audit_record_save`.
    """

    form_class = None
    revision = serializers.IntegerField(
        required=False, help_text="Send the revision you read: a newer stored one makes the update a 409."
    )

    def form_data(self, attrs):
        """Form data from the stored record (on update) overlaid with the request's values."""
        data = {}
        if self.instance is not None:
            names = list(self.form_class._meta.fields)
            stored = model_to_dict(self.instance, fields=names)
            data.update({k: v for k, v in stored.items() if v is not None})
            for name, value in list(data.items()):
                if isinstance(value, list) and value and hasattr(value[0], "pk"):
                    data[name] = [item.pk for item in value]
        for name, value in attrs.items():
            if name == "revision":
                continue
            if isinstance(value, list) and value and hasattr(value[0], "pk"):
                value = [item.pk for item in value]
            elif hasattr(value, "pk"):
                value = value.pk
            data[name] = value
        return data

    def validate(self, attrs):
        audit = self.instance.audit if self.instance is not None else attrs.get("audit")
        if audit is None:
            raise serializers.ValidationError({"audit": ["This field is required."]})
        self.audit = audit
        data = self.form_data(attrs)
        for name, value in data.items():
            if isinstance(value, list) and name == "evidence":
                data[name] = "\n".join(value)
        self.form = self.form_class(data, instance=self.instance, audit=audit)
        if not self.form.is_valid():
            raise form_errors(self.form)
        return attrs


def _scoped_audits(serializer):
    """The audits the caller's organisation owns (another organisation's audit id is 'does not exist')."""
    request = serializer.context["request"]
    return Audit.objects.visible_to(getattr(request, "organisation", None))


class ScopedAuditField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _scoped_audits(self.parent)


class ScopedClusterField(serializers.PrimaryKeyRelatedField):
    """Public clusters and the caller's organisation's own."""

    def get_queryset(self):
        request = self.context["request"]
        return ClusterDefinition.objects.visible_to(getattr(request, "organisation", None))


class AnchorSerializer(FormBackedSerializer):
    form_class = AnchorInstitutionForm
    audit = ScopedAuditField()
    clusters = ScopedClusterField(many=True, required=False)
    evidence = serializers.ListField(child=serializers.URLField(), required=False)

    class Meta:
        model = AnchorInstitution
        fields = ["id", "audit", "revision", *AnchorInstitutionForm._meta.fields, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class StakeholderSerializer(FormBackedSerializer):
    form_class = StakeholderForm
    audit = ScopedAuditField()
    clusters = ScopedClusterField(many=True, required=False)

    class Meta:
        model = Stakeholder
        fields = ["id", "audit", "revision", *StakeholderForm._meta.fields, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class PartnershipSerializer(FormBackedSerializer):
    """A partnership between two parties of the same audit: give one of ``from_anchor``/``from_stakeholder``
    and one of ``to_anchor``/``to_stakeholder``."""

    form_class = PartnershipForm
    audit = ScopedAuditField()

    class Meta:
        model = Partnership
        fields = [
            "id", "audit", "revision", "from_anchor", "from_stakeholder", "to_anchor", "to_stakeholder", "kind",
            "strength", "started_on", "description", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        # Parties are checked against the audit by the form; ids that are not this organisation's are refused.
        for name in ("from_anchor", "from_stakeholder", "to_anchor", "to_stakeholder"):
            fields[name] = serializers.IntegerField(required=False, allow_null=True, source=f"{name}_id")
        return fields

    def form_data(self, attrs):
        sides = {}
        for side, prefix in (("source", "from"), ("target", "to")):
            anchor = attrs.get(f"{prefix}_anchor_id")
            stakeholder = attrs.get(f"{prefix}_stakeholder_id")
            given = f"{prefix}_anchor_id" in attrs or f"{prefix}_stakeholder_id" in attrs
            if self.instance is not None and not given:
                anchor = getattr(self.instance, f"{prefix}_anchor_id")
                stakeholder = getattr(self.instance, f"{prefix}_stakeholder_id")
            if anchor and stakeholder:
                raise serializers.ValidationError(
                    {f"{prefix}_anchor": [f"Give {prefix}_anchor or {prefix}_stakeholder, not both."]}
                )
            sides[side] = f"a:{anchor}" if anchor else f"s:{stakeholder}" if stakeholder else ""
        rest = {k: v for k, v in attrs.items() if not k.endswith(("_anchor_id", "_stakeholder_id"))}
        data = super().form_data(rest)
        data.update(sides)
        return data


class CandidateClusterSerializer(FormBackedSerializer):
    """A candidate cluster of an audit with its talent, innovation and investment inputs.

    ``investment_growth`` is a fraction (0.12 for +12%); the cluster is fixed once the candidate exists.
    """

    form_class = AuditClusterForm
    audit = ScopedAuditField()
    cluster = ScopedClusterField()

    class Meta:
        model = AuditCluster
        fields = [
            "id", "audit", "revision", "cluster", "relevant_graduates", "patents", "research_spend",
            "investment_amount", "investment_deals", "investment_growth", "notes",
        ]  # fmt: skip

    def form_data(self, attrs):
        data = super().form_data(attrs)
        if data.get("investment_growth") is not None:
            data["investment_growth"] = float(data["investment_growth"]) * 100  # the form takes percent
        if self.instance is not None:
            data.pop("cluster", None)
        return data

    def validate(self, attrs):
        if self.instance is not None and "cluster" in attrs and attrs["cluster"].pk != self.instance.cluster_id:
            raise serializers.ValidationError({"cluster": ["A candidate's cluster cannot change; add another."]})
        return super().validate(attrs)


class AuditSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:audit-detail")
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.defer("boundary"))
    region_set = serializers.SlugRelatedField(slug_field="slug", queryset=RegionSet.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    score_url = serializers.SerializerMethodField()

    class Meta:
        model = Audit
        fields = [
            "id", "url", "title", "region", "region_name", "region_set", "year", "summary", "status", "version",
            "previous", "created_at", "updated_at", "submitted_at", "approved_at", "score_url",
        ]  # fmt: skip
        read_only_fields = ["status", "version", "previous", "created_at", "updated_at", "submitted_at", "approved_at"]

    def get_score_url(self, audit) -> str:
        return reverse("api:audit-score", args=[audit.pk], request=self.context.get("request"))

    def validate(self, attrs):
        """New audits are checked by the form the browser uses (year range, region in its set)."""
        if self.instance is None or {"region", "region_set", "year"} & set(attrs):
            merged = {
                "title": attrs.get("title", getattr(self.instance, "title", "")),
                "region_set": getattr(attrs.get("region_set", getattr(self.instance, "region_set", None)), "pk", None),
                "region": getattr(attrs.get("region", getattr(self.instance, "region", None)), "pk", None),
                "year": attrs.get("year", getattr(self.instance, "year", None)),
            }
            form = AuditCreateForm(merged, instance=self.instance)
            if not form.is_valid():
                raise form_errors(form)
        return attrs


class AuditDetailSerializer(AuditSerializer):
    candidate_clusters = CandidateClusterSerializer(many=True, read_only=True)
    anchors = AnchorSerializer(many=True, read_only=True)
    stakeholders = StakeholderSerializer(many=True, read_only=True)
    partnerships = PartnershipSerializer(many=True, read_only=True)
    runs_url = serializers.SerializerMethodField()

    class Meta(AuditSerializer.Meta):
        fields = [*AuditSerializer.Meta.fields, "runs_url", "candidate_clusters", "anchors", "stakeholders",
                  "partnerships"]  # fmt: skip

    def get_runs_url(self, audit) -> str:
        return reverse("api:run-list", request=self.context.get("request")) + f"?audit={audit.pk}"


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
