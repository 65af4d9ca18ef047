"""Export helpers shared by every exporter (CSV now; XLSX and PDF reports reuse the same cell rule)."""

import csv
import io
import math

# A spreadsheet treats a cell starting with one of these as a formula (CWE-1236).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value):
    """A value ready for a CSV or spreadsheet cell: text that would run as a formula is prefixed with ``'``.

    Numbers stay numbers (a negative number is not text), booleans become ``true``/``false``, NaN and None
    become empty.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "" if isinstance(value, float) and math.isnan(value) else value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def iter_csv(header, rows, *, chunk_chars=65_536):
    """The CSV of ``rows`` under ``header``, every cell passed through ``safe_cell``, as text chunks of about
    ``chunk_chars``: a download can stream without the whole file in memory."""
    handle = io.StringIO()
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        if handle.tell() >= chunk_chars:
            yield handle.getvalue()
            handle.seek(0)
            handle.truncate()
    yield handle.getvalue()


def write_csv(handle, header, rows):
    """Write ``rows`` under ``header`` with every cell passed through ``safe_cell``; returns how many rows."""
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for chunk in iter_csv(header, counted()):
        handle.write(chunk)
    return count
