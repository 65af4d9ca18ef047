"""The dashboards' query strings as forms: every choice a page reads from ``request.GET`` is validated here.

A value the page cannot honour (an unknown cluster, indicator, region set or region, too few or too many regions)
is a form error the page shows with a 400; a missing value takes the page's default.
"""

from django import forms
from django.core.exceptions import ValidationError

BENCHMARK_MIN, BENCHMARK_MAX = 2, 10
SORTS = [("value", "Highest first"), ("-value", "Lowest first"), ("name", "By name")]


class QueryForm(forms.Form):
    """A GET form whose messages the pages list in one box (``dashboards/maps/_errors.html``)."""

    def messages(self):
        return [message for errors in self.errors.values() for message in errors]


class ChoroplethQuery(QueryForm):
    """Which of the run's clusters, which indicator and which table order the map shows."""

    cluster = forms.CharField(required=False)
    indicator = forms.CharField(required=False)
    sort = forms.ChoiceField(choices=SORTS, required=False)

    def __init__(self, data, *, clusters, indicators):
        """``clusters``: the run's visible clusters; ``indicators``: every indicator key the methodology knows."""
        super().__init__(data)
        self.clusters = clusters
        self.indicators = indicators

    def clean_cluster(self):
        """The cluster with the given code; without one, the first benchmark cluster (or the first cluster)."""
        code = self.cleaned_data["cluster"].strip()
        if not code:
            return self.default_cluster
        cluster = next((c for c in self.clusters if c.code == code), None)
        if cluster is None:
            raise ValidationError(f"No cluster “{code}” was scored in this run.")
        return cluster

    @property
    def default_cluster(self):
        return next((c for c in self.clusters if c.kind == "benchmark"), self.clusters[0] if self.clusters else None)

    def clean_indicator(self):
        key = self.cleaned_data["indicator"].strip()
        if key and key not in self.indicators:
            raise ValidationError(f"Unknown indicator “{key}”.")
        return key


class RegionSetQuery(QueryForm):
    """A region set by slug (the first set when none is given); ``regions`` are then the set's regions."""

    region_set = forms.CharField(required=False)

    def __init__(self, data, *, region_sets, regions_of):
        """``regions_of(region_set)`` reads a set's regions once the set is known."""
        super().__init__(data)
        self.region_sets = region_sets
        self.regions_of = regions_of
        self.regions = []

    def clean_region_set(self):
        slug = self.cleaned_data["region_set"].strip() or (self.region_sets[0].slug if self.region_sets else "")
        if not slug:
            return None
        region_set = next((rs for rs in self.region_sets if rs.slug == slug), None)
        if region_set is None:
            raise ValidationError(f"Unknown region set “{slug}”.")
        self.regions = self.regions_of(region_set)
        return region_set


class BenchmarkQuery(RegionSetQuery):
    """Two to ten regions of one set, by code, to compare side by side."""

    regions = forms.Field(required=False, widget=forms.SelectMultiple)

    def clean_regions(self):
        return list(dict.fromkeys(code.strip() for code in self.cleaned_data["regions"] or [] if code.strip()))

    def clean(self):
        cleaned = super().clean()
        region_set, codes = cleaned.get("region_set"), cleaned.get("regions") or []
        if region_set is None or not codes:
            return cleaned
        by_code = {r.code: r for r in self.regions}
        unknown = [c for c in codes if c not in by_code]
        if unknown:
            self.add_error("regions", f"Not in {region_set.name}: {', '.join(unknown)}.")
        if len(codes) < BENCHMARK_MIN:
            self.add_error("regions", f"Choose at least {BENCHMARK_MIN} regions to compare.")
        if len(codes) > BENCHMARK_MAX:
            self.add_error("regions", f"Choose at most {BENCHMARK_MAX} regions (you chose {len(codes)}).")
        if not self.errors:
            cleaned["selected"] = [by_code[c] for c in codes]
        return cleaned

    @property
    def codes(self):
        """The codes as asked for, valid or not, to keep them selected in the form."""
        return list(dict.fromkeys(c.strip() for c in self.data.getlist("regions") if c.strip()))


class PeersQuery(RegionSetQuery):
    """One region of a set to find the peers of."""

    region = forms.CharField(required=False)

    def clean(self):
        cleaned = super().clean()
        region_set, code = cleaned.get("region_set"), cleaned.get("region", "").strip()
        if region_set is None or not code:
            return cleaned
        region = next((r for r in self.regions if r.code == code), None)
        if region is None:
            self.add_error("region", f"“{code}” is not a region of {region_set.name}.")
        cleaned["region"] = region
        return cleaned

    @property
    def code(self):
        return (self.data.get("region") or "").strip()
