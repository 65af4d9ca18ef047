"""Spreadsheet uploads (CSV and XLSX), checked before anything parses them, then read into rows of text.

Every check has a precise message a user can act on. The order matters: size first (nothing is read past the
limit), then the name, then the bytes (a program renamed ``.csv``, a UTF-16 export, a zip bomb), and only then
a parser. An ``.xlsx`` is a zip: its directory is checked against entry, size and ratio limits, and openpyxl
then reads it (read-only, defusedxml) through streams that count what they inflate and stop past the limit,
because the sizes a zip declares can lie.

Used by the audit imports (``assessments.imports``); nothing here knows about audits.
"""

import csv
import datetime
import io
import os
import re
import zipfile
from dataclasses import dataclass, field

from openpyxl.reader.excel import ExcelReader

MB = 1024 * 1024

# Magic numbers of files that are often renamed by mistake (or on purpose).
SIGNATURES = (
    (b"MZ", "a Windows program (.exe/.dll)"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old-style (.xls) or password-protected Excel file"),
    (b"PK\x03\x04", "a zip archive or an Excel workbook"),
    (b"\x1f\x8b", "a gzip archive"),
)


@dataclass(frozen=True)
class UploadLimits:
    """The bounds every upload is held to (ASVS 5.2: size, type, archive expansion)."""

    max_bytes: int = 5 * MB
    max_entries: int = 50
    max_unpacked: int = 50 * MB
    max_ratio: int = 100
    # Ratios of tiny parts mean nothing (a 2 KB styles part of spaces may compress 150×); they cannot be bombs.
    ratio_floor: int = 64 * 1024
    max_rows: int = 5000
    # Blank rows are skipped, but not without end: a sheet of a million empty rows is refused.
    max_physical_rows: int = 100_000
    # A workbook reads only the template's columns and this many beyond them (to name unknown header cells and
    # catch values shifted right): a row padded out to column XFD (16,384) costs no more than a short one.
    extra_columns: int = 20
    # Cells read per upload, over every row (blank ones included): the work a file can cost is bounded.
    max_cells: int = 1_000_000

    @property
    def max_bytes_label(self):
        return f"{self.max_bytes / MB:g} MB"


DEFAULT_LIMITS = UploadLimits()


class UploadError(Exception):
    """The file cannot be imported; ``messages`` say why (one or several problems with the file as a whole)."""

    def __init__(self, *messages):
        self.messages = list(messages)
        super().__init__(" ".join(self.messages))


@dataclass
class SheetRow:
    """One data row: its line in the file (CSV line or spreadsheet row number) and its cells by column name.

    ``problem`` describes a row whose shape is wrong (too many or too few cells); its values are then partial.
    """

    line: int
    values: dict
    problem: str = ""


@dataclass
class Sheet:
    """The rows of an uploaded table whose header matched the expected columns."""

    format: str
    columns: list
    rows: list = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------
# Checks before parsing
# --------------------------------------------------------------------------------------------------------


def clean_name(name):
    """The file's base name without directories or control characters (for messages and the batch record)."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:255] or "upload"


def check_size(size, limits=DEFAULT_LIMITS):
    """Refuse an empty file, or one over the size limit (before reading it)."""
    if size is None:
        return
    if size == 0:
        raise UploadError("The file is empty.")
    if size > limits.max_bytes:
        raise UploadError(
            f"The file is {size:,} bytes, larger than the {limits.max_bytes_label} limit "
            f"({limits.max_bytes:,} bytes). Split it into smaller files."
        )


def read_upload(uploaded_file, limits=DEFAULT_LIMITS):
    """``(name, bytes)`` of an uploaded file (anything with ``name`` and ``read``), never reading past the limit."""
    name = clean_name(getattr(uploaded_file, "name", ""))
    check_size(getattr(uploaded_file, "size", None), limits)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(limits.max_bytes + 1)
    check_size(len(data), limits)  # the declared size may be missing or wrong
    return name, data


def check_extension(name):
    """``"csv"`` or ``"xlsx"`` from the file name; anything else is refused with the reason."""
    extension = os.path.splitext(name)[1].lower()
    if extension == ".csv":
        return "csv"
    if extension == ".xlsx":
        return "xlsx"
    if extension == ".xlsm":
        raise UploadError("Macro-enabled workbooks are not accepted (.xlsm): save the file as .xlsx or CSV UTF-8.")
    if extension in (".xls", ".xlsb", ".ods", ".numbers"):
        raise UploadError(f"{extension} files are not accepted: save the file as Excel Workbook (.xlsx) or CSV UTF-8.")
    shown = extension or "no extension"
    raise UploadError(f"Only .csv and .xlsx files are accepted (this file has {shown}).")


def _signature(data):
    for magic, label in SIGNATURES:
        if data.startswith(magic):
            return label
    return None


def _looks_utf16(data):
    """True for UTF-16 text: a byte-order mark, or the start decodes as UTF-16 to printable text.

    Without a mark, UTF-16 text of a CSV (mostly ASCII) has a NUL in nearly every byte of one parity and almost
    none in the other; a program or other binary file has NULs scattered over both, and is not text at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:4096]
    head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    for nuls, others, encoding in ((even, odd, "utf-16-be"), (odd, even, "utf-16-le")):
        if nuls.count(0) > 0.4 * len(nuls) and others.count(0) < 0.05 * len(others):
            text = head.decode(encoding, errors="ignore")  # the cut may split a surrogate pair
            return sum(char.isprintable() or char in "\r\n\t" for char in text) > 0.95 * len(head) / 2
    return False


def decode_csv(data):
    """The text of a CSV upload: UTF-8 with or without a BOM; UTF-16 and binary files are refused by name.

    Known file signatures are checked first: a program is "not a text file", never mistaken for UTF-16 text.
    """
    if not data:
        raise UploadError("The file is empty.")
    label = _signature(data)
    if label:
        hint = " Rename it to .xlsx if it is a workbook." if label.startswith("a zip") else ""
        raise UploadError(f"This is not a CSV text file: its content is {label}.{hint}")
    if _looks_utf16(data):
        raise UploadError(
            "The file is UTF-16 text, not UTF-8: save the file as CSV UTF-8 "
            "(in Excel: File › Save As › “CSV UTF-8 (Comma delimited)”)."
        )
    if b"\x00" in data[:65536]:
        raise UploadError("This is not a CSV text file: it contains binary data.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UploadError(
            f"The file is not UTF-8 text (byte 0x{data[error.start]:02X} on line {line}): save the file as "
            "CSV UTF-8 (in Excel: File › Save As › “CSV UTF-8 (Comma delimited)”)."
        ) from error


def check_xlsx_archive(data, limits=DEFAULT_LIMITS):
    """Check an ``.xlsx`` as a zip before any XML is parsed: structure, macros, entry count, sizes and ratios."""
    if not data.startswith(b"PK\x03\x04"):
        label = _signature(data)
        what = f"its content is {label}" if label else "it is not a zip archive"
        raise UploadError(f"This is not a valid .xlsx workbook: {what}. Save it from Excel as Excel Workbook (.xlsx).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise UploadError(f"This is not a valid .xlsx workbook: the zip archive is damaged ({error}).") from error
    if len(entries) > limits.max_entries:
        raise UploadError(
            f"The workbook has {len(entries)} parts; at most {limits.max_entries} are accepted. "
            "Copy the data into a new, plain workbook."
        )
    names = set()
    for entry in entries:
        name = entry.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise UploadError(f"The workbook contains an unsafe path ({name!r}) and is refused.")
        if entry.flag_bits & 0x1:
            raise UploadError("Encrypted (password-protected) workbooks are not accepted.")
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadError(f"The workbook part {name!r} uses an unsupported compression method.")
        names.add(name.lower())
    if "xl/vbaproject.bin" in names:
        raise UploadError(
            "The workbook contains macros (xl/vbaProject.bin): macro-enabled workbooks are not accepted. "
            "Save it as a plain Excel Workbook (.xlsx)."
        )
    missing = [part for part in ("[Content_Types].xml", "xl/workbook.xml") if part.lower() not in names]
    if missing:
        raise UploadError(f"This is not a valid .xlsx workbook: it has no {' or '.join(missing)}.")
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_unpacked:
        raise UploadError(
            f"The file expands too much: it unpacks to {declared / MB:,.0f} MB, over the "
            f"{limits.max_unpacked / MB:g} MB limit."
        )
    for entry in entries:
        if entry.file_size > limits.ratio_floor and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            ratio = entry.file_size / max(entry.compress_size, 1)
            raise UploadError(
                f"The file expands too much: its part {entry.filename} unpacks {ratio:,.0f}× "
                f"(at most {limits.max_ratio}× is accepted)."
            )


# --------------------------------------------------------------------------------------------------------
# Reading XLSX through bounded streams
# --------------------------------------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A stream that passes reads through and raises ``UploadError`` once more than ``budget`` bytes came out.

    ``budget`` is shared by every stream of one workbook (a list holding the bytes left), so the limit is on
    everything inflated, whatever the zip declared.
    """

    def __init__(self, stream, budget, name):
        super().__init__()
        self._stream = stream
        self._budget = budget
        self._name = name

    def readable(self):
        return True

    def _count(self, data):
        self._budget[0] -= len(data)
        if self._budget[0] < 0:
            raise UploadError(f"The file expands too much: reading its part {self._name} passed the limit.")
        return data

    def read(self, size=-1):
        return self._count(self._stream.read(size))

    def read1(self, size=-1):
        return self._count(self._stream.read1(size))

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self._stream.close()
        super().close()


class BoundedZipFile(zipfile.ZipFile):
    """A zip whose members are opened for reading through one shared ``CountingReader`` budget."""

    def __init__(self, file, budget):
        super().__init__(file)
        self._budget = [budget]

    def open(self, name, mode="r", pwd=None, **kwargs):
        stream = super().open(name, mode, pwd=pwd, **kwargs)
        if mode != "r":
            return stream
        return CountingReader(stream, self._budget, getattr(name, "filename", name))


def open_workbook(data, budget):
    """An openpyxl read-only workbook over ``data`` whose every read is bounded by ``budget`` inflated bytes.

    openpyxl opens the archive itself; its reader is given the bounded archive instead. defusedxml, when
    installed, is used by openpyxl automatically (entity expansion, external entities).
    """
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False, keep_vba=False)
    reader.archive = BoundedZipFile(io.BytesIO(data), budget)
    reader.valid_files = reader.archive.namelist()
    reader.read()
    return reader.wb


def cell_text(value):
    """A spreadsheet value as the text a user would have typed ("4000" for 4000.0, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _too_many_cells(limits):
    return UploadError(
        f"The file has more than {limits.max_cells:,} cells (blank ones included); split it into smaller files."
    )


def _unreadable(error):
    """The message for a workbook openpyxl could not read; entity declarations (refused by defusedxml) by name."""
    cause, depth = error, 0
    while cause is not None and depth < 10:
        if type(cause).__module__.startswith("defusedxml"):
            return UploadError(
                "The workbook contains XML entity declarations (a DTD), which are refused: save it again from Excel."
            )
        cause, depth = cause.__cause__ or cause.__context__, depth + 1
    return UploadError(f"The workbook could not be read ({type(error).__name__}): save it again from Excel.")


def _xlsx_rows(data, limits, width):
    """Yield ``(row number, [text])`` of the workbook's first sheet's first ``width`` + ``extra_columns`` columns;
    blank rows are skipped."""
    try:
        workbook = open_workbook(data, limits.max_unpacked)
    except UploadError:
        raise
    except Exception as error:  # openpyxl and defusedxml raise many kinds; all mean "unreadable"
        raise _unreadable(error) from error
    try:
        if not workbook.worksheets:
            raise UploadError("The workbook has no worksheet.")
        sheet = workbook.worksheets[0]
        # The <dimension> tag can be wrong (too small truncates honest files); read every row, bounded below.
        sheet.reset_dimensions()
        physical, cells_read = 0, 0
        try:
            rows = sheet.iter_rows(max_col=width + limits.extra_columns, values_only=True)
            for number, row in enumerate(rows, start=1):
                physical += 1
                if physical > limits.max_physical_rows:
                    raise UploadError(f"The sheet has more than {limits.max_physical_rows:,} rows.")
                cells_read += len(row)
                if cells_read > limits.max_cells:
                    raise _too_many_cells(limits)
                cells = [cell_text(value) for value in row]
                if any(cells):
                    yield number, cells
        except UploadError:
            raise
        except Exception as error:  # as above
            raise _unreadable(error) from error
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------------------------
# Reading CSV
# --------------------------------------------------------------------------------------------------------


def _delimiter(first_line):
    """Comma, unless the header line is clearly separated by semicolons or tabs (some Excel locales)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def _csv_rows(text):
    """Yield ``(line, [text])`` for each non-blank record; a quoting error is a file error naming the line."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            detail = str(error)
            if "unexpected end of data" in detail or "expected after" in detail:
                raise UploadError(
                    f"The CSV is malformed at line {start}: a quoted cell is not closed properly (unbalanced "
                    'quotes). Check that each " is paired.'
                ) from error
            if "field larger than field limit" in detail:
                raise UploadError(
                    f"The CSV has a cell longer than {csv.field_size_limit():,} characters near line {start}."
                ) from error
            raise UploadError(f"The CSV is malformed at line {start} ({detail}).") from error
        line, start = start, reader.line_num + 1
        cells = [cell.strip() for cell in cells]
        if any(cells):
            yield line, cells


# --------------------------------------------------------------------------------------------------------
# The whole read
# --------------------------------------------------------------------------------------------------------


def header_key(text):
    """How a header cell is compared with a column name: case, spaces and a leading BOM don't matter."""
    return re.sub(r"[\s\-]+", "_", str(text).replace("\ufeff", "").strip().lower())


def check_header(cells, columns):
    """Map each expected column to its position in the header row; missing and unknown columns are named."""
    keys = [header_key(cell) for cell in cells]
    while keys and not keys[-1]:
        keys.pop()
    problems = []
    duplicated = sorted({key for key in keys if key and keys.count(key) > 1})
    if duplicated:
        problems.append(f"Columns appear more than once: {', '.join(duplicated)}.")
    missing = [column for column in columns if column not in keys]
    unknown = [cell for cell, key in zip(cells, keys, strict=False) if key and key not in columns]
    if missing:
        problems.append(f"Missing columns: {', '.join(missing)}.")
    if unknown:
        problems.append(f"Unknown columns: {', '.join(unknown)}.")
    if any(not key for key in keys):
        problems.append("A header cell is empty: every column needs its name.")
    if problems:
        problems.append(f"The header must be the template's: {', '.join(columns)}.")
        raise UploadError(*problems)
    return {column: keys.index(column) for column in columns}


def read_sheet(name, data, *, columns, limits=DEFAULT_LIMITS):
    """Check an upload and read it into a ``Sheet`` whose rows hold text for exactly ``columns``.

    Raises ``UploadError`` for anything wrong with the file as a whole: size, type, content, archive limits,
    encoding, malformed CSV, header, row count. Row-level problems (a row too long or short) are on the row.
    """
    check_size(len(data), limits)
    kind = check_extension(name)
    if kind == "xlsx":
        check_xlsx_archive(data, limits)
        records = _xlsx_rows(data, limits, len(columns))
    else:
        records = _csv_rows(decode_csv(data))
    try:
        first = next(records, None)
        if first is None:
            raise UploadError("The file has no header row and no data.")
        positions = check_header(first[1], columns)
        width = len(columns)
        sheet = Sheet(format=kind, columns=list(columns))
        cells_read = len(first[1])
        for line, cells in records:
            cells_read += len(cells)
            if cells_read > limits.max_cells:
                raise _too_many_cells(limits)
            if len(sheet.rows) >= limits.max_rows:
                raise UploadError(f"The file has more than {limits.max_rows:,} rows; split it into smaller files.")
            problem = ""
            trailing = cells[max(positions.values()) + 1 :]
            if any(trailing):
                problem = f"This row has values beyond the last column ({len(cells)} cells for {width} columns)."
            elif kind == "csv" and len(cells) < width:
                problem = f"This row has {len(cells)} cells but the header has {width}."
            values = {column: (cells[i] if i < len(cells) else "") for column, i in positions.items()}
            sheet.rows.append(SheetRow(line=line, values=values, problem=problem))
    finally:
        if hasattr(records, "close"):
            records.close()
    if not sheet.rows:
        raise UploadError("The file has a header but no rows to import.")
    return sheet
