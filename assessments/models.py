"""Methodologies, scenarios, score runs and scores."""

from django.conf import settings
from django.db import models

from core.models import Run, RunStatus, TimeStampedModel
from core.querysets import SharedOrOrganisationQuerySet, scoped_queryset


class Methodology(TimeStampedModel):
    """A named, versioned set of indicators, weights, normalisation, aggregation and quadrant thresholds.

    The default ships as data with no organisation; organisations clone it and edit their own. A version is
    never edited once scores name it: changing a methodology makes a new version (``parent`` links them).
    """

    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="methodologies"
    )
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    spec = models.JSONField(default=dict, help_text="Indicators, weights, normalisation, aggregation, thresholds.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    is_default = models.BooleanField(default=False)

    objects = scoped_queryset("organisation", shared=True).as_manager()

    class Meta:
        ordering = ["name", "-version"]
        verbose_name_plural = "methodologies"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name", "version"], name="unique_methodology_version"),
            models.UniqueConstraint(
                fields=["name", "version"],
                condition=models.Q(organisation__isnull=True),
                name="unique_public_methodology_version",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def label(self):
        return f"{self.name} v{self.version}"


class Scenario(TimeStampedModel):
    """An audit plus overrides (add an anchor, add jobs, change weights), scored like an audit, shown as a delta."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="scenarios")
    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    methodology = models.ForeignKey(Methodology, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = scoped_queryset("organisation").as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class ScoreRunQuerySet(SharedOrOrganisationQuerySet):
    """Score runs, public (region-set runs over public data) or an organisation's; the one rule for "the latest run".

    A subject is what a run scores: an audit (its own runs, never its scenarios' unless asked), a scenario, or a
    whole region set. "Latest" is always the run that finished last (ties broken by id): every page, report,
    API view and service reads scores through ``latest_succeeded``.
    """

    organisation_path = "organisation"

    def succeeded(self):
        return self.filter(status=RunStatus.SUCCEEDED)

    def of_audit(self, audit):
        """The audit's own runs (no scenario)."""
        return self.filter(audit=audit, scenario__isnull=True)

    def of_region_set(self, region_set, year=None):
        """Runs over a whole region set (no audit, no scenario), for ``year`` if given."""
        runs = self.filter(region_set=region_set, audit__isnull=True, scenario__isnull=True)
        return runs if year is None else runs.filter(year=year)

    def newest_first(self):
        return self.order_by(models.F("finished_at").desc(nulls_last=True), "-pk")

    def latest_succeeded(self):
        """The succeeded run of these that finished last, or ``None``."""
        return self.succeeded().newest_first().first()


class ScoreRun(Run):
    """One execution of the engine over an audit (or a whole region set) and a methodology.

    ``organisation`` is empty for runs over public data with a public methodology: their scores are reference
    data. ``audit_version`` records which version of the audit was scored; a later edit makes the run stale.
    """

    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="score_runs"
    )
    region_set = models.ForeignKey("regions.RegionSet", on_delete=models.PROTECT, related_name="score_runs")
    year = models.PositiveSmallIntegerField()
    methodology = models.ForeignKey(Methodology, on_delete=models.PROTECT, related_name="runs")
    audit = models.ForeignKey("audits.Audit", null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    audit_version = models.PositiveIntegerField(null=True, blank=True)
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=40, blank=True, help_text="What started the run.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_stale = models.BooleanField(default=False)
    data_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The statistics year used.")
    results = models.JSONField(
        default=dict, blank=True, help_text="Run-level results: coverage, treatment, maturity, partner strategy."
    )
    chunks_total = models.PositiveIntegerField(default=0, help_text="Monte Carlo chunks fanned out to workers.")
    chunks_done = models.PositiveIntegerField(default=0)

    objects = ScoreRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_run_per_fingerprint",
            ),
        ]

    def __str__(self):
        subject = self.audit or self.region_set
        return f"Run {self.pk} of {subject} ({self.status})"


class ScoreRunChunk(models.Model):
    """One region chunk's Monte Carlo result of a fanned-out run, kept until the last chunk merges them."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    payload = models.BinaryField(help_text="Compressed arrays: unit positions and interval columns.")
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="unique_score_run_chunk")]

    def __str__(self):
        return f"chunk {self.index} of run {self.run_id}"


class Quadrant(models.TextChoices):
    LEAD = "lead", "Lead"
    BUILD = "build", "Build"
    LEVERAGE = "leverage", "Leverage"
    MONITOR = "monitor", "Monitor"


class Score(models.Model):
    """A region × cluster result of a run: both axes with their intervals, the quadrant and the explanation.

    ``indicators`` holds every indicator's raw and normalised value; weights and contributions follow from
    them and the run's methodology (``scoring.composite.explain``), so they are derived on read
    rather than stored 60,000 times. The headline economic figures are columns so they can be filtered.
    """

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="scores")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey("clusters.ClusterDefinition", on_delete=models.CASCADE, related_name="+")
    candidate = models.BooleanField(default=False, help_text="A candidate cluster of the run's audit.")
    employment = models.FloatField(null=True, blank=True)
    establishments = models.FloatField(null=True, blank=True)
    lq = models.FloatField(null=True, blank=True)
    strong = models.BooleanField(default=False)
    strong10 = models.BooleanField(default=False)
    significant = models.BooleanField(default=False)
    qualifying = models.BooleanField(default=False)
    right_to_win = models.FloatField(null=True, blank=True)
    right_to_win_low = models.FloatField(null=True, blank=True)
    right_to_win_high = models.FloatField(null=True, blank=True)
    want_to_win = models.FloatField(null=True, blank=True)
    want_to_win_low = models.FloatField(null=True, blank=True)
    want_to_win_high = models.FloatField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    rank_low = models.PositiveIntegerField(null=True, blank=True)
    rank_high = models.PositiveIntegerField(null=True, blank=True)
    quadrant = models.CharField(max_length=10, choices=Quadrant.choices, blank=True)
    quadrant_stability = models.FloatField(null=True, blank=True)
    strategy = models.CharField(max_length=20, blank=True, help_text="right-to-win, want-to-win or hybrid.")
    coverage = models.FloatField(null=True, blank=True, help_text="Share of the methodology's weight with data.")
    shift_share_competitive = models.FloatField(null=True, blank=True)
    relatedness_density = models.FloatField(null=True, blank=True)
    indicators = models.JSONField(default=dict, blank=True, help_text="{indicator: [raw, normalised]}.")
    explanation = models.JSONField(default=dict, blank=True, help_text="Strategy and reasons; details derive.")

    class Meta:
        ordering = ["-right_to_win"]
        constraints = [models.UniqueConstraint(fields=["run", "region", "cluster"], name="unique_score")]
        indexes = [models.Index(fields=["run", "cluster"]), models.Index(fields=["run", "quadrant"])]

    def __str__(self):
        return f"{self.region_id}/{self.cluster_id}: {self.right_to_win}/{self.want_to_win}"
