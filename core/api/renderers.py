"""``?format=csv`` on list endpoints: one row per result, nested objects flattened to ``parent_field`` columns."""

import itertools
import json

from rest_framework.renderers import BaseRenderer

from core.exports import iter_csv


def _flatten(row, prefix=""):
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}_"))
        elif isinstance(value, list):
            flat[name] = json.dumps(value)
        else:
            flat[name] = value
    return flat


def stream_csv(results):
    """Formula-safe CSV of an iterable of result objects, as encoded chunks; the columns are the first row's.

    For lists whose rows share one shape (a serializer's), so the file can be written as the rows are produced.
    """
    rows = (_flatten(dict(item)) for item in results)
    first = next(rows, None)
    if first is None:
        return
    header = list(first)
    lines = ([row.get(name) for name in header] for row in itertools.chain([first], rows))
    for chunk in iter_csv(header, lines):
        yield chunk.encode(CSVRenderer.charset)


class CSVRenderer(BaseRenderer):
    """Formula-safe CSV of a list response (``results`` of a page, or a plain list); errors stay JSON-like."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if isinstance(data, dict):  # an error body or a single object
            data = [data]
        return b"".join(stream_csv(data or []))  # the whole file at once; a view that streams calls stream_csv
