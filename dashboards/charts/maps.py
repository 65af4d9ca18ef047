"""Offline maps: MapLibre traces (``go.Choroplethmap``, ``go.Scattermap``) on the ``white-bg`` style.

No tiles, no glyphs, no CDN: the regions' own GeoJSON boundaries are the only geography, inlined in the
figure. Geo traces (``go.Choropleth``) are never used here because they fetch world outlines from a CDN.
"""

import math

import numpy as np
import plotly.graph_objects as go

from dashboards.charts.base import FONT, GROUP_COLOURS, base_layout, chart_text

MAP_STYLE = "white-bg"
COLOUR_SCALE = "Cividis"  # sequential and colour-blind safe
POINT_HOVER = "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>Group: %{customdata[2]}<extra></extra>"
COORDINATE_DIGITS = 3  # ~100 m: plenty for a region choropleth, a third of the payload


def _round_ring(ring, digits):
    """A ring with rounded coordinates and consecutive duplicates (created by rounding) dropped."""
    out = []
    for point in ring:
        rounded = [round(point[0], digits), round(point[1], digits)]
        if not out or out[-1] != rounded:
            out.append(rounded)
    if len(out) >= 2 and out[0] != out[-1]:
        out.append(out[0])
    return out


def simplify_geometry(geometry, digits=COORDINATE_DIGITS):
    """A Polygon/MultiPolygon/LineString geometry with coordinates rounded to ``digits`` decimals."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        rings = [_round_ring(ring, digits) for ring in coordinates]
        return {"type": kind, "coordinates": [r for r in rings if len(r) >= 4]}
    if kind == "MultiPolygon":
        polygons = []
        for polygon in coordinates:
            rings = [r for r in (_round_ring(ring, digits) for ring in polygon) if len(r) >= 4]
            if rings:
                polygons.append(rings)
        return {"type": kind, "coordinates": polygons}
    return geometry


def feature_collection(regions):
    """A FeatureCollection of ``regions`` (objects with ``code``, ``name``, ``boundary``); ids are the codes."""
    features = [
        {
            "type": "Feature",
            "id": region.code,
            "properties": {"name": region.name},
            "geometry": simplify_geometry(region.boundary),
        }
        for region in regions
        if region.boundary
    ]
    return {"type": "FeatureCollection", "features": features}


def _bounds_of(geometry, bounds):
    def walk(node):
        if node and isinstance(node[0], (int, float)):
            bounds[0] = min(bounds[0], node[0])
            bounds[1] = min(bounds[1], node[1])
            bounds[2] = max(bounds[2], node[0])
            bounds[3] = max(bounds[3], node[1])
        else:
            for child in node:
                walk(child)

    walk(geometry.get("coordinates") or [])


def main_body(points, spread=4.0):
    """The points that frame a region set: those within ``spread`` × the median distance from the median point.

    Far-flung members (Alaska and Hawaii among the states and metros) would otherwise shrink the mainland to a
    corner; they stay on the map, just outside the initial view. Mainland extremes (Maine, the Scottish
    Highlands) are well within the limit.
    """
    if len(points) < 10:
        return list(points)
    array = np.array(points, dtype=float)
    distance = np.hypot(*(array - np.median(array, axis=0)).T)
    limit = spread * np.median(distance)
    keep = distance <= limit if limit > 0 else np.ones(len(array), dtype=bool)
    return [(float(lon), float(lat)) for lon, lat in array[keep]] or list(points)


def fit_view(points=(), geometries=(), *, width=900, height=520):
    """Centre and zoom that frame the given (lon, lat) points and geometries on a ``width``×``height`` map."""
    bounds = [math.inf, math.inf, -math.inf, -math.inf]
    for lon, lat in points:
        if lon is not None and lat is not None:
            bounds[0], bounds[1] = min(bounds[0], lon), min(bounds[1], lat)
            bounds[2], bounds[3] = max(bounds[2], lon), max(bounds[3], lat)
    for geometry in geometries:
        if geometry:
            _bounds_of(geometry, bounds)
    if bounds[0] == math.inf:
        return {"lon": 0.0, "lat": 20.0}, 1.0
    west, south, east, north = bounds

    def mercator(lat):
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(east - west, 0.01)
    y_span = max(mercator(north) - mercator(south), 0.0002)
    zoom_x = math.log2(width * 360 / (512 * lon_span))
    zoom_y = math.log2(height * 2 * math.pi / (512 * y_span))
    zoom = max(0.5, min(zoom_x, zoom_y, 11.0) - 0.25)
    centre_y = (mercator(north) + mercator(south)) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return {"lon": round((west + east) / 2, 4), "lat": round(centre_lat, 4)}, round(zoom, 2)


def _map_layout(center, zoom, height, **overrides):
    return base_layout(
        map={"style": MAP_STYLE, "center": center, "zoom": zoom},
        margin={"l": 0, "r": 0, "t": 8, "b": 0},
        height=height,
        **overrides,
    )


def choropleth_figure(*, geojson, rows, label, center, zoom, height=540, value_format=",.2f"):
    """One region per feature coloured by value; ``rows`` are ``(code, name, value)`` with a non-null value."""
    trace = go.Choroplethmap(
        geojson=geojson,
        locations=[code for code, _, _ in rows],
        z=[value for _, _, value in rows],
        text=[chart_text(name) for _, name, _ in rows],
        meta=chart_text(label),
        colorscale=COLOUR_SCALE,
        marker={"line": {"width": 0.4, "color": "white"}, "opacity": 0.9},
        colorbar={"title": {"text": chart_text(label), "side": "right"}, "thickness": 14, "len": 0.8},
        hovertemplate=f"<b>%{{text}}</b><br>%{{meta}}: %{{z:{value_format}}}<extra>%{{location}}</extra>",
    )
    return go.Figure(trace, layout=_map_layout(center, zoom, height))


def points_figure(*, points, boundary, center, zoom, height=540):
    """Anchors and stakeholders as points coloured by group, over the region's outline.

    ``points`` are dicts with name, kind ("anchor" or "stakeholder"), type, group, latitude and longitude.
    """
    traces = []
    for kind, symbol_size, line in (("stakeholder", 10, 0), ("anchor", 16, 2)):
        for group, colour in GROUP_COLOURS.items():
            selected = [p for p in points if p["kind"] == kind and p["group"] == group]
            if not selected:
                continue
            traces.append(
                go.Scattermap(
                    lat=[p["latitude"] for p in selected],
                    lon=[p["longitude"] for p in selected],
                    mode="markers",
                    name=f"{group.title()} {'anchors' if kind == 'anchor' else 'stakeholders'}",
                    legendgroup=group,
                    marker={"size": symbol_size, "color": colour, "opacity": 0.95 if line else 0.8},
                    customdata=[[chart_text(p["name"]), p["type"], group.title()] for p in selected],
                    hovertemplate=POINT_HOVER,
                )
            )
    layers = []
    if boundary:
        source = {"type": "Feature", "properties": {}, "geometry": simplify_geometry(boundary, 4)}
        layers = [
            {"source": source, "type": "fill", "color": "#2f6fed", "opacity": 0.06, "below": "traces"},
            {"source": source, "type": "line", "color": "#14213d", "line": {"width": 2}},
        ]
    figure = go.Figure(traces, layout=_map_layout(center, zoom, height))
    figure.update_layout(
        map_layers=layers,
        showlegend=True,
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0, "font": {"family": FONT, "size": 12}},
        margin={"l": 0, "r": 0, "t": 8, "b": 40},
    )
    return figure


def benchmark_figure(*, clusters, series, height=None):
    """Grouped horizontal bars: right to win per cluster (rows) for each region (one colour each).

    ``clusters`` are names, top first; ``series`` are ``(region name, [value per cluster])``.
    """
    palette = [
        "#0063a6",
        "#e69f00",
        "#009e73",
        "#cc79a7",
        "#56b4e9",
        "#d55e00",
        "#f0e442",
        "#000000",
        "#7f7f7f",
        "#a34700",
    ]  # fmt: skip  (Okabe-Ito based, colour-blind safe)
    traces = [
        go.Bar(
            y=[chart_text(cluster) for cluster in clusters],
            x=values,
            name=chart_text(name),
            orientation="h",
            marker={"color": palette[i % len(palette)]},
            hovertemplate="<b>%{fullData.name}</b><br>%{y}: %{x:.1f}<extra></extra>",
        )
        for i, (name, values) in enumerate(series)
    ]
    rows = len(clusters) * max(len(series), 1)
    layout = base_layout(
        barmode="group",
        height=height or max(360, 60 + rows * 11 + len(clusters) * 8),
        margin={"l": 260, "r": 24, "t": 16, "b": 48},
        xaxis={"title": {"text": "Right to win (0–100)"}, "range": [0, 100], "gridcolor": "#e5e7eb"},
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return go.Figure(traces, layout=layout)
