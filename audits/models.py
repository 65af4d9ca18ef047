"""The officer's record: audits, their candidate clusters and market inputs, priority frameworks, and imports.

These models moved here from ``assessments`` and kept their tables (``db_table``): the move changed Django's
state only, so an existing database upgrades with ``migrate`` and loses nothing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.fields import LinkField
from core.models import Revisioned, TimeStampedModel
from core.querysets import scoped_queryset

# The currency of a country's statistics and budgets; a region with no country takes its classification's.
CURRENCY_BY_COUNTRY = {
    "US": "USD", "GB": "GBP", "UK": "GBP", "CA": "CAD",
    **dict.fromkeys(("IE", "FR", "DE", "ES", "IT", "NL", "BE", "AT", "PT", "FI"), "EUR"),
}  # fmt: skip
CURRENCY_BY_CLASSIFICATION = {"naics": "USD", "uksic": "GBP", "nace": "EUR"}
FALLBACK_CURRENCY = "GBP"
# How codes of a classification are written, for the builder's and the code search's help.
CODE_EXAMPLES = {"naics": ("325412, 541714", "325412 or pharmaceutical")}
FALLBACK_CODE_EXAMPLES = ("62.01, 64.19", "62.01 or software")


@dataclass(frozen=True)
class AuditDefaults:
    """What an audit's forms and pages assume until the user says otherwise, from its region and peer group."""

    country: str
    currency: str
    classification: object  # the region set's ``regions.Classification`` (or None)
    code_examples: str  # "325412, 541714": codes written as the classification writes them
    code_search_example: str  # "325412 or pharmaceutical"

    @property
    def forecast_unit(self):
        return f"{self.currency} m"

    @property
    def code_help(self):
        name = getattr(self.classification, "name", "industry")
        return f"{name} codes, one per line or separated by commas, e.g. {self.code_examples}."


def _classification_family(classification):
    slug = getattr(classification, "slug", "") or ""
    return next((family for family in ("naics", "uksic", "nace") if slug.startswith(family)), "")


def defaults_for(*, region, region_set):
    """The defaults of an audit of ``region`` scored among ``region_set``: the one rule forms and pages use."""
    country = (getattr(region, "country", "") or getattr(region_set, "country", "") or "").upper()
    classification = getattr(region_set, "classification", None)
    family = _classification_family(classification)
    currency = CURRENCY_BY_COUNTRY.get(country) or CURRENCY_BY_CLASSIFICATION.get(family) or FALLBACK_CURRENCY
    examples, search = CODE_EXAMPLES.get(family, FALLBACK_CODE_EXAMPLES)
    return AuditDefaults(country, currency, classification, examples, search)


class AuditStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


class Audit(TimeStampedModel):
    """An organisation's dated, versioned record of one region's assets and market inputs.

    ``version`` counts the changes made to the audit and its assets: scores record the version they were
    computed from (an older one is stale), and edits carry it for optimistic locking. ``previous`` is the
    audit this one was started from (a new year, or a new edition after approval).
    """

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="audits")
    title = models.CharField(max_length=200)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="audits")
    region_set = models.ForeignKey(
        "regions.RegionSet", on_delete=models.PROTECT, related_name="audits", help_text="The peer group for scoring."
    )
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=AuditStatus.choices, default=AuditStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors")
    summary = models.TextField(blank=True)
    clusters = models.ManyToManyField(
        "clusters.ClusterDefinition", through="AuditCluster", blank=True, related_name="audits"
    )
    priority_frameworks = models.ManyToManyField("PriorityFramework", blank=True, related_name="audits")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(blank=True)

    objects = scoped_queryset("organisation").as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], table_name="assessments_historicalaudit")

    class Meta:
        db_table = "assessments_audit"
        ordering = ["-year", "title"]

    def __str__(self):
        return f"{self.title} ({self.year})"

    @property
    def defaults(self):
        """Currency, forecast unit and code help that follow the region's country and the peer group's
        classification (``defaults_for``)."""
        return defaults_for(region=self.region, region_set=self.region_set)

    @property
    def is_locked(self):
        """Approved audits are read-only; a new version starts from them."""
        return self.status == AuditStatus.APPROVED

    @property
    def is_editable(self):
        return self.status in (AuditStatus.DRAFT, AuditStatus.RETURNED)

    @property
    def unscoreable_reason(self):
        """Why this audit cannot be scored now, or ``""``: the one rule that Score now, submit and the API ask."""
        if not self.candidate_clusters.exists():
            return "Add at least one candidate cluster: an audit is scored on its candidate clusters."
        return ""

    @property
    def not_editable_reason(self):
        """Why this audit cannot be changed now (the editor and the API say the same), or ``""``."""
        if self.is_editable:
            return ""
        return f"This audit is {self.get_status_display().lower()}; it can no longer be edited."


class AuditCluster(Revisioned, models.Model):
    """A candidate cluster in an audit, with the talent, innovation and investment inputs entered for it."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="candidate_clusters")
    cluster = models.ForeignKey("clusters.ClusterDefinition", on_delete=models.PROTECT, related_name="+")
    relevant_graduates = models.PositiveIntegerField(null=True, blank=True, help_text="Per year.")
    patents = models.PositiveIntegerField(null=True, blank=True, help_text="Per year.")
    research_spend = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Annual, in millions."
    )
    investment_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Venture investment, last year, millions."
    )
    investment_deals = models.PositiveIntegerField(null=True, blank=True)
    investment_growth = models.FloatField(null=True, blank=True, help_text="Year-on-year change, e.g. 0.12 for +12%.")
    notes = models.TextField(blank=True)

    objects = scoped_queryset("audit__organisation").as_manager()
    history = HistoricalRecords(table_name="assessments_historicalauditcluster")

    class Meta:
        db_table = "assessments_auditcluster"
        ordering = ["cluster__name"]
        constraints = [models.UniqueConstraint(fields=["audit", "cluster"], name="unique_audit_cluster")]

    def __str__(self):
        return f"{self.cluster} in {self.audit}"


class MarketForecast(Revisioned, TimeStampedModel):
    """A sourced forecast of a cluster's market, e.g. ProfTech GVA £1.2bn in 2024 → £1.5bn by 2033.

    A forecast gives either a target value or, where the source states only a rate ("about 10% a year"),
    an annual growth rate.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="forecasts")
    cluster = models.ForeignKey("clusters.ClusterDefinition", on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(max_length=40, default="gva", help_text="gva, employment, turnover, ...")
    unit = models.CharField(max_length=20, default="GBP m")
    base_year = models.PositiveSmallIntegerField()
    base_value = models.FloatField(validators=[MinValueValidator(0)])
    target_year = models.PositiveSmallIntegerField()
    target_value = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    growth_rate = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-0.5), MaxValueValidator(1.0)],
        help_text="Stated annual growth, e.g. 0.10 for 10% a year, when the source gives no target value.",
    )
    source = models.CharField(max_length=300)
    source_url = LinkField(blank=True)

    objects = scoped_queryset("audit__organisation").as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], table_name="assessments_historicalmarketforecast")

    class Meta:
        db_table = "assessments_marketforecast"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_year__gt=models.F("base_year")), name="forecast_target_after_base"
            ),
            models.CheckConstraint(
                condition=models.Q(target_value__isnull=False) | models.Q(growth_rate__isnull=False),
                name="forecast_has_target_or_rate",
            ),
        ]

    def __str__(self):
        return f"{self.cluster} {self.metric} {self.base_year}→{self.target_year}"

    @property
    def annual_growth(self):
        """Compound annual growth rate implied by the forecast (or the rate it states)."""
        if self.target_value is None:
            return self.growth_rate
        if not self.base_value or self.target_year <= self.base_year:
            return None
        return (self.target_value / self.base_value) ** (1 / (self.target_year - self.base_year)) - 1


class PriorityFramework(TimeStampedModel):
    """A set of priorities a cluster can align with: a national industrial strategy, a regional roadmap."""

    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="priority_frameworks"
    )
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    source_url = LinkField(blank=True)

    objects = scoped_queryset("organisation", shared=True).as_manager()

    class Meta:
        db_table = "assessments_priorityframework"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="unique_priority_framework"),
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(organisation__isnull=True), name="unique_public_priority_framework"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_shipped(self):
        """Shipped frameworks (no organisation) are shared and read-only; an organisation edits only its own."""
        return self.organisation_id is None


class PriorityItem(models.Model):
    """A cluster's place in a priority framework, with the weight the framework gives it (0–1)."""

    framework = models.ForeignKey(PriorityFramework, on_delete=models.CASCADE, related_name="items")
    cluster = models.ForeignKey("clusters.ClusterDefinition", on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=200, blank=True, help_text="The framework's own name for the priority.")
    weight = models.FloatField(default=1.0, validators=[MinValueValidator(0), MaxValueValidator(1)])
    source = models.CharField(max_length=300, blank=True, help_text="Where the framework names this priority.")
    source_url = LinkField(blank=True)

    class Meta:
        db_table = "assessments_priorityitem"
        constraints = [models.UniqueConstraint(fields=["framework", "cluster"], name="unique_priority_item")]

    def __str__(self):
        return f"{self.cluster} in {self.framework}"


class TrendRating(Revisioned, TimeStampedModel):
    """An expert rating (1–5) of a candidate cluster against a trend theme, with its evidence."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="trend_ratings")
    cluster = models.ForeignKey("clusters.ClusterDefinition", on_delete=models.PROTECT, related_name="+")
    theme = models.CharField(max_length=80, help_text="e.g. productivity, open data, sustainability.")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    evidence = models.TextField(blank=True)

    objects = scoped_queryset("audit__organisation").as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], table_name="assessments_historicaltrendrating")

    class Meta:
        db_table = "assessments_trendrating"
        ordering = ["cluster", "theme"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "cluster", "theme"], name="unique_trend_rating"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="trend_rating_range"),
        ]

    def __str__(self):
        return f"{self.cluster} / {self.theme}: {self.rating}"


class ImportKind(models.TextChoices):
    ANCHORS = "anchors", "Anchor institutions"
    STAKEHOLDERS = "stakeholders", "Stakeholders"
    PARTNERSHIPS = "partnerships", "Partnerships"
    OBSERVATIONS = "observations", "Economic observations"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    COMMITTED = "committed", "Committed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class ImportBatch(TimeStampedModel):
    """A spreadsheet upload into an audit: validated rows staged for preview, written only on confirmation.

    Staging in the database (not a temp file) lets the confirmation arrive at any web node.
    """

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="import_batches")
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="import_batches")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="File-level errors.")
    committed_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)

    objects = scoped_queryset("organisation").as_manager()

    class Meta:
        db_table = "assessments_importbatch"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.file_name} ({self.status})"


class ImportRow(models.Model):
    """One staged row of an import: the cleaned values and, if invalid, its errors by column."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    errors = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "assessments_importrow"
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="unique_import_row")]

    def __str__(self):
        return f"line {self.line} of {self.batch_id}"
