"""Form pieces every app shares: Bootstrap classes for hand-rendered forms, id choices that cannot overflow, and
lists of links entered one per line."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

# The largest id a database integer column holds: a bigger number is simply not found, never an overflow.
MAX_ID = 2**63 - 1


def style(form):
    """Give every widget of ``form`` its Bootstrap class (the project renders forms by hand, without a form library)."""
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = ""
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        if css:
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


class ModelIdField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` chosen by id whose lookup never sees a value the database cannot hold.

    ``"abc"``, ``"-1"`` and ``99999999999999999999999`` are "not one of the choices", not a server error.
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(getattr(value, "pk", value)).strip()
        if not text.isdigit() or int(text) > MAX_ID:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(text)


class LinesField(forms.CharField):
    """A list of links entered one per line (stored as a JSON list); each must be an http(s) URL."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        """Text with one link a line (or ``;``-separated, as spreadsheets have it), or a list of links (the API)."""
        if isinstance(value, list | tuple):
            if not all(isinstance(item, str) for item in value):
                raise ValidationError("Give the links as text, one link per item.", code="invalid")
            return [item.strip() for item in value if item.strip()]
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
