"""The TopoJSON decoder and the centroid used for region boundaries."""

import json

import pytest

from regions.geo import centroid, round_geometry, topojson_features

# Two unit squares side by side sharing the arc x=1; quantized with scale 0.5 and delta-encoded.
TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "arcs": [
        [[2, 0], [0, 2]],  # shared edge: (1,0) → (1,1)
        [[2, 2], [-2, 0], [0, -2], [2, 0]],  # left square's other edges: (1,1) → (0,1) → (0,0) → (1,0)
        [[2, 0], [2, 0], [0, 2], [-2, 0]],  # right square's other edges: (1,0) → (2,0) → (2,1) → (1,1)
    ],
    "objects": {
        "squares": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "L", "properties": {"name": "left"}, "arcs": [[0, 1]]},
                {"type": "MultiPolygon", "id": "R", "arcs": [[[2, ~0]]]},
                {"type": "Point", "id": "P", "coordinates": [4, 2]},
            ],
        }
    },
}


def test_decodes_delta_encoded_quantized_arcs():
    left, right, point = topojson_features(TOPOLOGY, "squares")
    assert left["id"] == "L" and left["properties"] == {"name": "left"}
    assert left["geometry"] == {
        "type": "Polygon",
        "coordinates": [[[11.0, 20.0], [11.0, 21.0], [10.0, 21.0], [10.0, 20.0], [11.0, 20.0]]],
    }
    # ~0 is arc 0 reversed; the stitched ring closes on its first point.
    ring = right["geometry"]["coordinates"][0][0]
    assert ring == [[11.0, 20.0], [12.0, 20.0], [12.0, 21.0], [11.0, 21.0], [11.0, 20.0]]
    assert point["geometry"] == {"type": "Point", "coordinates": [12.0, 21.0]}


def test_unquantized_topology_and_unknown_object():
    topology = {
        **TOPOLOGY,
        "arcs": [[[1, 0], [1, 1], [0, 1], [1, 0]]],
        "objects": {"t": {"type": "Polygon", "arcs": [[0]]}},
    }
    del topology["transform"]
    (feature,) = topojson_features(topology, "t")
    assert feature["geometry"]["coordinates"][0][1] == [1, 1]
    with pytest.raises(KeyError):
        topojson_features(topology, "missing")


def test_centroid_uses_largest_polygon_and_rounding():
    big = [[0, 0], [4, 0], [4, 2], [0, 2], [0, 0]]
    small = [[100, 50], [100.1, 50], [100.1, 50.1], [100, 50]]
    lat, lon = centroid({"type": "MultiPolygon", "coordinates": [[small], [big]]})
    assert (lat, lon) == (1.0, 2.0)
    assert centroid({"type": "Point", "coordinates": [0, 0]}) is None
    assert round_geometry({"type": "Point", "coordinates": [1.234567, 2.0]})["coordinates"] == [1.2346, 2.0]


def test_real_state_boundaries_decode(settings):
    from pathlib import Path

    topology = json.loads((Path(settings.BASE_DIR) / "fixtures/geo/us_states_cmp.topojson").read_text())
    states = {f["id"]: f for f in topojson_features(topology, "states")}
    lat, lon = centroid(states["25"]["geometry"])  # Massachusetts
    assert 41.5 < lat < 43 and -73.5 < lon < -70
