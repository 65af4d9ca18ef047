"""The anchor institution form: used by the audit editor, the spreadsheet import and the API alike."""

from anchors.models import AnchorInstitution
from audits.forms import AuditAssetForm
from core.forms_base import LinesField


class AnchorInstitutionForm(AuditAssetForm):
    evidence = LinesField(required=False, help_text="Links that support the entry, one per line.")

    class Meta:
        model = AnchorInstitution
        fields = [
            "name", "anchor_type", "website", "description", "address", "city", "postcode", "latitude",
            "longitude", "staff", "students", "research_spend", "patents", "spinouts", "clusters", "evidence",
        ]  # fmt: skip

    @classmethod
    def from_candidate(cls, candidate, *, audit):
        """The form filled from a public record (IPEDS, UK providers): name, type, address and location.

        A website that is not a valid link is left out rather than refusing the whole record.
        """
        website = candidate.website.strip()
        if website and not website.startswith(("http://", "https://")):
            website = f"https://{website}"
        data = {
            "name": candidate.name, "anchor_type": candidate.anchor_type, "website": website,
            "address": candidate.address, "city": candidate.city, "postcode": candidate.postcode,
            "latitude": candidate.latitude if candidate.latitude is not None else "",
            "longitude": candidate.longitude if candidate.longitude is not None else "",
            "description": " · ".join(filter(None, [candidate.category, candidate.size_band])),
        }  # fmt: skip
        form = cls(data, audit=audit)
        if website and not form.is_valid() and "website" in form.errors:
            form = cls({**data, "website": ""}, audit=audit)
        return form
