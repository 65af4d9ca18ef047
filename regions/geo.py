"""Just enough geometry for reference data: a TopoJSON → GeoJSON decoder and a display centroid.

TopoJSON (https://github.com/topojson/topojson-specification) stores shared boundaries once as "arcs". In a
quantized topology each arc is a list of integer positions, delta-encoded (each point is the difference from
the previous one), and ``transform`` maps the integers back to longitude/latitude. A negative arc index ``~i``
means arc ``i`` reversed. No dependency is needed for that, so none is taken.
"""

import math


def _decode_arcs(topology):
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for position in arc:
                x += position[0]
                y += position[1]
                points.append([x * sx + tx, y * sy + ty])
        else:
            points = [list(p[:2]) for p in arc]
        arcs.append(points)
    return arcs


def _ring(indexes, arcs):
    """Stitch arcs into one ring; consecutive arcs share their end/start point, so that point is dropped."""
    points = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _geometry(obj, arcs, transform):
    kind = obj.get("type")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r, arcs) for r in obj["arcs"]]}
    if kind == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[_ring(r, arcs) for r in p] for p in obj["arcs"]]}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": _ring(obj["arcs"], arcs)}
    if kind == "MultiLineString":
        return {"type": "MultiLineString", "coordinates": [_ring(r, arcs) for r in obj["arcs"]]}
    if kind in ("Point", "MultiPoint"):
        # Points are quantized but not delta-encoded.
        def point(p):
            if not transform:
                return list(p[:2])
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            return [p[0] * sx + tx, p[1] * sy + ty]

        coords = obj["coordinates"]
        return {"type": kind, "coordinates": point(coords) if kind == "Point" else [point(p) for p in coords]}
    if kind == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [_geometry(g, arcs, transform) for g in obj["geometries"]]}
    return None


def topojson_features(topology, object_name):
    """Decode one named object of a TopoJSON topology into a list of GeoJSON Feature dicts (id and properties kept)."""
    if object_name not in topology.get("objects", {}):
        raise KeyError(f"TopoJSON has no object {object_name!r}")
    arcs = _decode_arcs(topology)
    obj = topology["objects"][object_name]
    members = obj["geometries"] if obj.get("type") == "GeometryCollection" else [obj]
    features = []
    for member in members:
        features.append(
            {
                "type": "Feature",
                "id": member.get("id"),
                "properties": member.get("properties", {}),
                "geometry": _geometry(member, arcs, topology.get("transform")),
            }
        )
    return features


def round_geometry(geometry, digits=4):
    """Round every coordinate (4 decimals ≈ 11 m: plenty for display, and a third of the JSON size)."""

    def walk(value):
        if isinstance(value, (int, float)):
            return round(value, digits)
        return [walk(v) for v in value]

    if geometry is None:
        return None
    if geometry["type"] == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [round_geometry(g, digits) for g in geometry["geometries"]]}
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _ring_area_centroid(ring):
    """Signed area and centroid of a ring by the shoelace formula (planar lon/lat: fine for a label point)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=False):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if not area:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys)) if ring else (math.nan, math.nan)
    return area, (cx / (6 * area), cy / (6 * area))


def centroid(geometry):
    """A (latitude, longitude) label point: the area centroid of the largest polygon's outer ring.

    The largest part rather than all parts, so Alaska's Aleutians (which cross the antimeridian) or Hawaii's
    small islands do not drag the point into the sea.
    """
    if not geometry:
        return None
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return None
    best = None
    for polygon in polygons:
        if not polygon or not polygon[0]:
            continue
        area, (x, y) = _ring_area_centroid(polygon[0])
        if best is None or abs(area) > best[0]:
            best = (abs(area), x, y)
    if best is None:
        return None
    return round(best[2], 5), round(best[1], 5)
