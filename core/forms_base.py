"""What every audit-asset form shares: the audit it belongs to, cluster choices scoped to the tenant, and
validation of coordinates and links, so the browser, the import and the API apply one set of rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator


class AuditAssetForm(forms.ModelForm):
    """A ModelForm for a record of ``audit``; ``clusters`` choices are the clusters its organisation may use."""

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit = audit
        self.instance.audit = audit  # model validation (e.g. a partnership's parties) needs it
        if "clusters" in self.fields:
            from clusters.models import ClusterDefinition

            self.fields["clusters"].queryset = ClusterDefinition.objects.filter(
                organisation__isnull=True
            ) | ClusterDefinition.objects.filter(organisation=audit.organisation)
            self.fields["clusters"].required = False
        for name in ("latitude", "longitude"):
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("step", "any")

    def clean_latitude(self):
        value = self.cleaned_data.get("latitude")
        if value is not None and not -90 <= value <= 90:
            raise ValidationError("Latitude must be between -90 and 90.")
        return value

    def clean_longitude(self):
        value = self.cleaned_data.get("longitude")
        if value is not None and not -180 <= value <= 180:
            raise ValidationError("Longitude must be between -180 and 180.")
        return value

    def clean(self):
        cleaned = super().clean()
        if ("latitude" in cleaned) and (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            raise ValidationError("Give both latitude and longitude, or neither.")
        return cleaned


class LinesField(forms.CharField):
    """A list of links entered one per line (stored as a JSON list); each must be an http(s) URL."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.replace(";", "\n").splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        check = URLValidator(schemes=["http", "https"])
        for link in value:
            try:
                check(link)
            except ValidationError as error:
                raise ValidationError(f"'{link}' is not an http(s) link.") from error
