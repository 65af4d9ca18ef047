"""The scenario form and the methodology editor as the services take them: posted fields to overrides or a spec.

Values are kept as typed when they are not numbers: ``scoring.overrides.validate_overrides`` and
``validate_spec`` say what is wrong with them, field by field.
"""

import re

from assessments.indicators import AXIS_LABELS, group_label
from assessments.services.scenarios import ScenarioError
from scoring.methodology import AXES, MethodologyError, indicator_table

# Thousands grouped by commas, as in "12,000" or "1,234,567.25": the only commas a number may carry. Anything else
# with a comma ("1,5", "0,25", "1,2345") is most likely a decimal comma, and dropping it would read ten (or a
# thousand) times the number meant.
GROUPED_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?")


class NumberFormatError(ValueError):
    """A number typed with a decimal comma: refused, with the same number written with a point."""


def number(value):
    """A posted number, None when blank, the text itself when not a number (the validators say what is wrong).

    Commas are read as thousands separators only where they group thousands ("12,000"); a decimal comma raises
    ``NumberFormatError`` ("use a point for decimals: 1.5") rather than being silently dropped.
    """
    text = (value or "").strip()
    if not text:
        return None
    if "," in text:
        if not GROUPED_THOUSANDS.fullmatch(text):
            pointed = text.replace(".", "").replace(",", ".") if "." in text else text.replace(",", ".")
            try:
                float(pointed)
            except ValueError:
                return text
            raise NumberFormatError(f"“{text}” has a comma: use a point for decimals: {pointed}")
        text = text.replace(",", "")
    try:
        parsed = float(text)
    except ValueError:
        return text
    return int(parsed) if parsed.is_integer() else parsed


def _field_number(value, label, error_class):
    """``number(value)``, a decimal comma reported as ``error_class`` naming the field."""
    try:
        return number(value)
    except NumberFormatError as error:
        raise error_class(f"{label}: {error}") from error


def overrides_from_post(post, spec):
    """Overrides from the what-if form: one anchor, one jobs change, and the group weights that differ from ``spec``.

    ``spec`` is the methodology whose weights the form showed (its ``weights_basis``), not necessarily the one
    chosen: a weight left as shown is no override, so choosing another methodology never restores these weights.
    """
    overrides = {}
    anchor_name = (post.get("anchor_name") or "").strip()
    if anchor_name:
        overrides["add_anchors"] = [
            {
                "name": anchor_name,
                "anchor_type": post.get("anchor_type") or "",
                "staff": _field_number(post.get("anchor_staff"), "The anchor's staff", ScenarioError),
                "clusters": [c for c in post.getlist("anchor_clusters") if c],
                "latitude": _field_number(post.get("anchor_latitude"), "The anchor's latitude", ScenarioError),
                "longitude": _field_number(post.get("anchor_longitude"), "The anchor's longitude", ScenarioError),
            }
        ]
    jobs = _field_number(post.get("jobs"), "Jobs", ScenarioError)
    if jobs not in (None, 0):
        overrides["add_jobs"] = [{"cluster": post.get("jobs_cluster") or "", "jobs": jobs}]
    weights = {}
    for axis in AXES:
        for group, entry in spec["axes"][axis].items():
            label = f"{AXIS_LABELS[axis]}, {group_label(group)} weight"
            value = _field_number(post.get(f"weight_{axis}.{group}"), label, ScenarioError)
            if value is not None and value != entry["weight"]:
                weights[f"{axis}.{group}"] = value
    if weights:
        overrides["weights"] = weights
    return overrides


def weight_rows(spec, post=None):
    """The what-if form's group weights: the spec's, or as posted when the form comes back with an error."""
    rows = []
    for axis in AXES:
        for group, entry in spec["axes"][axis].items():
            name = f"weight_{axis}.{group}"
            value = post.get(name) if post is not None and name in post else entry["weight"]
            rows.append(
                {"axis": AXIS_LABELS[axis], "group": group, "label": group_label(group), "name": name, "value": value}
            )
    return rows


def spec_from_post(spec, post):
    """A copy of ``spec`` with group and indicator weights from the editor form (values left as typed)."""
    out = {**spec, "axes": {}}
    for axis in AXES:
        out["axes"][axis] = {}
        for group, entry in spec["axes"][axis].items():
            indicators = {}
            for key, indicator in entry["indicators"].items():
                label = f"{indicator.get('label', key)} weight"
                weight = _field_number(post.get(f"i:{axis}.{group}.{key}"), label, MethodologyError)
                indicators[key] = {**indicator, "weight": weight}
            out["axes"][axis][group] = {
                **entry,
                "weight": _field_number(
                    post.get(f"g:{axis}.{group}"), f"{AXIS_LABELS[axis]}, {group_label(group)} weight", MethodologyError
                ),
                "indicators": indicators,
            }
    return out


def editor_rows(spec, post=None):
    """Groups with their indicators and the current (or posted) weights, and each indicator's effective share."""
    effective = {(axis, group, key): share for axis, group, key, share, _ in indicator_table(spec)}
    axes = []
    for axis in AXES:
        groups = []
        for group, entry in spec["axes"][axis].items():
            name = f"g:{axis}.{group}"
            indicators = []
            for key, indicator in entry["indicators"].items():
                iname = f"i:{axis}.{group}.{key}"
                indicators.append({
                    "key": key,
                    "label": indicator.get("label", key),
                    "name": iname,
                    "value": post.get(iname) if post is not None else indicator["weight"],
                    "effective": effective.get((axis, group, key), 0.0) * 100,
                })  # fmt: skip
            groups.append({"key": group, "label": group_label(group), "name": name,
                           "indicators": indicators,
                           "value": post.get(name) if post is not None else entry["weight"]})  # fmt: skip
        axes.append({"key": axis, "label": AXIS_LABELS[axis], "groups": groups})
    return axes
