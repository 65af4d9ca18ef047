"""Serializers of the audits API: audits and their records. Fields are explicit; server-set fields are read-only.

Audit records are written through the same Django forms the audit editor and the spreadsheet import use
(:class:`FormBackedSerializer`), so the browser, the import and the API apply one set of rules.
"""

from django.forms.models import model_to_dict
from rest_framework import serializers
from rest_framework.reverse import reverse

from anchors.forms import AnchorInstitutionForm
from anchors.models import AnchorInstitution
from audits.forms import (
    ITEM_DEFAULTS,
    AuditClusterForm,
    AuditCreateForm,
    PriorityFrameworkForm,
    priority_framework_forms,
)
from audits.models import Audit, AuditCluster, PriorityFramework, PriorityItem
from clusters.models import ClusterDefinition
from core.api.errors import form_errors
from regions.models import Region, RegionSet
from stakeholders.forms import PartnershipForm, StakeholderForm
from stakeholders.models import Partnership, Stakeholder


class FormBackedSerializer(serializers.ModelSerializer):
    """A serializer whose writes are validated and saved by the Django form the audit editor uses.

    The serializer's fields describe the resource (and the OpenAPI schema); ``validate`` hands the request's
    values to ``form_class`` — merged over the stored ones for a partial update — and turns its errors into
    the API's field errors. ``self.form`` is then ready for :func:`audits.services.audit_record_save`.
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


class PriorityItemSerializer(serializers.ModelSerializer):
    cluster = serializers.IntegerField(source="cluster_id", help_text="A cluster id (public or your organisation's).")
    cluster_name = serializers.CharField(source="cluster.name", read_only=True)

    class Meta:
        model = PriorityItem
        fields = ["cluster", "cluster_name", "label", "weight", "source", "source_url"]


class PriorityFrameworkSerializer(serializers.ModelSerializer):
    """A priority framework with its priorities. Writes go through the browser's forms
    (:func:`audits.forms.priority_framework_forms`); ``items`` replaces the stored priorities."""

    url = serializers.HyperlinkedIdentityField(view_name="api:priority-framework-detail")
    shipped = serializers.BooleanField(source="is_shipped", read_only=True)
    items = PriorityItemSerializer(many=True, required=False)

    class Meta:
        model = PriorityFramework
        fields = ["id", "url", "slug", "name", "publisher", "year", "source_url", "shipped", "items", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["slug", "created_at", "updated_at"]

    def validate(self, attrs):
        instance = self.instance
        data = {name: attrs.get(name, getattr(instance, name, None)) for name in PriorityFrameworkForm._meta.fields}
        data = {name: "" if value is None else value for name, value in data.items()}
        if "items" in attrs:
            items = [{**item, "cluster": item.get("cluster_id")} for item in attrs["items"]]
        elif instance is not None:
            items = list(instance.items.values(*ITEM_DEFAULTS))
        else:
            items = []
        form, formset = priority_framework_forms(
            organisation=self.context["organisation"], instance=instance, data=data, items=items
        )
        errors = dict(form_errors(form).detail) if not form.is_valid() else {}
        if not formset.is_valid():
            stored = len(formset.initial_forms)
            item_errors = [dict(f.errors) for f in formset.forms[stored:]]
            if any(item_errors):
                errors["items"] = item_errors
            if formset.non_form_errors():
                errors.setdefault("non_field_errors", []).extend(formset.non_form_errors())
        if errors:
            raise serializers.ValidationError(errors)
        self.forms = form, formset
        return attrs
