"""FilterSets of the assessments API. Related-object filters read through the caller's organisation only."""

import django_filters

from assessments.models import Quadrant, Scenario, Score, ScoreRun
from assessments.selectors import current_score_runs
from core.api.filtering import IdFilter, YearFilter
from core.models import RunStatus

RUN_PARAMETERS = ("run", "region_set", "year", "methodology", "methodology_version", "audit", "scenario")


class ScoreFilter(django_filters.FilterSet):
    """Which runs the scores come from (by default the latest succeeded run of every subject the caller can
    see, scenarios left out), then filters on the scores themselves."""

    run = IdFilter(method="by_run", help_text="One run's scores (any visible succeeded run).")
    region_set = django_filters.CharFilter(method="by_run", help_text="A region set's slug, e.g. us-msas.")
    year = YearFilter(method="by_run", help_text="The run's year.")
    methodology = IdFilter(method="by_run", help_text="A methodology's id.")
    methodology_version = IdFilter(method="by_run", help_text="A methodology version number.")
    audit = IdFilter(method="by_run", help_text="One of your audits' latest scores.")
    scenario = IdFilter(method="by_run", help_text="One of your scenarios' latest scores.")

    region = IdFilter(field_name="region_id", help_text="A region's id.")
    region_code = django_filters.CharFilter(field_name="region__code", help_text="A region's code, e.g. 25 or UKG3.")
    cluster = IdFilter(field_name="cluster_id", help_text="A cluster's id.")
    cluster_code = django_filters.CharFilter(field_name="cluster__code", help_text="A cluster's code, e.g. 6.")
    quadrant = django_filters.ChoiceFilter(choices=Quadrant.choices)
    candidate = django_filters.BooleanFilter(help_text="Only (or no) candidate clusters of the run's audit.")
    min_right_to_win = django_filters.NumberFilter(
        field_name="right_to_win", lookup_expr="gte", min_value=0, max_value=100, help_text="0–100."
    )
    min_want_to_win = django_filters.NumberFilter(
        field_name="want_to_win", lookup_expr="gte", min_value=0, max_value=100, help_text="0–100."
    )
    min_score = django_filters.NumberFilter(
        method="filter_min_score", min_value=0, max_value=100, help_text="Both axes at least this (0–100)."
    )

    class Meta:
        model = Score
        fields = ["region", "region_code", "cluster", "cluster_code", "quadrant", "candidate"]

    def by_run(self, queryset, name, value):
        return queryset  # applied together in ``filter_queryset``: they choose runs, not scores

    def filter_queryset(self, queryset):
        chosen = {name: self.form.cleaned_data.get(name) for name in RUN_PARAMETERS}
        runs = current_score_runs(organisation=getattr(self.request, "organisation", None), **chosen)
        return super().filter_queryset(queryset.filter(run_id__in=runs))

    def filter_min_score(self, queryset, name, value):
        return queryset.filter(right_to_win__gte=value, want_to_win__gte=value)


class RunFilter(django_filters.FilterSet):
    region_set = django_filters.CharFilter(field_name="region_set__slug", help_text="A region set's slug.")
    year = YearFilter()
    methodology = IdFilter(field_name="methodology_id")
    methodology_version = IdFilter(field_name="methodology__version")
    audit = IdFilter(field_name="audit_id")
    scenario = IdFilter(field_name="scenario_id")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = ScoreRun
        fields = ["region_set", "year", "methodology", "methodology_version", "audit", "scenario", "status"]


class ScenarioFilter(django_filters.FilterSet):
    audit = IdFilter(field_name="audit_id")

    class Meta:
        model = Scenario
        fields = ["audit"]
