"""The home page: the active organisation's audits and the reference data the platform holds."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from audits import selectors as audit_selectors
from clusters.models import ClusterDefinition
from regions.models import Dataset, RegionSet


def reference_data_summary(*, user, organisation):
    """Region sets with region counts, visible clusters by kind, and the loaded datasets."""
    kinds = (
        ClusterDefinition.objects.for_user(user, organisation=organisation)
        .order_by()
        .values("kind", "scope")
        .annotate(n=Count("pk"))
    )
    by_kind = {(row["kind"], row["scope"]): row["n"] for row in kinds}
    return {
        "region_sets": RegionSet.objects.annotate(region_count=Count("regions")).order_by("name"),
        "cluster_total": sum(by_kind.values()),
        "benchmark_traded": by_kind.get(("benchmark", "traded"), 0),
        "benchmark_local": by_kind.get(("benchmark", "local"), 0),
        "custom_clusters": sum(n for (kind, _), n in by_kind.items() if kind != "benchmark"),
        "datasets": Dataset.objects.filter(loaded_at__isnull=False).order_by("name"),
    }


@login_required
def home(request):
    context = {
        "audits": audit_selectors.audit_list(user=request.user, organisation=request.organisation),
        "reference": reference_data_summary(user=request.user, organisation=request.organisation),
    }
    return render(request, "dashboards/home.html", context)
