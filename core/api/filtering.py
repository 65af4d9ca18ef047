"""Filter types for API query parameters: values the database can compare, values that name something the caller
can see, and orderings the view offers. A bad value is a 400 naming the parameter, never an empty or ignored one."""

import django_filters
from django import forms
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

# Ids are positive and fit a signed 64-bit column (a larger number would overflow SQLite's INTEGER).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 up; anything else is a 400 with a field error, never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


# How many allowed values an error lists before it points at the resource that lists them all.
SHOWN_VALUES = 20


class KnownValueMixin:
    """A value that must name a row the caller can see: ``?audit=999999`` or ``?region_set=nope`` is a 400 that names
    the allowed values, not an empty list. ``known(request)`` is the queryset of those rows, ``lookup`` the field the
    value is compared with; the filter's value stays the plain id or slug, so ``field_name`` filters as before."""

    def __init__(self, *args, known, lookup="pk", noun, listed_at, **kwargs):
        self.known, self.lookup, self.noun, self.listed_at = known, lookup, noun, listed_at
        super().__init__(*args, **kwargs)

    def allowed(self):
        request = getattr(self.parent, "request", None)
        return self.known(request).order_by(self.lookup).values_list(self.lookup, flat=True)

    def check(self, value):
        if value in (None, "") or self.allowed().filter(**{self.lookup: value}).exists():
            return value
        shown = [str(item) for item in self.allowed()[: SHOWN_VALUES + 1]]
        if not shown:
            listing = f"there are none you can see (see {self.listed_at})"
        elif len(shown) > SHOWN_VALUES:
            listing = f"use one of {', '.join(shown[:SHOWN_VALUES])}, … (all of them at {self.listed_at})"
        else:
            listing = f"use one of {', '.join(shown)}"
        raise forms.ValidationError(f"Unknown {self.noun} {value!r}: {listing}.", code="invalid_choice")

    @property
    def field(self):
        if not hasattr(self, "_field"):
            field = super().field
            clean = field.clean
            field.clean = lambda value: self.check(clean(value))
            self._field = field
        return self._field


class KnownIdFilter(KnownValueMixin, django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class KnownSlugFilter(KnownValueMixin, django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup", "slug")
        super().__init__(*args, **kwargs)


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` with an unknown field is a 400 that lists the fields, instead of being silently ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [field for field in fields if field.lstrip("-") not in valid]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {', '.join(unknown)}: use {', '.join(sorted(valid))} "
                            "(a leading - for descending)."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)
