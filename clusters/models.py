"""Cluster definitions (benchmark and custom), their relatedness, and the bodies that run clusters."""

from django.db import models
from simple_history.models import HistoricalRecords

from core.fields import LinkField
from core.models import Revisioned, TimeStampedModel
from core.querysets import scoped_queryset


class ClusterKind(models.TextChoices):
    BENCHMARK = "benchmark", "Benchmark"
    CUSTOM = "custom", "Custom"
    CONVERGENCE = "convergence", "Convergence"


class ClusterScope(models.TextChoices):
    """Traded clusters sell across regions; local clusters serve the local market (Delgado–Porter–Stern)."""

    TRADED = "traded", "Traded"
    LOCAL = "local", "Local"


class ClusterDefinition(TimeStampedModel):
    """A named set of industry codes in one classification.

    A benchmark cluster is one of the 67 Delgado–Porter–Stern clusters (``code`` is its number: 1–51 traded,
    101–116 local). A custom cluster is a set of codes chosen by a user or shipped with the platform; a
    convergence cluster is the union of other clusters (``components``), e.g. ProfTech = FinTech ∪ PropTech ∪
    LegalTech. Public definitions have no organisation; an organisation's own are private to it.
    """

    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="cluster_definitions"
    )
    slug = models.SlugField(max_length=80)
    code = models.CharField(max_length=20, help_text="Benchmark number (e.g. 6, 101) or the slug.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ClusterKind.choices, default=ClusterKind.CUSTOM)
    scope = models.CharField(max_length=10, choices=ClusterScope.choices, default=ClusterScope.TRADED)
    classification = models.ForeignKey("regions.Classification", on_delete=models.PROTECT, related_name="clusters")
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Where the definition comes from.")
    codes = models.ManyToManyField("regions.IndustryCode", through="ClusterMember", related_name="clusters")
    components = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="convergences")

    objects = scoped_queryset("organisation", shared=True).as_manager()

    class Meta:
        ordering = ["kind", "scope", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(organisation__isnull=True), name="unique_public_cluster_slug"
            ),
            models.UniqueConstraint(fields=["organisation", "slug"], name="unique_org_cluster_slug"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_benchmark(self):
        return self.kind == ClusterKind.BENCHMARK

    def member_code_ids(self):
        """The industry codes of this cluster, including those of its components for a convergence cluster."""
        ids = set(self.members.values_list("industry_id", flat=True))
        for component in self.components.all():
            ids |= component.member_code_ids()
        return ids


class ClusterMember(models.Model):
    """An industry code's membership of a cluster, with the subcluster it falls in where one is published."""

    cluster = models.ForeignKey(ClusterDefinition, on_delete=models.CASCADE, related_name="members")
    industry = models.ForeignKey("regions.IndustryCode", on_delete=models.PROTECT, related_name="cluster_members")
    subcluster = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "industry"], name="unique_cluster_member")]

    def __str__(self):
        return f"{self.industry} in {self.cluster}"


class ClusterRelatedness(models.Model):
    """How related two clusters are (Delgado–Porter–Stern 2016, as published by the U.S. Cluster Mapping Project).

    ``weight`` is the overall relatedness used by the engine; the percentile and the three components
    (co-location, input–output links, shared occupations) are kept for explanation.
    """

    cluster = models.ForeignKey(ClusterDefinition, on_delete=models.CASCADE, related_name="relatedness_out")
    related = models.ForeignKey(ClusterDefinition, on_delete=models.CASCADE, related_name="relatedness_in")
    weight = models.FloatField(help_text="Overall cluster relatedness (cr_all).")
    percentile = models.FloatField(null=True, blank=True)
    colocation = models.FloatField(null=True, blank=True)
    input_output = models.FloatField(null=True, blank=True)
    occupation = models.FloatField(null=True, blank=True)
    is_related = models.BooleanField(default=False, help_text="Above the published relatedness threshold.")

    class Meta:
        verbose_name_plural = "cluster relatedness"
        constraints = [models.UniqueConstraint(fields=["cluster", "related"], name="unique_cluster_relatedness")]

    def __str__(self):
        return f"{self.cluster} ~ {self.related}: {self.weight:.3f}"


class MemberType(models.TextChoices):
    """The five stakeholder groups, also used for the types of a cluster organisation's members."""

    CORPORATE = "corporate", "Corporate"
    CAPITAL = "capital", "Capital (investors)"
    GOVERNMENT = "government", "Government"
    ACADEMIA = "academia", "Academia"
    ENTREPRENEURSHIP = "entrepreneurship", "Entrepreneurship (start-ups and SMEs)"


class FundingModel(models.TextChoices):
    PROJECT = "project", "Project funding"
    MIXED = "mixed", "Mixed"
    STABLE = "stable", "Stable core funding"


class ClusterOrganisation(Revisioned, TimeStampedModel):
    """The formal body running a cluster in an audit's region, with the governance facts its maturity is scored on."""

    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="cluster_organisations")
    name = models.CharField(max_length=200)
    website = LinkField(blank=True)
    clusters = models.ManyToManyField(ClusterDefinition, blank=True, related_name="cluster_organisations")
    founded_year = models.PositiveSmallIntegerField(null=True, blank=True)
    members_count = models.PositiveIntegerField(null=True, blank=True)
    member_types = models.JSONField(default=list, blank=True, help_text="Stakeholder groups among the members.")
    management_fte = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    has_board = models.BooleanField(default=False)
    has_ceo = models.BooleanField(default=False)
    annual_budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget_currency = models.CharField(max_length=3, default="GBP")
    funding_model = models.CharField(max_length=20, choices=FundingModel.choices, blank=True)
    formal_legal_entity = models.BooleanField(default=False)
    annual_reporting = models.BooleanField(default=False)
    regions_spanned = models.PositiveSmallIntegerField(default=1)
    cross_border = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    objects = scoped_queryset("audit__organisation").as_manager()
    history = HistoricalRecords(m2m_fields=[clusters])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
