"""The scenario chart: each candidate cluster's move from before (the audit's run) to after (the scenario's run).

Its rows are ``dashboards.selectors.Delta``.
"""

import plotly.graph_objects as go

from dashboards.charts.base import QUADRANT_COLOURS, QUADRANT_LABELS, base_layout, chart_text, figure_html

QUADRANT_TINTS = {"lead": "#00805f", "build": "#0063a6", "leverage": "#a34700", "monitor": "#55606e"}


def arrow_figure(rows, thresholds):
    """Right to win (x) × want to win (y): hollow markers before, filled after, an arrow from one to the other."""
    placed = [d for d in rows if d.placed]
    right, want = thresholds["right_to_win"], thresholds["want_to_win"]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[d.right_before for d in placed],
            y=[d.want_before for d in placed],
            mode="markers",
            name="Before",
            text=[chart_text(d.name) for d in placed],
            hovertemplate="<b>%{text}</b> (before)<br>Right to win %{x:.1f} · Want to win %{y:.1f}<extra></extra>",
            marker={
                "size": 12,
                "color": "white",
                "line": {"color": [QUADRANT_COLOURS.get(d.quadrant_before, "#55606e") for d in placed], "width": 2},
            },
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[d.right_after for d in placed],
            y=[d.want_after for d in placed],
            mode="markers+text",
            name="After",
            text=[chart_text(d.name) for d in placed],
            textposition="top center",
            hovertemplate="<b>%{text}</b> (after)<br>Right to win %{x:.1f} · Want to win %{y:.1f}<extra></extra>",
            marker={
                "size": 14,
                "color": [QUADRANT_COLOURS.get(d.quadrant_after, "#55606e") for d in placed],
                "line": {"color": "white", "width": 1},
            },
        )
    )
    bands = [("monitor", 0, right, 0, want), ("leverage", right, 100, 0, want),
             ("build", 0, right, want, 100), ("lead", right, 100, want, 100)]  # fmt: skip
    shapes = [
        {"type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "fillcolor": QUADRANT_TINTS[q],
         "opacity": 0.06, "line": {"width": 0}, "layer": "below"}
        for q, x0, x1, y0, y1 in bands
    ]  # fmt: skip
    line = {"color": "#9ca3af", "width": 1, "dash": "dash"}
    shapes += [
        {"type": "line", "x0": right, "x1": right, "y0": 0, "y1": 100, "line": line},
        {"type": "line", "x0": 0, "x1": 100, "y0": want, "y1": want, "line": line},
    ]
    corners = [("build", 2, 98, "left", "top"), ("lead", 98, 98, "right", "top"),
               ("monitor", 2, 2, "left", "bottom"), ("leverage", 98, 2, "right", "bottom")]  # fmt: skip
    annotations = [
        {"x": x, "y": y, "xanchor": xa, "yanchor": ya, "text": f"<b>{QUADRANT_LABELS[q]}</b>", "showarrow": False,
         "font": {"color": QUADRANT_COLOURS[q], "size": 14}}
        for q, x, y, xa, ya in corners
    ]  # fmt: skip
    for d in placed:
        if abs(d.right_delta) < 1e-9 and abs(d.want_delta) < 1e-9:
            continue
        annotations.append(
            {
                "x": d.right_after,
                "y": d.want_after,
                "ax": d.right_before,
                "ay": d.want_before,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "text": "",
                "showarrow": True,
                "arrowhead": 3,
                "arrowsize": 1.4,
                "arrowwidth": 2,
                "standoff": 7,
                "startstandoff": 6,
                "arrowcolor": QUADRANT_COLOURS.get(d.quadrant_after, "#55606e"),
            }
        )
    figure.update_layout(
        base_layout(
            height=560,
            shapes=shapes,
            annotations=annotations,
            legend={"orientation": "h", "y": -0.12},
            xaxis={"title": {"text": "Right to win"}, "range": [0, 100], "gridcolor": "#e5e7eb", "zeroline": False},
            yaxis={"title": {"text": "Want to win"}, "range": [0, 100], "gridcolor": "#e5e7eb", "zeroline": False},
        )
    )
    return figure


def arrow_chart(rows, thresholds):
    return figure_html(
        arrow_figure(rows, thresholds),
        div_id="scenario-chart",
        label="Each candidate cluster's move from before (hollow) to after the scenario (filled). "
        "The table below has the values.",
    )
