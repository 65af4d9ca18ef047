"""Figures of the region dashboard and the cluster-in-region page, built on the shared conventions (charts.py)."""

import networkx as nx
import plotly.graph_objects as go

from dashboards.charts.base import (
    GROUP_COLOURS,
    QUADRANT_COLOURS,
    QUADRANT_LABELS,
    base_layout,
    chart_text,
    figure_html,
)

UP, DOWN = "#15803d", "#d97706"


def _gap(value, bound, upper):
    if value is None or bound is None:
        return 0.0
    return max(bound - value, 0.0) if upper else max(value - bound, 0.0)


def quadrant_chart(scores, thresholds):
    """Right to win (x) × want to win (y): one bubble per cluster, whiskers for the intervals, threshold lines."""
    placed = [s for s in scores if s.right_to_win is not None and s.want_to_win is not None]
    biggest = max((s.employment or 0 for s in placed), default=0) or 1
    figure = go.Figure()
    for quadrant, colour in QUADRANT_COLOURS.items():
        rows = [s for s in placed if s.quadrant == quadrant]
        if not rows:
            continue
        figure.add_trace(
            go.Scatter(
                x=[s.right_to_win for s in rows],
                y=[s.want_to_win for s in rows],
                mode="markers",
                name=QUADRANT_LABELS[quadrant],
                text=[chart_text(s.cluster.name) for s in rows],
                customdata=[[s.rank or "—", f"{s.employment or 0:,.0f}"] for s in rows],
                hovertemplate="<b>%{text}</b><br>Right to win %{x:.1f} · Want to win %{y:.1f}"
                "<br>Rank %{customdata[0]} · %{customdata[1]} jobs<extra></extra>",
                marker={
                    "color": colour,
                    "opacity": 0.75,
                    "line": {"color": "white", "width": 1},
                    "size": [s.employment or 0 for s in rows],
                    "sizemode": "area",
                    "sizeref": 2.0 * biggest / 46**2,
                    "sizemin": 5,
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(s.right_to_win, s.right_to_win_high, True) for s in rows],
                    "arrayminus": [_gap(s.right_to_win, s.right_to_win_low, False) for s in rows],
                    "color": colour,
                    "thickness": 1,
                    "width": 0,
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(s.want_to_win, s.want_to_win_high, True) for s in rows],
                    "arrayminus": [_gap(s.want_to_win, s.want_to_win_low, False) for s in rows],
                    "color": colour,
                    "thickness": 1,
                    "width": 0,
                },
            )
        )
    right, want = thresholds["right_to_win"], thresholds["want_to_win"]
    line = {"color": "#9ca3af", "width": 1, "dash": "dash"}
    shapes = [
        {"type": "line", "x0": right, "x1": right, "y0": 0, "y1": 100, "line": line},
        {"type": "line", "x0": 0, "x1": 100, "y0": want, "y1": want, "line": line},
    ]
    corners = [("build", 2, 98, "left", "top"), ("lead", 98, 98, "right", "top"),
               ("monitor", 2, 2, "left", "bottom"), ("leverage", 98, 2, "right", "bottom")]  # fmt: skip
    annotations = [
        {
            "x": x,
            "y": y,
            "xanchor": xa,
            "yanchor": ya,
            "text": f"<b>{QUADRANT_LABELS[q]}</b>",
            "showarrow": False,
            "font": {"color": QUADRANT_COLOURS[q], "size": 14},
        }
        for q, x, y, xa, ya in corners
    ]
    figure.update_layout(
        base_layout(
            height=560,
            shapes=shapes,
            annotations=annotations,
            legend={"orientation": "h", "y": -0.12, "title": {"text": "Quadrant  "}},
            xaxis={"title": {"text": "Right to win"}, "range": [0, 100], "gridcolor": "#e5e7eb", "zeroline": False},
            yaxis={"title": {"text": "Want to win"}, "range": [0, 100], "gridcolor": "#e5e7eb", "zeroline": False},
        )
    )
    return figure_html(
        figure,
        div_id="quadrant-chart",
        label="Clusters by right to win and want to win; bubble size is employment. The table below has the values.",
    )


def contribution_chart(axis):
    """One axis's indicators as horizontal bars of signed impact (points above or below the midpoint)."""
    rows = sorted((r for r in axis["rows"] if r.get("impact") is not None), key=lambda r: r["impact"])
    figure = go.Figure(
        go.Bar(
            x=[r["impact"] for r in rows],
            y=[r["label"] for r in rows],
            orientation="h",
            marker={"color": [UP if r["impact"] >= 0 else DOWN for r in rows]},
            hovertemplate="<b>%{y}</b><br>%{x:+.1f} points<extra></extra>",
        )
    )
    figure.update_layout(
        base_layout(
            height=max(160, 34 * len(rows) + 70),
            margin={"l": 210, "r": 24, "t": 16, "b": 44},
            xaxis={
                "title": {"text": "Impact on the score (points vs. midpoint 50)"},
                "zerolinecolor": "#6b7280",
                "gridcolor": "#e5e7eb",
            },  # fmt: skip
            yaxis={"automargin": True},
            showlegend=False,
        )
    )
    return figure_html(
        figure,
        div_id=f"contributions-{axis['key'].replace('_', '-')}",
        label=f"{axis['label']}: each indicator's impact on the score; the table below has the values.",
    )


def network_chart(network):
    """The cluster's parties and partnerships, coloured by stakeholder group; cross-sector ties in amber."""
    graph = nx.Graph()
    graph.add_nodes_from(node["key"] for node in network["nodes"])
    graph.add_edges_from((e["source"], e["target"]) for e in network["edges"])
    positions = nx.spring_layout(graph, seed=1) if len(graph) else {}
    figure = go.Figure()
    for cross, colour, name in ((False, "#9ca3af", "Same-sector tie"), (True, DOWN, "Cross-sector tie")):
        xs, ys = [], []
        for edge in network["edges"]:
            if edge["cross"] != cross:
                continue
            (x0, y0), (x1, y1) = positions[edge["source"]], positions[edge["target"]]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        if xs:
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=name,
                    hoverinfo="skip",
                    line={"color": colour, "width": 3 if cross else 1.5, "dash": "solid"},
                )  # fmt: skip
            )
    for group, colour in GROUP_COLOURS.items():
        nodes = [n for n in network["nodes"] if n["group"] == group]
        if not nodes:
            continue
        figure.add_trace(
            go.Scatter(
                x=[positions[n["key"]][0] for n in nodes],
                y=[positions[n["key"]][1] for n in nodes],
                mode="markers+text",
                name=group.capitalize(),
                text=[chart_text(n["name"]) for n in nodes],
                textposition="top center",
                hovertemplate="<b>%{text}</b><extra>" + group.capitalize() + "</extra>",
                marker={
                    "color": colour,
                    "size": [18 if n["in_cluster"] else 11 for n in nodes],
                    "line": {"color": "white", "width": 2},
                    "symbol": ["circle" if n["in_cluster"] else "circle-open" for n in nodes],
                },
            )
        )
    xs = [x for x, _ in positions.values()] or [0.0]
    ys = [y for _, y in positions.values()] or [0.0]
    pad_x, pad_y = 0.35 * (max(xs) - min(xs) or 1.0), 0.15 * (max(ys) - min(ys) or 1.0)
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    figure.update_layout(
        base_layout(
            height=420,
            xaxis={**hidden, "range": [min(xs) - pad_x, max(xs) + pad_x]},
            yaxis={**hidden, "range": [min(ys) - pad_y, max(ys) + pad_y]},
            legend={"orientation": "h", "y": -0.05},
            margin={"l": 16, "r": 16, "t": 16, "b": 16},
        )  # fmt: skip
    )
    return figure_html(
        figure,
        div_id="partner-network",
        label="The cluster's parties and partnerships; the lists beside it name them.",
    )


def trend_chart(points, label):
    """Employment over the years (a line with markers, from zero) for a cluster in a region."""
    years = [year for year, _ in points]
    values = [value for _, value in points]
    figure = go.Figure(
        go.Scatter(
            x=years,
            y=values,
            mode="lines+markers",
            line={"color": QUADRANT_COLOURS["build"], "width": 2},
            marker={"size": 8},
            hovertemplate="%{x}: %{y:,.0f} jobs<extra></extra>",
        ),
        layout=base_layout(
            height=260,
            xaxis={"title": "Year", "dtick": 1, "gridcolor": "#e5e7eb"},
            yaxis={"title": "Employment", "rangemode": "tozero", "gridcolor": "#e5e7eb"},
        ),
    )
    return figure_html(figure, div_id="trend-chart", label=label)
