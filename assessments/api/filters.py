"""FilterSets of the assessments API. Related-object filters read through the caller's organisation only."""

import django_filters

from assessments.models import Methodology, Quadrant, Scenario, Score, ScoreRun
from assessments.selectors import SCORE_SOURCES, current_score_runs
from audits.api.filters import audit_filter, region_set_filter
from core.api.filtering import IdFilter, KnownIdFilter, YearFilter
from core.models import RunStatus

RUN_PARAMETERS = ("run", "region_set", "year", "methodology", "methodology_version", "audit", "scenario", "source")


def _organisation(request):
    return getattr(request, "organisation", None)


def methodology_filter(**kwargs):
    known = lambda request: Methodology.objects.visible_to(_organisation(request))  # noqa: E731
    return KnownIdFilter(known=known, noun="methodology", listed_at="/api/v1/methodologies/", **kwargs)


def scenario_filter(**kwargs):
    known = lambda request: Scenario.objects.visible_to(_organisation(request))  # noqa: E731
    return KnownIdFilter(known=known, noun="scenario", listed_at="/api/v1/scenarios/", **kwargs)


def run_filter(**kwargs):
    known = lambda request: ScoreRun.objects.visible_to(_organisation(request))  # noqa: E731
    return KnownIdFilter(known=known, noun="run", listed_at="/api/v1/runs/", **kwargs)


class ScoreFilter(django_filters.FilterSet):
    """Which runs the scores come from (by default the latest succeeded run of every subject the caller can
    see, scenarios left out), then filters on the scores themselves."""

    run = run_filter(method="by_run", help_text="One run's scores (any visible succeeded run).")
    region_set = region_set_filter(method="by_run", help_text="A region set's slug, e.g. us-msas.")
    year = YearFilter(method="by_run", help_text="The run's year.")
    methodology = methodology_filter(method="by_run", help_text="A methodology's id.")
    methodology_version = IdFilter(method="by_run", help_text="A methodology version number.")
    audit = audit_filter(method="by_run", help_text="One of your audits' latest scores.")
    scenario = scenario_filter(method="by_run", help_text="One of your scenarios' latest scores.")
    source = django_filters.ChoiceFilter(
        method="by_run",
        choices=SCORE_SOURCES,
        help_text="public: region-set runs from public statistics; audit: your audits' runs (see each row's source).",
    )

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
    region_set = region_set_filter(field_name="region_set__slug", help_text="A region set's slug.")
    year = YearFilter()
    methodology = methodology_filter(field_name="methodology_id")
    methodology_version = IdFilter(field_name="methodology__version")
    audit = audit_filter(field_name="audit_id")
    scenario = scenario_filter(field_name="scenario_id")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = ScoreRun
        fields = ["region_set", "year", "methodology", "methodology_version", "audit", "scenario", "status"]


class ScenarioFilter(django_filters.FilterSet):
    audit = audit_filter(field_name="audit_id")

    class Meta:
        model = Scenario
        fields = ["audit"]
