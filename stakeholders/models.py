"""Stakeholders of a cluster ecosystem and the partnerships between them."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from clusters.models import MemberType
from core.fields import LinkField
from core.models import Located, Revisioned, TimeStampedModel
from core.querysets import scoped_queryset

StakeholderGroup = MemberType


class Stakeholder(Located, Revisioned, TimeStampedModel):
    """An organisation in the ecosystem, in one of the five stakeholder groups."""

    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField(max_length=200)
    group = models.CharField(max_length=20, choices=StakeholderGroup.choices)
    sector = models.CharField(max_length=120, blank=True, help_text="e.g. FinTech, venture capital, local authority.")
    website = LinkField(blank=True)
    description = models.TextField(blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    clusters = models.ManyToManyField("clusters.ClusterDefinition", blank=True, related_name="stakeholders")

    objects = scoped_queryset("audit__organisation").as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[clusters])

    class Meta:
        ordering = ["group", "name"]

    def __str__(self):
        return self.name


class PartnershipKind(models.TextChoices):
    RESEARCH = "research", "Research collaboration"
    SUPPLY_CHAIN = "supply_chain", "Supply chain"
    INVESTMENT = "investment", "Investment"
    SHARED_FACILITY = "shared_facility", "Shared facility"
    PROGRAMME = "programme", "Programme"


class Partnership(Revisioned, TimeStampedModel):
    """An edge between two parties of an audit, each a stakeholder or an anchor institution.

    It is cross-sector when the two sides serve different clusters.
    """

    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="partnerships")
    from_stakeholder = models.ForeignKey(
        Stakeholder, null=True, blank=True, on_delete=models.CASCADE, related_name="partnerships_out"
    )
    from_anchor = models.ForeignKey(
        "anchors.AnchorInstitution", null=True, blank=True, on_delete=models.CASCADE, related_name="partnerships_out"
    )
    to_stakeholder = models.ForeignKey(
        Stakeholder, null=True, blank=True, on_delete=models.CASCADE, related_name="partnerships_in"
    )
    to_anchor = models.ForeignKey(
        "anchors.AnchorInstitution", null=True, blank=True, on_delete=models.CASCADE, related_name="partnerships_in"
    )
    kind = models.CharField(max_length=20, choices=PartnershipKind.choices)
    strength = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (weak) to 5 (strong)."
    )
    started_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)

    objects = scoped_queryset("audit__organisation").as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["audit", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_stakeholder__isnull=False, from_anchor__isnull=True)
                | Q(from_stakeholder__isnull=True, from_anchor__isnull=False),
                name="partnership_one_source",
            ),
            models.CheckConstraint(
                condition=Q(to_stakeholder__isnull=False, to_anchor__isnull=True)
                | Q(to_stakeholder__isnull=True, to_anchor__isnull=False),
                name="partnership_one_target",
            ),
            models.CheckConstraint(condition=Q(strength__gte=1, strength__lte=5), name="partnership_strength_range"),
        ]

    def __str__(self):
        return f"{self.source} ↔ {self.target} ({self.get_kind_display()})"

    @property
    def source(self):
        return self.from_stakeholder or self.from_anchor

    @property
    def target(self):
        return self.to_stakeholder or self.to_anchor

    def clean(self):
        if self.source is None or self.target is None:
            raise ValidationError("A partnership needs one party on each side.")
        if self.source == self.target and type(self.source) is type(self.target):
            raise ValidationError("A partnership joins two different parties.")
        for party in (self.source, self.target):
            if party.audit_id != self.audit_id:
                raise ValidationError(f"{party} belongs to another audit.")

    @property
    def is_cross_sector(self):
        """True when the two sides serve no cluster in common (and both serve at least one)."""
        left = set(self.source.clusters.values_list("pk", flat=True))
        right = set(self.target.clusters.values_list("pk", flat=True))
        return bool(left and right) and not (left & right)
