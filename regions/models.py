"""Public reference data: regions and region sets, industry classifications, crosswalks and statistics.

Everything here is shared by all organisations; none of it is tenant-owned.
"""

from django.db import models
from django.db.models import Q


class RegionScheme(models.TextChoices):
    """The coding scheme a region's code belongs to."""

    COUNTRY = "country", "Country"
    US_STATE = "us-state", "US state (FIPS)"
    US_CBSA = "us-cbsa", "US metro/micro area (CBSA)"
    US_COUNTY = "us-county", "US county (FIPS)"
    NUTS1 = "nuts1", "NUTS 1"
    NUTS2 = "nuts2", "NUTS 2"
    ONS = "ons", "ONS area code"


class Region(models.Model):
    """A geographic area with a code in a scheme: a US state, a metro area, a NUTS2 region.

    ``centroid`` and ``boundary`` (a GeoJSON geometry, simplified for display) are optional.
    """

    scheme = models.CharField(max_length=20, choices=RegionScheme.choices)
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    area_type = models.CharField(max_length=80, blank=True, help_text="e.g. Metropolitan Statistical Area.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    boundary = models.JSONField(null=True, blank=True, help_text="GeoJSON geometry (simplified).")

    class Meta:
        ordering = ["scheme", "name"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="unique_region_code")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def has_location(self):
        return self.latitude is not None and self.longitude is not None


class RegionSet(models.Model):
    """A peer group over which percentiles and normalisation are taken, e.g. "US metro areas".

    ``benchmark`` is the region set whose sum gives the national totals (US metros are benchmarked on the
    sum of the 50 states); when empty the set is its own benchmark.
    """

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    classification = models.ForeignKey(
        "Classification",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="The classification its industry statistics use.",
    )
    benchmark = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="benchmarked_sets"
    )
    regions = models.ManyToManyField(Region, through="RegionSetMembership", related_name="region_sets")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def benchmark_set(self):
        """The set whose totals are the national benchmark (itself when none is named)."""
        return self.benchmark or self


class RegionSetMembership(models.Model):
    """A region's place in a region set."""

    region_set = models.ForeignKey(RegionSet, on_delete=models.CASCADE)
    region = models.ForeignKey(Region, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_set", "region"], name="unique_region_set_member")]

    def __str__(self):
        return f"{self.region_id} in {self.region_set_id}"


class Classification(models.Model):
    """An industry classification: NAICS 2012, UK SIC 2007, NACE Rev.2, ..."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class IndustryCode(models.Model):
    """One code of a classification, with its parent in the hierarchy (section → division → ... → class)."""

    classification = models.ForeignKey(Classification, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=400)
    level = models.CharField(max_length=30, blank=True, help_text="e.g. sector, division, class, 6-digit.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    class Meta:
        ordering = ["classification", "code"]
        constraints = [models.UniqueConstraint(fields=["classification", "code"], name="unique_industry_code")]

    def __str__(self):
        return f"{self.code} {self.title}"


class Crosswalk(models.Model):
    """A link from a code in one classification to a code in another, with the share of the source it carries.

    One-to-many concordances give one row per target; ``weight`` splits the source between them (1.0 when the
    concordance gives no split).
    """

    source = models.ForeignKey(IndustryCode, on_delete=models.CASCADE, related_name="crosswalks_out")
    target = models.ForeignKey(IndustryCode, on_delete=models.CASCADE, related_name="crosswalks_in")
    weight = models.FloatField(default=1.0)
    partial = models.BooleanField(default=False, help_text="The concordance marks the link as partial.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="unique_crosswalk_link")]

    def __str__(self):
        return f"{self.source} → {self.target}"


class Dataset(models.Model):
    """A reference dataset loaded from ``fixtures/``: where it came from and the fingerprint of what was loaded.

    The loader compares fingerprints, so a second load of unchanged files changes nothing.
    """

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=200, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="datasets",
        help_text="Empty for public reference data; set for an organisation's own imported statistics.",
    )
    audit = models.ForeignKey("audits.Audit", null=True, blank=True, on_delete=models.CASCADE, related_name="datasets")
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name


class ObservationQuerySet(models.QuerySet):
    def public(self):
        """Published statistics only: never an organisation's own imported figures."""
        return self.filter(dataset__organisation__isnull=True)


class EconomicObservation(models.Model):
    """Employment, establishments and payroll for a region × (industry code or cluster) × year.

    Exactly one of ``industry`` and ``cluster`` is set. ``suppressed`` marks cells the publisher withheld
    (the value may then be an estimate or zero); ``flag`` keeps the publisher's own suppression code.
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="observations")
    year = models.PositiveSmallIntegerField()
    industry = models.ForeignKey(
        IndustryCode, null=True, blank=True, on_delete=models.CASCADE, related_name="observations"
    )
    cluster = models.ForeignKey(
        "clusters.ClusterDefinition", null=True, blank=True, on_delete=models.CASCADE, related_name="observations"
    )
    employment = models.FloatField(null=True, blank=True)
    establishments = models.FloatField(null=True, blank=True)
    payroll = models.FloatField(null=True, blank=True, help_text="Annual payroll in the source's unit.")
    gva = models.FloatField(null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    flag = models.CharField(max_length=4, blank=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="observations")

    objects = ObservationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(industry__isnull=False, cluster__isnull=True)
                | Q(industry__isnull=True, cluster__isnull=False),
                name="observation_industry_xor_cluster",
            ),
            models.UniqueConstraint(
                fields=["dataset", "region", "industry", "year"],
                condition=Q(industry__isnull=False),
                name="unique_industry_observation",
            ),
            models.UniqueConstraint(
                fields=["dataset", "region", "cluster", "year"],
                condition=Q(cluster__isnull=False),
                name="unique_cluster_observation",
            ),
            models.CheckConstraint(
                condition=Q(employment__gte=0) | Q(employment__isnull=True), name="observation_employment_nonnegative"
            ),
        ]
        indexes = [models.Index(fields=["year", "cluster"]), models.Index(fields=["year", "industry"])]

    def __str__(self):
        subject = self.cluster_id and f"cluster {self.cluster_id}" or f"industry {self.industry_id}"
        return f"{self.region_id} {subject} {self.year}"
