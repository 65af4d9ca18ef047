"""Issue 21, point 14: audit pages and the score explanation show labels, never internal names or ids."""

import pytest

from anchors.models import AnchorType
from assessments.models import ScoreRun
from assessments.selectors import run_results
from audits.models import AuditStatus, MarketForecast
from audits.versions import audit_compare, audit_new_version
from audits.views.editor import _history
from clusters.models import ClusterDefinition
from regions.models import RegionSet
from tests.factories import AnchorFactory, AuditFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(organisation):
    region_set = RegionSet.objects.get(slug="us-msas")
    return AuditFactory(organisation=organisation, region_set=region_set, region=region_set.regions.get(code="14460"))


def benchmark(code):
    return ClusterDefinition.objects.get(organisation=None, kind="benchmark", code=code)


def test_a_related_cluster_outside_the_candidates_is_named(audit):
    biopharma, education = benchmark("5"), benchmark("13")
    run = ScoreRun(audit=audit, organisation=audit.organisation, region_set=audit.region_set, year=2016)
    reason = "serve related clusters (13 ~ 5)"
    run.results = {"candidates": ["5"], "partner_strategy": {"clusters": {"5": {
        "groups_present": [], "recommendations": [{"reasons": [reason]}]}}}}  # fmt: skip
    results = run_results(run=run, clusters={"5": biopharma})
    (text,) = results.partner_clusters[0]["recommendations"][0]["reasons"]
    assert text == f"serve related clusters ({education.name} and {biopharma.name})"
    assert "13" not in text and "~" not in text


def test_the_history_names_choices_and_clusters_by_their_labels(audit, owner):
    anchor = AnchorFactory(audit=audit, anchor_type=AnchorType.UNIVERSITY)
    anchor.anchor_type = AnchorType.MAJOR_FIRM
    anchor.save()
    rows, _ = _history(anchor)
    changes = {label: (old, new) for label, old, new in rows[0]["changes"]}
    assert ("University", "Major firm") in changes.values()

    forecast = MarketForecast.objects.create(audit=audit, cluster=benchmark("5"), base_year=2024, base_value=1,
                                             target_year=2030, target_value=2, source="x")  # fmt: skip
    forecast.cluster = benchmark("13")
    forecast.save()
    changes = [(old, new) for _, old, new in _history(forecast)[0][0]["changes"]]
    assert (benchmark("5").name, benchmark("13").name) in changes


def test_the_edition_comparison_shows_choice_labels(audit, owner):
    anchor = AnchorFactory(audit=audit, name="Biogen", anchor_type=AnchorType.UNIVERSITY)
    audit.status = AuditStatus.APPROVED
    audit.save()
    second = audit_new_version(audit=audit, user=owner)
    second.anchors.filter(name="Biogen").update(anchor_type=AnchorType.MAJOR_FIRM)
    comparison = audit_compare(audit=second, other=audit)
    changes = [c for kind in comparison.kinds for record in kind.changed for c in record.changes]
    assert any(c.before == "University" and c.after == "Major firm" for c in changes), changes
    assert anchor.pk
