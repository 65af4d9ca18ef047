"""A scenario's page: each candidate cluster's move from before (the audit's run) to after (the scenario's run).

Creating, validating and re-scoring scenarios are writes: ``assessments.views.scenarios``.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assessments.models import Scenario
from core.access import can_write, visible_or_404
from core.models import RunStatus
from dashboards import selectors
from dashboards.charts.scenarios import arrow_chart


@login_required
def scenario_detail(request, pk):
    queryset = Scenario.objects.select_related("audit", "audit__region", "methodology")
    scenario = visible_or_404(request, queryset, pk=pk)
    before, after, rows = selectors.scenario_comparison(scenario)
    ready = after is not None and after.status == RunStatus.SUCCEEDED and before is not None
    chart = arrow_chart(rows, selectors.thresholds_of(after)) if ready and any(d.placed for d in rows) else ""
    context = {
        "scenario": scenario,
        "audit": scenario.audit,
        "before": before,
        "after": after,
        "rows": rows,
        "chart": chart,
        "changes": selectors.scenario_changes(scenario),
        "can_write": can_write(request),
    }
    return render(request, "dashboards/scenarios/detail.html", context)
