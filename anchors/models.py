"""Anchor institutions: the universities, research centres, incubators and major firms a cluster grows around."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from simple_history.models import HistoricalRecords

from core.fields import LinkField
from core.models import Located, Revisioned, TimeStampedModel
from core.querysets import scoped_queryset
from scoring.assets import ANCHOR_GROUPS


class AnchorType(models.TextChoices):
    UNIVERSITY = "university", "University"
    RESEARCH_CENTRE = "research_centre", "Research centre"
    INCUBATOR = "incubator", "Incubator or accelerator"
    MAJOR_FIRM = "major_firm", "Major firm"
    HOSPITAL = "hospital", "Hospital"
    GOVERNMENT_LAB = "government_lab", "Government laboratory"
    SHARED_WORKSPACE = "shared_workspace", "Shared workspace"


_size = {"null": True, "blank": True, "validators": [MinValueValidator(0)]}


class AnchorInstitution(Located, Revisioned, TimeStampedModel):
    """An anchor institution recorded in an audit, with its size measures and the clusters it anchors."""

    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="anchors")
    name = models.CharField(max_length=200)
    anchor_type = models.CharField(max_length=30, choices=AnchorType.choices)
    website = LinkField(blank=True)
    description = models.TextField(blank=True)
    staff = models.PositiveIntegerField(**_size)
    students = models.PositiveIntegerField(**_size)
    research_spend = models.DecimalField(max_digits=14, decimal_places=2, **_size, help_text="Annual, in millions.")
    patents = models.PositiveIntegerField(**_size)
    spinouts = models.PositiveIntegerField(**_size)
    clusters = models.ManyToManyField("clusters.ClusterDefinition", blank=True, related_name="anchors")
    evidence = models.JSONField(default=list, blank=True, help_text="Links that support the entry.")
    candidate = models.ForeignKey(
        "AnchorCandidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="anchors"
    )

    objects = scoped_queryset("audit__organisation").as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[clusters])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def stakeholder_group(self):
        """The stakeholder group this anchor counts towards (academic medical centres count as academia)."""
        return ANCHOR_GROUPS[self.anchor_type]


# IPEDS enrolment bands (HD ``INSTSIZE`` 1–5), smallest first: the loader stores the label, search ranks by it.
SIZE_BANDS = ("Under 1,000", "1,000–4,999", "5,000–9,999", "10,000–19,999", "20,000 and above")


class AnchorCandidateQuerySet(models.QuerySet):
    def in_region(self, region):
        """Public records located in ``region`` or in its metro area."""
        return self.filter(Q(region=region) | Q(metro=region))

    def search(self, query=""):
        """Records whose name or city holds every word of ``query``, the best match first, then the largest.

        A match is better the more of the name it covers: the whole name, then the name's start, then the query
        anywhere in the name, then its words in any order or in the city. So "University of Pittsburgh" lists the
        Pittsburgh campus (20,000 and above) before Greensburg (1,000–4,999), and "MIT" the Institute itself.
        """
        query = " ".join(query.split())
        size = Case(
            *(When(size_band=label, then=Value(rank)) for rank, label in enumerate(SIZE_BANDS, start=1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        rows = self.annotate(size_rank=size)
        if not query:
            return rows.order_by("-size_rank", "name")
        for word in query.split():
            rows = rows.filter(Q(name__icontains=word) | Q(city__icontains=word))
        match = Case(
            When(name__iexact=query, then=Value(0)),
            When(name__istartswith=query, then=Value(1)),
            When(name__icontains=query, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        return rows.annotate(match_rank=match).order_by("match_rank", "-size_rank", "name")


class AnchorCandidate(Located):
    """A public record of an institution that could anchor a cluster (IPEDS, UK higher-education providers).

    Officers pick candidates into an audit as anchor institutions; the candidate keeps the source identifier.
    """

    source = models.CharField(max_length=20, help_text="ipeds or ukprn.")
    external_id = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    anchor_type = models.CharField(max_length=30, choices=AnchorType.choices, default=AnchorType.UNIVERSITY)
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="anchor_candidates"
    )
    metro = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="metro_anchor_candidates"
    )
    website = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=120, blank=True, help_text="e.g. Carnegie classification.")
    size_band = models.CharField(max_length=60, blank=True)

    objects = AnchorCandidateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="unique_anchor_candidate")]

    def __str__(self):
        return self.name
