"""The stable indicator export: one row per region × cluster of a region set's latest succeeded run."""

from assessments.models import Score, ScoreRun
from core.exports import write_csv

COLUMNS = [
    "region_code", "region_name", "cluster_code", "cluster_name", "employment", "establishments", "lq", "strong",
    "strong10", "significant", "qualifying", "shift_share_competitive", "relatedness_density", "right_to_win",
    "right_to_win_low", "right_to_win_high", "want_to_win", "want_to_win_low", "want_to_win_high", "quadrant",
    "coverage", "methodology_version",
]  # fmt: skip


class NoRun(LookupError):
    pass


def latest_region_set_run(*, region_set, year, methodology=None):
    """The latest succeeded run over the whole region set (not an audit's) for ``year``."""
    runs = ScoreRun.objects.of_region_set(region_set, year).select_related("methodology")
    if methodology is not None:
        runs = runs.filter(methodology=methodology)
    run = runs.latest_succeeded()
    if run is None:
        raise NoRun(f"No succeeded run for {region_set.slug} in {year}: run score_region_set first.")
    return run


def _round(value, digits):
    return None if value is None else round(value, digits)


def export_indicators(handle, run):
    """Write the run's scores as CSV to ``handle``; returns the row count."""
    label = run.methodology.label
    scores = (
        Score.objects.filter(run=run)
        .select_related("region", "cluster")
        .order_by("region__code", "cluster__kind", "cluster__code")
    )
    rows = (
        (
            s.region.code,
            s.region.name,
            s.cluster.code,
            s.cluster.name,
            s.employment,
            s.establishments,
            _round(s.lq, 6),
            s.strong,
            s.strong10,
            s.significant,
            s.qualifying,
            _round(s.shift_share_competitive, 3),
            _round(s.relatedness_density, 6),
            _round(s.right_to_win, 3),
            _round(s.right_to_win_low, 3),
            _round(s.right_to_win_high, 3),
            _round(s.want_to_win, 3),
            _round(s.want_to_win_low, 3),
            _round(s.want_to_win_high, 3),
            s.quadrant,
            _round(s.coverage, 4),
            label,
        )  # fmt: skip
        for s in scores.iterator(chunk_size=5000)
    )
    return write_csv(handle, COLUMNS, rows)
