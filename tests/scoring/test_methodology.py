"""Methodology specs (scoring.methodology): validation messages and fingerprints. No database."""

import copy
import json

import pytest

from scoring.methodology import (
    AXES,
    DEFAULT_SPEC,
    MethodologyError,
    default_spec,
    indicator_table,
    spec_fingerprint,
    validate_spec,
)


def test_default_spec_validates_and_is_canonical():
    spec = validate_spec(default_spec())
    assert validate_spec(spec) == spec  # idempotent
    assert spec["normalisation"] == "percentile" and spec["aggregation"] == "arithmetic"
    json.dumps(spec)  # JSON-compatible
    keys = [row[2] for row in indicator_table(spec)]
    assert len(keys) == len(set(keys))
    for axis in AXES:
        assert sum(row[3] for row in indicator_table(spec) if row[0] == axis) == pytest.approx(1.0)


def test_default_spec_is_not_mutated_by_validation_or_copies():
    before = copy.deepcopy(DEFAULT_SPEC)
    spec = default_spec()
    spec["axes"]["right_to_win"]["specialisation"]["weight"] = 9.0
    validate_spec(spec)
    assert before == DEFAULT_SPEC


def edit(path, value):
    """A copy of the default spec with the dotted ``path`` set to ``value`` (``DELETE`` removes it)."""
    spec = default_spec()
    *parents, last = path.split(".")
    node = spec
    for part in parents:
        node = node[part]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return spec


DELETE = object()
LQ = "axes.right_to_win.specialisation.indicators.lq"
GROUP = "axes.right_to_win.specialisation"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        # negative weights
        (f"{LQ}.weight", -0.1, f"{LQ}.weight must not be negative"),
        (f"{GROUP}.weight", -1, f"{GROUP}.weight must not be negative"),
        # non-numeric weights
        (f"{LQ}.weight", "0.6", f"{LQ}.weight must be a number"),
        (f"{LQ}.weight", None, f"{LQ}.weight must be a number"),
        (f"{LQ}.weight", True, f"{LQ}.weight must be a number"),
        (f"{GROUP}.weight", [0.25], f"{GROUP}.weight must be a number"),
        (f"{GROUP}.weight", float("nan"), f"{GROUP}.weight must be finite"),
        (f"{GROUP}.weight", DELETE, f"{GROUP}.weight must be a number"),
        # unknown normalisation, at the top and on an indicator
        ("normalisation", "ranked", "normalisation must be one of"),
        ("normalisation", "goalposts", "normalisation must be one of"),  # goalposts need per-indicator bounds
        (f"{LQ}.normalisation", "ranked", f"{LQ}.normalisation must be one of"),
        ("aggregation", "harmonic", "aggregation must be one of"),
        (f"{LQ}.transform", "sqrt", f"{LQ}.transform must be one of"),
        # goalposts
        ("axes.right_to_win.anchors.indicators.anchor_strength.goalposts", [1.0, 0.0], "goalposts must be increasing"),
        ("axes.right_to_win.anchors.indicators.anchor_strength.goalposts", [1.0, 1.0], "goalposts must be increasing"),
        ("axes.right_to_win.anchors.indicators.anchor_strength.goalposts", [0.0], "goalposts must be [low, high]"),
        ("axes.right_to_win.anchors.indicators.anchor_strength.goalposts", DELETE, "goalposts must be [low, high]"),
        ("axes.right_to_win.anchors.indicators.anchor_strength.goalposts", ["0", 1], "goalposts must be a number"),
        # thresholds out of range
        ("thresholds.right_to_win", 0, "thresholds.right_to_win must be between 0 and 100"),
        ("thresholds.right_to_win", 100, "thresholds.right_to_win must be between 0 and 100"),
        ("thresholds.want_to_win", -5.0, "thresholds.want_to_win must be between 0 and 100"),
        ("thresholds.want_to_win", 150, "thresholds.want_to_win must be between 0 and 100"),
        ("thresholds.want_to_win", "50", "thresholds.want_to_win must be a number"),
        # other fields
        ("outliers.winsorise_max_share", 0.6, "outliers.winsorise_max_share must be between 0 and 0.5"),
        ("uncertainty.draws", 10.5, "uncertainty.draws must be a whole number"),
        ("uncertainty.draws", 20_000, "uncertainty.draws must be a whole number"),
        ("uncertainty.weight_noise", 1.0, "uncertainty.weight_noise must be at least 0 and below 1"),
        (f"{LQ}.direction", 0, f"{LQ}.direction must be 1 or -1"),
        (f"{GROUP}.indicators", {}, f"{GROUP} needs at least one indicator"),
        ("axes.want_to_win", {}, "axes.want_to_win needs at least one group"),
        ("axes.right_to_win.extra", {"weight": 1, "indicators": {"lq": {}}}, "indicator 'lq' appears twice"),
    ],
)
def test_validate_spec_rejects_with_a_message_naming_the_field(path, value, message):
    with pytest.raises(MethodologyError) as info:
        validate_spec(edit(path, value))
    assert message in str(info.value)


def test_duplicated_indicator_across_axes_names_the_second_place():
    spec = default_spec()
    spec["axes"]["want_to_win"]["market_growth"]["indicators"]["lq"] = {"weight": 1.0}
    with pytest.raises(MethodologyError, match=r"axes\.want_to_win\.market_growth\.indicators\.lq: .*appears twice"):
        validate_spec(spec)


def test_an_axis_with_all_zero_weights_is_rejected():
    spec = default_spec()
    for group in spec["axes"]["want_to_win"].values():
        group["weight"] = 0
    with pytest.raises(MethodologyError, match=r"axes\.want_to_win: at least one group needs a positive weight"):
        validate_spec(spec)
    spec = default_spec()
    for indicator in spec["axes"]["right_to_win"]["ecosystem"]["indicators"].values():
        indicator["weight"] = 0.0
    with pytest.raises(
        MethodologyError, match=r"axes\.right_to_win\.ecosystem: at least one indicator needs a positive weight"
    ):
        validate_spec(spec)
    # zero weights are fine as long as something on the axis still carries weight
    spec = default_spec()
    spec["axes"]["want_to_win"]["trends"]["weight"] = 0
    spec["axes"]["right_to_win"]["specialisation"]["indicators"]["scale"]["weight"] = 0
    validate_spec(spec)


def test_structural_errors():
    with pytest.raises(MethodologyError, match="must be an object"):
        validate_spec([])
    spec = default_spec()
    spec["axes"]["speed_to_win"] = spec["axes"].pop("want_to_win")
    with pytest.raises(MethodologyError, match="axes must have exactly right_to_win and want_to_win"):
        validate_spec(spec)
    spec = default_spec()
    spec["normalisation"] = "target"  # a default target normalisation needs a target where one is given ...
    validate_spec(spec)
    spec["axes"]["right_to_win"]["specialisation"]["indicators"]["lq"]["target"] = 0
    with pytest.raises(MethodologyError, match=rf"{LQ}\.target must be positive"):
        validate_spec(spec)
    spec = default_spec()
    spec["axes"]["right_to_win"]["specialisation"]["indicators"]["lq"]["normalisation"] = "target"
    with pytest.raises(MethodologyError, match=rf"{LQ} uses target normalisation but has no target"):
        validate_spec(spec)


def test_fingerprint_is_equal_for_equivalent_specs():
    base = spec_fingerprint(default_spec())
    # canonical form: validated output, ints for floats, defaults spelled out or left out, key order
    assert spec_fingerprint(validate_spec(default_spec())) == base
    spec = default_spec()
    spec["axes"]["right_to_win"]["momentum"]["indicators"]["competitive_shift"]["weight"] = 1  # was 1.0
    spec["thresholds"] = {"want_to_win": 50, "right_to_win": 50}
    del spec["outliers"]
    spec["axes"]["want_to_win"]["job_quality"]["indicators"]["job_quality"]["transform"] = "none"
    assert spec_fingerprint(spec) == base
    reordered = default_spec()
    reordered["axes"] = {
        axis: dict(reversed(list(groups.items()))) for axis, groups in reversed(list(reordered["axes"].items()))
    }
    reordered = dict(reversed(list(reordered.items())))
    assert spec_fingerprint(reordered) == base
    assert spec_fingerprint(json.loads(json.dumps(default_spec()))) == base


@pytest.mark.parametrize(
    "path",
    [
        f"{LQ}.weight",
        f"{GROUP}.weight",
        "axes.want_to_win.trends.weight",
        "axes.right_to_win.ecosystem.indicators.cross_sector_share.weight",
    ],
)
def test_fingerprint_changes_when_a_weight_changes(path):
    *parents, last = path.split(".")
    spec = default_spec()
    node = spec
    for part in parents:
        node = node[part]
    node[last] = node[last] + 0.05
    assert spec_fingerprint(spec) != spec_fingerprint(default_spec())


def test_fingerprint_changes_with_normalisation_threshold_and_direction():
    base = spec_fingerprint(default_spec())
    assert spec_fingerprint(edit("normalisation", "minmax")) != base
    assert spec_fingerprint(edit("thresholds.right_to_win", 55.0)) != base
    assert spec_fingerprint(edit(f"{LQ}.direction", -1)) != base
