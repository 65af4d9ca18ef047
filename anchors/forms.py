"""The anchor institution form: used by the audit editor, the spreadsheet import and the API alike."""

from anchors.models import AnchorInstitution
from core.forms_base import AuditAssetForm, LinesField


class AnchorInstitutionForm(AuditAssetForm):
    evidence = LinesField(required=False, help_text="Links that support the entry, one per line.")

    class Meta:
        model = AnchorInstitution
        fields = [
            "name", "anchor_type", "website", "description", "address", "city", "postcode", "latitude",
            "longitude", "staff", "students", "research_spend", "patents", "spinouts", "clusters", "evidence",
        ]  # fmt: skip
