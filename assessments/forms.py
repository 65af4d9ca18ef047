"""The scenario form and the methodology editor as the services take them: posted fields to overrides or a spec.

Values are kept as typed when they are not numbers: ``scoring.overrides.validate_overrides`` and
``validate_spec`` say what is wrong with them, field by field.
"""

from assessments.indicators import AXIS_LABELS, group_label
from scoring.methodology import AXES, indicator_table


def number(value):
    """A posted number (thousands separators allowed), None when blank, the text itself when not a number."""
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    try:
        parsed = float(value)
    except ValueError:
        return value
    return int(parsed) if parsed.is_integer() else parsed


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
                "staff": number(post.get("anchor_staff")),
                "clusters": [c for c in post.getlist("anchor_clusters") if c],
                "latitude": number(post.get("anchor_latitude")),
                "longitude": number(post.get("anchor_longitude")),
            }
        ]
    jobs = number(post.get("jobs"))
    if jobs not in (None, 0):
        overrides["add_jobs"] = [{"cluster": post.get("jobs_cluster") or "", "jobs": jobs}]
    weights = {}
    for axis in AXES:
        for group, entry in spec["axes"][axis].items():
            value = number(post.get(f"weight_{axis}.{group}"))
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
                indicators[key] = {**indicator, "weight": number(post.get(f"i:{axis}.{group}.{key}"))}
            out["axes"][axis][group] = {
                **entry,
                "weight": number(post.get(f"g:{axis}.{group}")),
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
