"""Stakeholder and partnership forms: used by the audit editor, the spreadsheet import and the API alike."""

from django import forms

from anchors.models import AnchorInstitution
from audits.forms import AuditAssetForm
from stakeholders.models import Partnership, Stakeholder


class StakeholderForm(AuditAssetForm):
    class Meta:
        model = Stakeholder
        fields = [
            "name", "group", "sector", "website", "description", "employees", "address", "city", "postcode",
            "latitude", "longitude", "clusters",
        ]  # fmt: skip


def party_choices(audit):
    """Every party of an audit as ``(key, label)``: anchors as ``a:<id>``, stakeholders as ``s:<id>``."""
    anchors = [
        (f"a:{pk}", f"{name} (anchor)")
        for pk, name in AnchorInstitution.objects.filter(audit=audit).values_list("pk", "name")
    ]
    stakeholders = [(f"s:{pk}", name) for pk, name in Stakeholder.objects.filter(audit=audit).values_list("pk", "name")]
    return sorted(anchors + stakeholders, key=lambda choice: choice[1].lower())


class PartnershipForm(AuditAssetForm):
    """A partnership between two parties of the audit, chosen by key; another audit's party is refused."""

    source = forms.ChoiceField(label="From")
    target = forms.ChoiceField(label="To")

    class Meta:
        model = Partnership
        fields = ["kind", "strength", "started_on", "description"]
        widgets = {"started_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, audit, parties=None, **kwargs):
        """``parties`` (from ``party_choices``) can be passed in when many forms share one audit, e.g. an import."""
        super().__init__(*args, audit=audit, **kwargs)
        choices = party_choices(audit) if parties is None else parties
        self.fields["source"].choices = choices
        self.fields["target"].choices = choices
        if self.instance.pk:
            self.initial["source"] = self._key(self.instance.from_stakeholder_id, self.instance.from_anchor_id)
            self.initial["target"] = self._key(self.instance.to_stakeholder_id, self.instance.to_anchor_id)
        self.order_fields(["source", "target", "kind", "strength", "started_on", "description"])

    @staticmethod
    def _key(stakeholder_id, anchor_id):
        return f"s:{stakeholder_id}" if stakeholder_id else f"a:{anchor_id}"

    def clean(self):
        cleaned = super().clean()
        # Set the parties before the model's own validation runs: it checks both sides belong to this audit and
        # are two different parties, with one message each.
        for side, prefix in (("source", "from"), ("target", "to")):
            if cleaned.get(side):
                kind, pk = cleaned[side].split(":")
                setattr(self.instance, f"{prefix}_stakeholder_id", int(pk) if kind == "s" else None)
                setattr(self.instance, f"{prefix}_anchor_id", int(pk) if kind == "a" else None)
        return cleaned
