"""Model fields shared across apps."""

from django.db import models


class LinkField(models.URLField):
    """A URL whose form field reads a bare "example.org" as https (Django 6's default, adopted now)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
