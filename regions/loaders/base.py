"""Shared machinery of the reference-data loaders: reading and validating files, fingerprints, bulk writes.

A loader reads and validates everything first, then writes inside the transaction the runner opened, so a bad
file writes nothing. Problems are reported as ``LoadError(file, line, problem)``.
"""

import csv
import gzip
import hashlib
import io
import json
import math
from pathlib import Path

from django.db.models import Model

from core.bulk import SQLITE_BATCH, insert_rows  # noqa: F401 - re-exported for the loaders

# Bump when a change to the loading code should reload every dataset even though no file changed.
LOADER_VERSION = "1"


class LoadError(Exception):
    """A problem in a fixture file, located by file name and line number."""

    def __init__(self, path, line, problem):
        self.path, self.line, self.problem = Path(path), line, problem
        where = f"{self.path.name}, line {line}" if line else self.path.name
        super().__init__(f"{where}: {problem}")


def read_bytes(path):
    """The file's content, un-gzipped when the name ends in .gz."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path, None, "file not found")
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise LoadError(path, None, f"not a valid gzip file ({exc})") from exc
    return data


def read_text(path):
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(path, None, f"not UTF-8 text ({exc})") from exc


def read_json(path):
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise LoadError(path, exc.lineno, f"malformed JSON: {exc.msg}") from exc


class CsvFile:
    """A CSV fixture with required columns; ``rows()`` yields ``(line_number, row_dict)``.

    The typed getters (``integer``, ``number``, ...) raise ``LoadError`` naming the file, line and column.
    """

    def __init__(self, path, required):
        self.path = Path(path)
        self.required = list(required)

    def fail(self, line, problem):
        raise LoadError(self.path, line, problem)

    def rows(self):
        reader = csv.reader(io.StringIO(read_text(self.path), newline=""))
        try:
            header = next(reader)
        except StopIteration:
            self.fail(1, "empty file (no header)")
        header = [h.strip() for h in header]
        missing = [c for c in self.required if c not in header]
        if missing:
            self.fail(1, f"missing column(s): {', '.join(missing)}")
        width = len(header)
        try:
            for values in reader:
                if not values:
                    continue
                if len(values) != width:
                    self.fail(reader.line_num, f"expected {width} fields, found {len(values)}")
                yield reader.line_num, dict(zip(header, values, strict=True))
        except csv.Error as exc:
            self.fail(reader.line_num, f"malformed CSV ({exc})")

    def text(self, line, row, column, blank=False):
        value = row[column].strip()
        if not value and not blank:
            self.fail(line, f"column {column!r} is empty")
        return value

    def number(self, line, row, column, blank=False, negative=False):
        """A float; blank → None when allowed; negative values rejected unless allowed."""
        value = row[column].strip()
        if not value:
            if blank:
                return None
            self.fail(line, f"column {column!r} is empty")
        try:
            number = float(value)
        except ValueError:
            self.fail(line, f"column {column!r}: {value!r} is not a number")
        if math.isnan(number) or math.isinf(number):
            self.fail(line, f"column {column!r}: {value!r} is not a finite number")
        if number < 0 and not negative:
            self.fail(line, f"column {column!r}: negative value {value}")
        return number

    def integer(self, line, row, column, blank=False, negative=False):
        number = self.number(line, row, column, blank=blank, negative=negative)
        if number is None:
            return None
        if number != int(number):
            self.fail(line, f"column {column!r}: {row[column]!r} is not a whole number")
        return int(number)


class Unique:
    """Remembers keys and the line they were first seen on, to report duplicate rows."""

    def __init__(self, source):
        self.source, self.seen = source, {}

    def check(self, line, key, what="row"):
        first = self.seen.setdefault(key, line)
        if first != line:
            self.source.fail(line, f"duplicate {what} {key!r} (first on line {first})")


def file_digest(path):
    """SHA-256 of a file's bytes as stored (so recompressing a file also counts as a change)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sync_entities(queryset, key, records, fields):
    """Make the rows of ``queryset`` match ``records`` (a dict key → field values) by natural key, in bulk.

    Entities (codes, regions, clusters, anchor candidates) are upserted rather than deleted and re-inserted so
    their ids stay stable: tenants' audits, custom clusters and anchors point at them. Rows no longer in the
    file are left alone (``stale`` in the result) for the same reason. ``records`` must carry the values that
    put a new row inside ``queryset`` (e.g. its scheme); ``fields`` are those compared and updated.
    Returns ``(ids by key, stats)``.
    """
    model = queryset.model
    existing = {getattr(obj, key): obj for obj in queryset}
    create, update = [], []
    for code, values in records.items():
        obj = existing.get(code)
        if obj is None:
            create.append(model(**{key: code}, **values))
            continue
        changed = False
        for name in fields:
            value = values[name]
            if isinstance(value, Model):
                # Compare foreign keys by id: reading ``obj.<fk>`` would cost one query per row.
                if getattr(obj, f"{name}_id") != value.pk:
                    setattr(obj, name, value)
                    changed = True
            elif getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            update.append(obj)
    model.objects.bulk_create(create, batch_size=SQLITE_BATCH)
    if update:
        model.objects.bulk_update(update, fields, batch_size=1000)
    # Only the ids of ``records``: the queryset may hold rows another loader owns (e.g. all public clusters).
    ids = {k: i for k, i in queryset.values_list(key, "id") if k in records}
    stats = {"created": len(create), "updated": len(update), "stale": len(set(existing) - set(records))}
    return ids, stats


def set_parents(model, ids, parents):
    """Point each row's ``parent`` at the id of its parent key (``parents``: key → parent key or None)."""
    wanted = {ids[k]: (ids.get(p) if p else None) for k, p in parents.items()}
    current = dict(model.objects.filter(id__in=wanted).values_list("id", "parent_id"))
    changed = [model(id=i, parent_id=p) for i, p in wanted.items() if current.get(i) != p]
    if changed:
        model.objects.bulk_update(changed, ["parent"], batch_size=1000)
    return len(changed)


class Loader:
    """One dataset: its files (relative to the fixtures directory), metadata and a ``load`` method.

    ``load`` runs inside a transaction and returns the number of rows the dataset holds. ``requires`` names
    datasets that must be loaded first (their rows are looked up, e.g. codes and regions).
    """

    slug = ""
    name = ""
    publisher = ""
    licence = ""
    files = ()
    requires = ()
    version = "1"

    def __init__(self, fixtures_dir):
        self.fixtures_dir = Path(fixtures_dir)

    def path(self, name):
        return self.fixtures_dir / name

    def fingerprint(self):
        digest = hashlib.sha256(f"{LOADER_VERSION}:{self.slug}:{self.version}".encode())
        for name in self.files:
            path = self.path(name)
            if not path.exists():
                raise LoadError(path, None, "file not found")
            digest.update(f"{name}:{file_digest(path)}".encode())
        return digest.hexdigest()

    def load(self, dataset):
        raise NotImplementedError
