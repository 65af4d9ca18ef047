"""Forms of the organisation's "API access" pages: making an API key and registering a webhook.

The rules themselves live in the services (``integrations.services``);
these forms check the posted fields (with the services' wording) and turn them into the services' arguments.
Whatever a service still refuses is shown as the form's error.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations import services
from integrations.models import APIKeyScope

SCOPE_HELP = {
    APIKeyScope.READ: "Fetch audits, scores, runs and scenarios; nothing can be changed.",
    APIKeyScope.WRITE: "Also create and update audits, their records and scenarios, and start score runs.",
}


class MarksInvalidFields:
    """Adds Bootstrap's ``is-invalid`` to the widgets of fields with errors (service errors included)."""

    def add_error(self, field, error):
        super().add_error(field, error)
        if field in self.fields:
            widget = self.fields[field].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class APIKeyCreateForm(MarksInvalidFields, forms.Form):
    """A key's name, its scope and an optional last day of validity."""

    # The service's own words for the service's rules, so the page and the command line say the same thing.
    name = forms.CharField(
        max_length=50,
        strip=True,
        error_messages={
            "required": "An API key needs a name, e.g. the partner system that will use it.",
            "max_length": "Keep the key's name within 50 characters.",
        },
        help_text="Who will use it, e.g. the partner system. Up to 50 characters.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. CRM nightly sync"}),
    )
    scope = forms.ChoiceField(choices=APIKeyScope.choices, initial=APIKeyScope.READ, widget=forms.RadioSelect)
    expires = forms.DateField(
        label="Expires after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Optional: the key stops working at the end of this day. Leave empty for no expiry.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.setdefault("class", "form-control")
        self.fields["expires"].widget.attrs.setdefault("class", "form-control")
        self.fields["expires"].widget.attrs.setdefault("min", timezone.localdate().isoformat())

    def clean_expires(self):
        day = self.cleaned_data.get("expires")
        if day is not None and day < timezone.localdate():
            raise ValidationError("The expiry date must be in the future.")
        return day

    def scope_options(self):
        """(value, label, help, checked) for the hand-rendered scope radios."""
        current = self["scope"].value() or APIKeyScope.READ
        return [(value, label, SCOPE_HELP[value], value == current) for value, label in APIKeyScope.choices]

    def expires_at(self):
        """The end of the chosen day in the current time zone, or ``None`` for a key that does not expire."""
        day = self.cleaned_data.get("expires")
        if day is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


class WebhookCreateForm(MarksInvalidFields, forms.Form):
    """Where to send events, and a note on what the receiver is."""

    url = forms.CharField(
        label="Payload URL",
        max_length=500,
        strip=True,
        help_text="We POST a signed JSON body to this address. https only (private addresses are refused).",
        widget=forms.URLInput(
            attrs={"placeholder": "https://partner.example.org/hooks/cluster", "autocomplete": "off"}
        ),
    )
    description = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        help_text="Optional: who runs the receiver, or what it does.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            services.check_target(url)  # the service's rule: its message says what is refused and why
        except services.WebhookError as error:
            raise ValidationError(str(error)) from error
        return url
