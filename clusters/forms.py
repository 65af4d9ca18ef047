"""The cluster builder: an organisation's own custom cluster (a set of industry codes) or convergence cluster
(a union of other clusters), with the code search and crosswalk help the builder offers."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from clusters.models import ClusterDefinition, ClusterKind, ClusterMember, ClusterScope
from regions.codes import CodeError, normalise_code
from regions.models import Classification, IndustryCode
from regions.selectors import find_code


class ClusterBuilderForm(forms.Form):
    """Build an organisation's own cluster in the classification of the audit's region set.

    A custom cluster lists industry codes (any usual spelling, one per line or comma-separated); a convergence
    cluster joins existing clusters of the same classification (ProfTech = FinTech ∪ PropTech ∪ LegalTech).
    """

    kind = forms.ChoiceField(
        choices=[
            (ClusterKind.CUSTOM, "Custom: from industry codes"),
            (ClusterKind.CONVERGENCE, "Convergence: from other clusters"),
        ],
        initial=ClusterKind.CUSTOM,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    codes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Industry codes, one per line or separated by commas, e.g. 62.01, 64.19.",
    )  # fmt: skip
    components = forms.ModelMultipleChoiceField(queryset=ClusterDefinition.objects.none(), required=False)
    add_as_candidate = forms.BooleanField(required=False, initial=True, label="Add it as a candidate cluster")

    def __init__(self, *args, organisation, classification, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.classification = classification
        visible = ClusterDefinition.objects.filter(Q(organisation__isnull=True) | Q(organisation=organisation))
        if classification is not None:
            visible = visible.filter(classification=classification)
        self.fields["components"].queryset = visible.order_by("name")
        self.fields["components"].widget.attrs["size"] = 6

    def clean_codes(self):
        text = self.cleaned_data.get("codes") or ""
        raw = [part.strip() for part in text.replace(",", "\n").replace(";", "\n").splitlines() if part.strip()]
        if not raw:
            return []
        if self.classification is None:
            raise ValidationError("This audit's region set has no industry classification to take codes from.")
        wanted = {}
        unknown = []
        for value in raw:
            try:
                wanted[normalise_code(self.classification, value)] = value
            except CodeError:
                unknown.append(value)
        known = dict(
            IndustryCode.objects.filter(classification=self.classification, code__in=wanted).values_list("code", "pk")
        )
        unknown += [value for code, value in wanted.items() if code not in known]
        if unknown:
            raise ValidationError(f"Not codes of {self.classification.name}: {', '.join(unknown)}.")
        return sorted(known.values())

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ClusterKind.CUSTOM and not cleaned.get("codes") and "codes" not in self.errors:
            self.add_error("codes", "A custom cluster needs at least one industry code.")
        if kind == ClusterKind.CONVERGENCE and len(cleaned.get("components") or []) < 2:
            self.add_error("components", "A convergence cluster joins at least two clusters.")
        if cleaned.get("name") and self.classification is None:
            raise ValidationError("This audit's region set has no industry classification.")
        return cleaned

    def _slug(self):
        # The slug is also the cluster's code (20 characters): room for a "-999" suffix.
        base = slugify(self.cleaned_data["name"])[:16].strip("-") or "cluster"
        taken = set(
            ClusterDefinition.objects.filter(organisation=self.organisation, slug__startswith=base).values_list(
                "slug", flat=True
            )
        )
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    @transaction.atomic
    def save(self, *, user=None):
        """Create the cluster (owned by the organisation) with its member codes or components."""
        data = self.cleaned_data
        slug = self._slug()
        cluster = ClusterDefinition.objects.create(
            organisation=self.organisation,
            slug=slug,
            code=slug,
            name=data["name"],
            kind=data["kind"],
            scope=ClusterScope.TRADED,
            classification=self.classification,
            description=data.get("description", ""),
            source=f"Built in the audit editor{f' by {user.get_username()}' if user else ''}.",
        )
        if data["kind"] == ClusterKind.CUSTOM:
            ClusterMember.objects.bulk_create([ClusterMember(cluster=cluster, industry_id=pk) for pk in data["codes"]])
        else:
            cluster.components.set(data["components"])
        return cluster


class CrosswalkForm(forms.Form):
    """A code and its classification, for the crosswalk help."""

    classification = forms.ModelChoiceField(queryset=Classification.objects.order_by("name"), to_field_name="slug")
    code = forms.CharField(max_length=20)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("classification") and cleaned.get("code"):
            industry = find_code(cleaned["classification"], cleaned["code"])
            if industry is None:
                self.add_error("code", f"No such code in {cleaned['classification'].name}.")
            cleaned["industry"] = industry
        return cleaned
