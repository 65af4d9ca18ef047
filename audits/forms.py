"""Forms of the audit editor: a new audit, candidate clusters and their inputs, cluster organisations and the
market inputs. Anchors, stakeholders and partnerships use the shared forms in ``anchors.forms`` and
``stakeholders.forms``; every record form builds on the same ``AuditAssetForm``, so the browser, the import and
the API apply one set of rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from audits.models import Audit, AuditCluster, MarketForecast, PriorityFramework, PriorityItem, TrendRating
from clusters.models import ClusterDefinition, ClusterOrganisation, MemberType
from core.forms_base import ModelIdField
from regions.models import Region, RegionSet

TREND_THEMES = ("productivity", "open data", "sustainability", "inclusion", "wellness")


class AuditAssetForm(forms.ModelForm):
    """A ModelForm for a record of ``audit``; ``clusters`` choices are the clusters its organisation may use."""

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.instance.audit = audit  # model validation (e.g. a partnership's parties) needs it
        if "clusters" in self.fields:
            self.fields["clusters"].queryset = ClusterDefinition.objects.filter(
                organisation__isnull=True
            ) | ClusterDefinition.objects.filter(organisation=audit.organisation)
            self.fields["clusters"].required = False
            # Read only when the field is drawn (imports and the API validate against the queryset alone).
            self.fields["clusters"].choices = lambda: grouped_cluster_choices(self.fields["clusters"].queryset, audit)
        for name in ("latitude", "longitude"):
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("step", "any")

    def clean_latitude(self):
        value = self.cleaned_data.get("latitude")
        if value is not None and not -90 <= value <= 90:
            raise ValidationError("Latitude must be between -90 and 90.")
        return value

    def clean_longitude(self):
        value = self.cleaned_data.get("longitude")
        if value is not None and not -180 <= value <= 180:
            raise ValidationError("Longitude must be between -180 and 180.")
        return value

    def clean(self):
        cleaned = super().clean()
        if ("latitude" in cleaned) and (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            raise ValidationError("Give both latitude and longitude, or neither.")
        return cleaned


def cluster_choices(audit):
    """The clusters ``audit`` may take as candidates: public ones and its organisation's own, in the peer group's
    classification (a U.S. metro is not offered the UK SIC clusters)."""
    clusters = ClusterDefinition.objects.filter(Q(organisation__isnull=True) | Q(organisation=audit.organisation))
    if audit.region_set.classification_id:
        clusters = clusters.filter(classification_id=audit.region_set.classification_id)
    return clusters


def candidate_clusters(audit):
    """The clusters already chosen as candidates of ``audit``, by name."""
    return ClusterDefinition.objects.filter(pk__in=AuditCluster.objects.filter(audit=audit).values("cluster"))


def grouped_cluster_choices(clusters, audit):
    """``clusters`` as select choices by name, the audit's candidate clusters first in a group of their own."""
    candidate_ids = set(AuditCluster.objects.filter(audit=audit).values_list("cluster_id", flat=True))
    rows = clusters.order_by("name").values_list("pk", "name")
    candidates = [row for row in rows if row[0] in candidate_ids]
    others = [row for row in rows if row[0] not in candidate_ids]
    if not candidates:
        return others
    return [("Candidate clusters of this audit", candidates), ("Other clusters", others)]


class AuditCreateForm(forms.ModelForm):
    """A new draft audit: title, peer group, a region of that group, and the year.

    ``query`` narrows the region choices (the page's region search); ``enable_region_refresh`` makes the region
    set's select refresh the region choices with htmx.
    """

    region_set = ModelIdField(queryset=RegionSet.objects.order_by("name"), help_text="The peer group for scoring.")
    region = ModelIdField(queryset=Region.objects.none(), help_text="A region of the chosen region set.")

    class Meta:
        model = Audit
        fields = ["title", "region_set", "region", "year"]

    def __init__(self, *args, region_set=None, query="", **kwargs):
        super().__init__(*args, **kwargs)
        self.query = query
        chosen = region_set or self.data.get("region_set") or self.initial.get("region_set")
        regions = Region.objects.defer("boundary").order_by("name")
        chosen = chosen if str(getattr(chosen, "pk", chosen) or "").isdigit() else None
        self.fields["region"].queryset = regions.filter(region_sets=chosen) if chosen else regions.none()
        if query:
            self.fields["region"].queryset = self.fields["region"].queryset.filter(
                Q(name__icontains=query) | Q(code__icontains=query)
            )
        if not self.initial.get("year"):
            self.initial["year"] = timezone.now().year
        self.fields["year"].widget.attrs.update(min=1990, max=2100)

    def enable_region_refresh(self, url):
        """Empty labels that say what to do, and the region set's select refreshing the regions (htmx)."""
        self.fields["region_set"].empty_label = "Choose a region set…"
        has_regions = self.fields["region"].queryset.exists()
        self.fields["region"].empty_label = "Choose a region…" if has_regions else "Choose a region set first…"
        self.fields["region_set"].widget.attrs.update(
            {"hx-get": url, "hx-trigger": "change", "hx-target": "#id_region", "hx-include": "[name=region_q]"}
        )

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 1990 <= year <= 2100:
            raise ValidationError("Give a year between 1990 and 2100.")
        return year

    def clean(self):
        cleaned = super().clean()
        region, region_set = cleaned.get("region"), cleaned.get("region_set")
        if region and region_set and not region_set.regions.filter(pk=region.pk).exists():
            self.add_error("region", f"{region.name} is not in {region_set.name}.")
        return cleaned


class RegionSearchForm(forms.Form):
    """The new-audit page's query string: a region set, a region search and the title and year to keep."""

    region_set = ModelIdField(queryset=RegionSet.objects.all(), required=False)
    region_q = forms.CharField(required=False, max_length=100, strip=True)
    title = forms.CharField(required=False, max_length=200)
    year = forms.IntegerField(required=False, min_value=1990, max_value=2100)

    def regions(self, *, limit):
        """Up to ``limit`` regions of the chosen set (every region without one) matching the search, by name."""
        regions = Region.objects.defer("boundary").order_by("name")
        if self.cleaned_data.get("region_set"):
            regions = regions.filter(region_sets=self.cleaned_data["region_set"])
        query = self.cleaned_data.get("region_q")
        if query:
            regions = regions.filter(Q(name__icontains=query) | Q(code__icontains=query))
        return list(regions.only("pk", "name", "code")[:limit])


class AuditClusterForm(AuditAssetForm):
    """A candidate cluster and its talent, innovation and investment inputs.

    The cluster is chosen when the candidate is added (public clusters and the organisation's own, not yet a
    candidate) and fixed afterwards; investment growth is entered as a percentage.
    """

    investment_growth = forms.FloatField(
        required=False, label="Investment growth (%)", help_text="Year-on-year change in percent, e.g. 12 for +12%."
    )

    class Meta:
        model = AuditCluster
        fields = ["cluster", "relevant_graduates", "patents", "research_spend", "investment_amount",
                  "investment_deals", "investment_growth", "notes"]  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, audit=audit, **kwargs)
        if self.instance.pk:
            del self.fields["cluster"]
            if self.instance.investment_growth is not None:
                self.initial["investment_growth"] = round(self.instance.investment_growth * 100, 4)
        else:
            taken = AuditCluster.objects.filter(audit=audit).values("cluster")
            self.fields["cluster"].queryset = cluster_choices(audit).exclude(pk__in=taken).order_by("name")

    def clean_investment_growth(self):
        value = self.cleaned_data.get("investment_growth")
        if value is None:
            return None
        if not -100 <= value <= 1000:
            raise ValidationError("Give a change between -100% and +1000%.")
        return value / 100


class ClusterOrganisationForm(AuditAssetForm):
    """The body that runs a cluster, with the governance facts its maturity is judged on."""

    member_types = forms.MultipleChoiceField(
        choices=MemberType.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="The stakeholder groups among its members.",
    )  # fmt: skip

    class Meta:
        model = ClusterOrganisation
        fields = ["name", "website", "clusters", "founded_year", "members_count", "member_types", "management_fte",
                  "has_board", "has_ceo", "annual_budget", "budget_currency", "funding_model", "formal_legal_entity",
                  "annual_reporting", "regions_spanned", "cross_border", "notes"]  # fmt: skip
        labels = {"members_count": "Members", "management_fte": "Management FTE", "has_board": "Has a board",
                  "has_ceo": "Has a CEO", "formal_legal_entity": "Formal legal entity",
                  "annual_reporting": "Publishes an annual report",
                  "cross_border": "Members across borders"}  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, audit=audit, **kwargs)
        currency = audit.defaults.currency
        self.fields["budget_currency"].required = False
        self.fields["budget_currency"].help_text = f"Three letters; blank means {currency}."
        if not self.instance.pk:
            self.initial["budget_currency"] = currency  # not the model's default

    def clean_budget_currency(self):
        value = (self.cleaned_data.get("budget_currency") or self.audit.defaults.currency).upper()
        if len(value) != 3 or not value.isalpha():
            raise ValidationError(f"Give a three-letter currency code, e.g. {self.audit.defaults.currency}.")
        return value

    def clean_regions_spanned(self):
        value = self.cleaned_data.get("regions_spanned")
        if not value:
            raise ValidationError("A cluster organisation spans at least one region.")
        return value


class _CandidateClusterForm(AuditAssetForm):
    """A market input for one of the audit's candidate clusters."""

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, audit=audit, **kwargs)
        self.fields["cluster"].queryset = candidate_clusters(audit).order_by("name")
        self.fields["cluster"].help_text = "One of the audit's candidate clusters."


class MarketForecastForm(_CandidateClusterForm):
    """A sourced forecast: a target value, or where the source states only a rate, the annual growth (in %)."""

    growth_rate = forms.FloatField(
        required=False, label="Stated growth (% a year)", help_text="Only when the source gives no target value."
    )

    class Meta:
        model = MarketForecast
        fields = ["cluster", "metric", "unit", "base_year", "base_value", "target_year", "target_value",
                  "growth_rate", "source", "source_url"]  # fmt: skip

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, audit=audit, **kwargs)
        unit = audit.defaults.forecast_unit
        self.fields["unit"].required = False
        self.fields["unit"].help_text = f"e.g. {unit} or jobs; blank means {unit}."
        if not self.instance.pk:
            self.initial["unit"] = unit  # not the model's default
        if self.instance.pk and self.instance.growth_rate is not None:
            self.initial["growth_rate"] = round(self.instance.growth_rate * 100, 4)

    def clean_unit(self):
        return (self.cleaned_data.get("unit") or "").strip() or self.audit.defaults.forecast_unit

    def clean_growth_rate(self):
        value = self.cleaned_data.get("growth_rate")
        if value is None:
            return None
        if not -50 <= value <= 100:
            raise ValidationError("Give a rate between -50% and 100% a year.")
        return value / 100

    def clean(self):
        cleaned = super().clean()
        base, target = cleaned.get("base_year"), cleaned.get("target_year")
        if base and target and target <= base:
            self.add_error("target_year", "The target year comes after the base year.")
        if cleaned.get("target_value") is None and cleaned.get("growth_rate") is None:
            raise ValidationError("Give a target value, or the annual growth rate the source states.")
        return cleaned


class TrendRatingForm(_CandidateClusterForm):
    """An expert rating (1–5) of a candidate cluster against a trend theme, with its evidence."""

    class Meta:
        model = TrendRating
        fields = ["cluster", "theme", "rating", "evidence"]
        widgets = {
            "rating": forms.Select(choices=[(i, f"{i} of 5") for i in range(1, 6)]),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, audit=audit, **kwargs)
        self.fields["theme"].widget.attrs["list"] = "trend-themes"

    def clean_theme(self):
        return " ".join((self.cleaned_data.get("theme") or "").split()).lower()

    def clean(self):
        # The audit is not a form field, so ModelForm leaves the (audit, cluster, theme) constraint to us.
        cleaned = super().clean()
        if cleaned.get("cluster") and cleaned.get("theme"):
            clash = TrendRating.objects.filter(audit=self.audit, cluster=cleaned["cluster"], theme=cleaned["theme"])
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("theme", f"{cleaned['cluster']} is already rated on {cleaned['theme']}.")
        return cleaned


def _audit_changed_message(saved):
    return f"The audit changed since you opened this page; {saved}. Your input is kept below: save again to replace it."


class PriorityFrameworksForm(forms.Form):
    """The priority frameworks an audit aligns with: public ones and the organisation's own.

    ``version`` carries the audit version the editor was shown, so a change someone else saved meanwhile is a
    conflict rather than silently overwritten.
    """

    frameworks = forms.ModelMultipleChoiceField(
        queryset=PriorityFramework.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.fields["frameworks"].queryset = PriorityFramework.objects.filter(
            Q(organisation__isnull=True) | Q(organisation=audit.organisation)
        ).order_by("name")
        self.initial.setdefault("frameworks", sorted(audit.priority_frameworks.values_list("pk", flat=True)))
        self.initial.setdefault("version", audit.version)

    def conflict(self, audit):
        """Say what is saved now and carry the current version, keeping the user's choices."""
        audit.refresh_from_db()
        names = ", ".join(str(f) for f in audit.priority_frameworks.order_by("name")) or "none"
        self.add_error(None, _audit_changed_message(f"the selected frameworks are now: {names}"))
        self.data = self.data.copy()
        self.data["version"] = audit.version


class AuditSummaryForm(forms.ModelForm):
    """The audit's summary for reviewers, written on the review step."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Audit
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def conflict(self, audit):
        """Say what is saved now and carry the current version, keeping the user's text."""
        audit.refresh_from_db()
        self.add_error(None, _audit_changed_message(f"the saved summary is: “{audit.summary or '(empty)'}”"))
        self.data = self.data.copy()
        self.data["version"] = audit.version


class PriorityFrameworkForm(forms.ModelForm):
    """An organisation's own priority framework: its name, publisher, year and source (the priorities are
    ``PriorityItemFormSet``). The slug is made from the name, unique within the organisation."""

    class Meta:
        model = PriorityFramework
        fields = ["name", "publisher", "year", "source_url"]
        labels = {"source_url": "Source (link)"}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        self.fields["year"].widget.attrs.update(min=1990, max=2100)

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and not 1990 <= year <= 2100:
            raise ValidationError("Give a year between 1990 and 2100.")
        return year

    def clean_name(self):
        name = " ".join((self.cleaned_data.get("name") or "").split())
        slug = slugify(name)[:80]
        if not slug:
            raise ValidationError("Give the framework a name with letters or digits.")
        clash = PriorityFramework.objects.filter(organisation=self.organisation, slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(f"Your organisation already has a framework called “{clash.first().name}”.")
        self.instance.slug = slug
        return name


class PriorityItemForm(forms.ModelForm):
    """One priority of a framework: a cluster, the framework's name for it, its weight (0–1) and its source."""

    class Meta:
        model = PriorityItem
        fields = ["cluster", "label", "weight", "source", "source_url"]
        labels = {"source_url": "Source link"}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = ClusterDefinition.objects.filter(
            Q(organisation__isnull=True) | Q(organisation=organisation)
        ).order_by("name")
        self.fields["weight"].widget.attrs.update(min=0, max=1, step="0.05")


class _PriorityItems(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            cluster = form.cleaned_data.get("cluster")
            if cluster in seen:
                form.add_error("cluster", f"{cluster} is listed twice.")
            seen.add(cluster)


PriorityItemFormSet = forms.inlineformset_factory(
    PriorityFramework, PriorityItem, form=PriorityItemForm, formset=_PriorityItems, extra=3, can_delete=True
)


ITEM_DEFAULTS = {"cluster": None, "label": "", "weight": 1.0, "source": "", "source_url": ""}


def priority_framework_forms(*, organisation, instance=None, data=None, items=None):
    """The framework form and its priorities' formset; ``items`` (a list of dicts, the API's shape) becomes the
    formset's data, replacing the stored priorities, so the browser and the API validate with the same forms."""
    instance = instance or PriorityFramework(organisation=organisation)
    if items is not None:
        prefix = PriorityItemFormSet.get_default_prefix()
        stored = list(instance.items.values_list("pk", flat=True)) if instance.pk else []
        # A formset lists the stored rows first: they are deleted, and the request's rows follow as new ones.
        rows = [{"id": pk, "DELETE": "on"} for pk in stored]
        rows += [{name: item.get(name, default) for name, default in ITEM_DEFAULTS.items()} for item in items]
        data = dict(data or {})
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(stored)})
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = "" if value is None else value
    form = PriorityFrameworkForm(data, instance=instance, organisation=organisation)
    formset = PriorityItemFormSet(data, instance=instance, form_kwargs={"organisation": organisation})
    return form, formset
