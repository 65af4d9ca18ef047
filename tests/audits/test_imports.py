"""Spreadsheet imports: a bad-input corpus that writes nothing, the happy paths in CSV and XLSX, tenancy, the command.

Every file is generated here (no committed binaries): the zip bomb, the macro workbook and the renamed program
are built byte by byte.
"""

import csv
import io
import random
import struct
import time
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from anchors.models import AnchorInstitution
from audits import imports
from audits.models import AuditStatus, ImportBatch, ImportRow, ImportStatus
from core import uploads
from core.models import Role
from regions.models import Dataset, EconomicObservation, IndustryCode, RegionSet
from stakeholders.models import Partnership, Stakeholder
from tests.factories import AnchorFactory, AuditFactory, MembershipFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db

ANCHOR_COLUMNS = list(imports.AnchorImporter.columns)
STAKEHOLDER_COLUMNS = list(imports.StakeholderImporter.columns)
PARTNERSHIP_COLUMNS = ["source", "target", "kind", "strength", "started_on", "description"]
OBSERVATION_COLUMNS = ["region_code", "classification", "industry_code", "year", "employment", "establishments",
                       "payroll"]  # fmt: skip


# --- Files ------------------------------------------------------------------------------------------------


def rows_of(columns, records):
    """A header and one list per record, in the column order (missing values blank)."""
    return [columns, *[[record.get(column, "") for column in columns] for record in records]]


def csv_bytes(rows, bom=False):
    handle = io.StringIO()
    csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + handle.getvalue().encode()


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append([None if value == "" else value for value in row])
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def file_of(fmt, rows):
    return csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)


def rezip(data, replace=None, add=None):
    """A copy of the zip ``data`` with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, replace.get(entry.filename, source.read(entry.filename)))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def raw_zip(entries):
    """A zip written by hand from ``(name, deflated bytes, crc, uncompressed size)``: sizes can be anything."""
    out, central = io.BytesIO(), []
    for name, payload, crc, size in entries:
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(payload), size, len(encoded), 0))
        out.write(encoded + payload)
        central.append(
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(payload), size, len(encoded),
                        0, 0, 0, 0, 0, offset) + encoded
        )  # fmt: skip
    start, directory = out.tell(), b"".join(central)
    out.write(directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory),
                                      start, 0))  # fmt: skip
    return out.getvalue()


def deflate(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def zip_bomb(sheet_mb=400, padding_mb=1.5):
    """A real workbook whose sheet XML inflates to ``sheet_mb`` MB: one deflated megabyte block, repeated.

    After a full flush the compressor starts afresh, so the same compressed bytes can be repeated; an
    incompressible picture brings the file to the 2–3 MB of a believable upload.
    """
    honest = zipfile.ZipFile(io.BytesIO(xlsx_bytes([ANCHOR_COLUMNS])))
    block = (b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 25_000)[: 1024 * 1024]
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    once = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(sheet_mb):
        crc = zlib.crc32(block, crc)
    entries = []
    for name in honest.namelist():
        content = honest.read(name)
        if name == "xl/worksheets/sheet1.xml":
            entries.append((name, once * sheet_mb + compressor.flush(zlib.Z_FINISH), crc, sheet_mb * len(block)))
        else:
            entries.append((name, deflate(content), zlib.crc32(content), len(content)))
    picture = random.Random(4).randbytes(int(padding_mb * 2**20))
    entries.append(("xl/media/image1.png", deflate(picture), zlib.crc32(picture), len(picture)))
    return raw_zip(entries)


# --- Fixtures and helpers ---------------------------------------------------------------------------------


@pytest.fixture
def region_set():
    return RegionSet.objects.get(slug="uk-nuts2")


@pytest.fixture
def audit(organisation, region_set):
    return AuditFactory(
        organisation=organisation, title="West Midlands ProfTech", region=region_set.regions.get(code="UKG3"),
        region_set=region_set,
    )  # fmt: skip


def counts(audit=None):
    """Rows of every model an import could write (and the audit's version)."""
    found = {
        "anchors": AnchorInstitution.objects.count(),
        "anchor history": AnchorInstitution.history.count(),
        "stakeholders": Stakeholder.objects.count(),
        "stakeholder history": Stakeholder.history.count(),
        "partnerships": Partnership.objects.count(),
        "observations": EconomicObservation.objects.count(),
        "datasets": Dataset.objects.count(),
        "import rows": ImportRow.objects.count(),
    }
    if audit is not None:
        audit.refresh_from_db()
        found["audit version"] = audit.version
    return found


def preview(audit, kind, name, content, user=None):
    return imports.import_preview(audit=audit, kind=kind, uploaded_file=SimpleUploadedFile(name, content), user=user)


def errors_by_line(batch):
    return {row.line: row.errors for row in batch.rows.all()}


MIT = {"name": "Massachusetts Institute of Technology", "anchor_type": "university", "staff": "13000",
       "clusters": "5; fintech", "evidence": "https://web.mit.edu; https://example.org/report", "latitude": "42.36",
       "longitude": "-71.09"}  # fmt: skip
ASTON = {"name": "Aston University", "anchor_type": "University", "students": "17000", "clusters": "proftech"}


# --- Happy paths ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_previews_then_imports_anchors_exactly_once(audit, officer, fmt):
    before = counts(audit)
    batch = preview(audit, "anchors", f"anchors.{fmt}", file_of(fmt, rows_of(ANCHOR_COLUMNS, [MIT, ASTON])), officer)
    assert (batch.status, batch.row_count, batch.error_count) == (ImportStatus.PREVIEWED, 2, 0), batch.errors
    assert counts(audit) == {**before, "import rows": before["import rows"] + 2}  # staged only

    batch = imports.import_commit(batch=batch, user=officer)
    assert (batch.status, batch.created_count) == (ImportStatus.COMMITTED, 2)
    mit = AnchorInstitution.objects.get(audit=audit, name=MIT["name"])
    assert sorted(mit.clusters.values_list("slug", flat=True)) == ["biopharmaceuticals", "fintech"]
    assert mit.evidence == ["https://web.mit.edu", "https://example.org/report"] and mit.staff == 13000
    assert AnchorInstitution.objects.get(audit=audit, name="Aston University").anchor_type == "university"
    # The row's creation, then its cluster links (history records link changes too): each says where it came from.
    records = list(mit.history.order_by("history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    for record in records:
        assert record.history_change_reason == f"imported from anchors.{fmt}" and record.history_user == officer
    after = counts(audit)
    assert after["anchors"] == before["anchors"] + 2 and after["audit version"] == before["audit version"] + 1

    again = imports.import_commit(batch=batch, user=officer)
    assert again.status == ImportStatus.COMMITTED and counts(audit) == after


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_stakeholders(audit, officer, fmt):
    records = [{"name": "West Midlands Combined Authority", "group": "government", "employees": "900"},
               {"name": "Mercia Ventures", "group": "Capital (investors)", "sector": "venture capital",
                "clusters": "FINTECH"}]  # fmt: skip
    batch = preview(audit, "stakeholders", f"s.{fmt}", file_of(fmt, rows_of(STAKEHOLDER_COLUMNS, records)), officer)
    assert batch.error_count == 0, errors_by_line(batch)
    imports.import_commit(batch=batch, user=officer)
    fund = Stakeholder.objects.get(audit=audit, name="Mercia Ventures")
    assert fund.group == "capital" and list(fund.clusters.values_list("slug", flat=True)) == ["fintech"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_partnerships_between_named_parties(audit, officer, fmt):
    aston = AnchorFactory(audit=audit, name="Aston University")
    fund = StakeholderFactory(audit=audit, name="Mercia Ventures")
    council = StakeholderFactory(audit=audit, name="Birmingham City Council")
    records = [{"source": "aston university", "target": "Mercia Ventures", "kind": "investment", "strength": "4",
                "started_on": "2021-03-01"},
               {"source": "Birmingham City Council", "target": "Aston University", "kind": "programme"}]  # fmt: skip
    batch = preview(audit, "partnerships", f"p.{fmt}", file_of(fmt, rows_of(PARTNERSHIP_COLUMNS, records)), officer)
    assert batch.error_count == 0, errors_by_line(batch)
    imports.import_commit(batch=batch, user=officer)
    investment = Partnership.objects.get(audit=audit, kind="investment")
    assert (investment.from_anchor, investment.to_stakeholder, investment.strength) == (aston, fund, 4)
    assert str(investment.started_on) == "2021-03-01"
    assert Partnership.objects.get(audit=audit, kind="programme").from_stakeholder == council
    assert Partnership.objects.get(audit=audit, kind="programme").strength == 3  # blank means the default


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_observations_into_a_private_dataset(audit, officer, fmt):
    records = [{"region_code": "UKG3", "classification": "uksic2007", "industry_code": "6201", "year": "2023",
                "employment": "12500", "establishments": "1400", "payroll": ""},
               {"region_code": "ukg1", "classification": "uksic2007", "industry_code": "62.01", "year": "2023",
                "employment": "3100.5"}]  # fmt: skip
    public_before = EconomicObservation.objects.public().count()
    batch = preview(audit, "observations", f"o.{fmt}", file_of(fmt, rows_of(OBSERVATION_COLUMNS, records)), officer)
    assert batch.error_count == 0, errors_by_line(batch)
    imports.import_commit(batch=batch, user=officer)
    dataset = Dataset.objects.get(slug=f"import-{batch.pk}")
    assert (dataset.organisation, dataset.audit, dataset.rows) == (audit.organisation, audit, 2)
    imported = EconomicObservation.objects.filter(dataset=dataset)
    assert sorted(imported.values_list("region__code", "industry__code", "employment", "payroll")) == [
        ("UKG1", "62.01", 3100.5, None),
        ("UKG3", "62.01", 12500.0, None),
    ]
    assert EconomicObservation.objects.public().count() == public_before
    assert not EconomicObservation.objects.public().filter(dataset=dataset).exists()


# --- Row errors: the same rules as the forms, duplicates, and commit refused ----------------------------


def test_it_reports_every_row_error_by_line_and_column_and_commit_writes_nothing(audit, officer):
    AnchorFactory(audit=audit, name="University of Birmingham")
    records = [
        MIT,
        {"name": "Broad Institute", "anchor_type": "research_centre", "clusters": "biotech-ish"},
        {"name": "Aston", "anchor_type": "university", "staff": "-3"},
        {"name": "Warwick", "anchor_type": "university", "staff": "many"},
        {"name": "massachusetts institute of  technology", "anchor_type": "university"},
        {"name": "University of Birmingham", "anchor_type": "university"},
        {"name": "Castle", "anchor_type": "castle", "evidence": "javascript:alert(1)"},
    ]
    before = counts(audit)
    batch = preview(audit, "anchors", "anchors.csv", csv_bytes(rows_of(ANCHOR_COLUMNS, records)), officer)
    errors = errors_by_line(batch)
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 6
    assert errors[2] == {}
    assert list(errors[3]) == ["clusters"] and errors[3]["clusters"][0].startswith("Unknown cluster 'biotech-ish'.")
    assert "greater than or equal to 0" in errors[4]["staff"][0]
    assert "whole number" in errors[5]["staff"][0]
    assert errors[6] == {"name": ["Duplicates line 2 of this file."]}
    assert errors[7] == {"name": ["Already in this audit: anchor institution 'University of Birmingham'."]}
    assert "'castle' is not an allowed value" in errors[8]["anchor_type"][0]
    assert "not an http(s) link" in errors[8]["evidence"][0]

    with pytest.raises(imports.ImportRefused, match="6 rows of anchors.csv have errors"):
        imports.import_commit(batch=batch, user=officer)
    assert counts(audit) == {**before, "import rows": before["import rows"] + 7}


def test_it_reports_unknown_industry_codes_bad_numbers_foreign_regions_and_duplicate_observations(audit, officer):
    good = {"region_code": "UKG3", "classification": "uksic2007", "industry_code": "62.01", "year": "2022",
            "employment": "100"}  # fmt: skip
    imports.import_commit(batch=preview(audit, "observations", "first.csv",
                                        csv_bytes(rows_of(OBSERVATION_COLUMNS, [good]))), user=officer)  # fmt: skip
    records = [
        {**good, "year": "2023"},
        {**good, "year": "2023", "employment": "5"},
        good,
        {**good, "industry_code": "99.99"},
        {**good, "industry_code": "62.01", "classification": "sic1980"},
        {**good, "year": "2021", "employment": "-4", "payroll": "lots"},
        {**good, "region_code": "ZZ99"},
        {**good, "year": "2020", "employment": ""},
    ]
    before = counts(audit)
    batch = preview(audit, "observations", "o.csv", csv_bytes(rows_of(OBSERVATION_COLUMNS, records)), officer)
    errors = errors_by_line(batch)
    assert errors[2] == {} and batch.error_count == 7
    assert errors[3] == {"__row__": ["Duplicates line 2 of this file."]}
    assert "Already in this audit: UKG3 62.01 2022" in errors[4]["__row__"][0]
    assert errors[5] == {"industry_code": ["Unknown industry code '99.99' in UK SIC 2007."]}
    assert "Unknown classification 'sic1980'" in errors[6]["classification"][0]
    assert "greater than or equal to 0" in errors[7]["employment"][0] and "number" in errors[7]["payroll"][0]
    assert errors[8] == {"region_code": ["Unknown region code 'ZZ99'."]}
    assert errors[9] == {"employment": ["This field is required."]}
    with pytest.raises(imports.ImportRefused):
        imports.import_commit(batch=batch, user=officer)
    assert counts(audit) == {**before, "import rows": before["import rows"] + 8}


def test_an_observation_outside_the_peer_group_is_refused(organisation, officer):
    states = RegionSet.objects.get(slug="us-states")
    audit = AuditFactory(organisation=organisation, region=states.regions.get(code="25"), region_set=states)
    record = {"region_code": "UKG3", "classification": "naics2012", "industry_code": "325412.0", "year": "2011",
              "employment": "10"}  # fmt: skip
    batch = preview(audit, "observations", "o.csv", csv_bytes(rows_of(OBSERVATION_COLUMNS, [record])), officer)
    assert "neither the audit's region nor in its peer group" in errors_by_line(batch)[2]["region_code"][0]


def test_partnership_parties_must_be_recorded_once_and_pairs_not_repeated(audit, officer):
    aston = AnchorFactory(audit=audit, name="Aston")
    fund = StakeholderFactory(audit=audit, name="Fund")
    AnchorFactory(audit=audit, name="Twin")
    StakeholderFactory(audit=audit, name="Twin")
    Partnership.objects.create(audit=audit, from_anchor=aston, to_stakeholder=fund, kind="research")
    records = [
        {"source": "Aston", "target": "Fund", "kind": "investment"},
        {"source": "Fund", "target": "Aston", "kind": "investment"},
        {"source": "Fund", "target": "Aston", "kind": "research"},
        {"source": "Aston", "target": "Nobody Ltd", "kind": "research"},
        {"source": "Twin", "target": "Fund", "kind": "research"},
        {"source": "Aston", "target": "Aston", "kind": "programme"},
        {"source": "Aston", "target": "Fund", "kind": "investment", "strength": "9"},
    ]
    batch = preview(audit, "partnerships", "p.csv", csv_bytes(rows_of(PARTNERSHIP_COLUMNS, records)), officer)
    errors = errors_by_line(batch)
    assert errors[2] == {}
    assert errors[3] == {"__row__": ["Duplicates line 2 of this file."]}
    assert "Already in this audit: a research partnership between anchor institution 'Aston'" in errors[4]["__row__"][0]
    assert errors[5] == {"target": ["No anchor institution or stakeholder named 'Nobody Ltd' in this audit."]}
    assert "'Twin' is ambiguous" in errors[6]["source"][0]
    assert "A partnership joins two different parties." in errors[7]["__row__"]
    assert "less than or equal to 5" in errors[8]["strength"][0]


def test_commit_is_refused_for_an_audit_that_can_no_longer_change(audit, officer):
    batch = preview(audit, "anchors", "a.csv", csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON])), officer)
    audit.status = AuditStatus.APPROVED
    audit.save()
    before = counts(audit)
    with pytest.raises(imports.ImportRefused, match="approved"):
        imports.import_commit(batch=batch, user=officer)
    with pytest.raises(imports.ImportRefused, match="approved"):
        preview(audit, "anchors", "a.csv", csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON])), officer)
    assert counts(audit) == before


def test_commit_validates_again_and_refuses_what_changed_since_the_preview(audit, officer):
    batch = preview(audit, "anchors", "a.csv", csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON])), officer)
    AnchorFactory(audit=audit, name="Aston University")  # added in the editor meanwhile
    before = counts(audit)
    with pytest.raises(imports.ImportRefused, match="changed since the preview.*line 2 \\(name\\)"):
        imports.import_commit(batch=batch, user=officer)
    assert counts(audit) == before


# --- The bad-file corpus: each a specific error, nothing written -----------------------------------------


def exe():
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8


def pe_exe():
    """The start of a real Windows program: a DOS header and stub, mostly NUL bytes (which once read as UTF-16)."""
    header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 43 + b"\x80\x00\x00\x00"
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\t\xcd!\xb8\x01L\xcd!This program cannot be run in DOS mode.\r\r\n$"
    return (header + stub).ljust(128, b"\x00") + b"PE\x00\x00L\x01\x03\x00" + b"\x00" * 4000


def nul_heavy_binary():
    return bytes([7, 0, 0, 0, 3, 0, 0, 9]) * 512


def macro_workbook():
    return rezip(xlsx_bytes([ANCHOR_COLUMNS, ["MIT", "university"]]), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;'
    b'&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
)

BAD_FILES = {
    "unbalanced quotes": ("a.csv", lambda: csv_bytes([ANCHOR_COLUMNS]) + b'"MIT,university\r\nAston,university\r\n',
                          "unbalanced quotes"),
    "wrong header": ("a.csv", lambda: csv_bytes([["name", "anchor_type", "staf"], ["MIT", "university", "1"]]),
                     "Missing columns: website"),
    "unknown column named": ("a.csv", lambda: csv_bytes([[*ANCHOR_COLUMNS, "notes"], ["MIT"]]),
                             "Unknown columns: notes"),
    "oversized": ("a.csv", lambda: csv_bytes([ANCHOR_COLUMNS]).ljust(5 * 2**20 + 1, b" "),
                  "larger than the 5 MB limit (5,242,880 bytes)"),
    "zip bomb": ("a.xlsx", zip_bomb, "expands too much"),
    "xlsm": ("a.xlsm", macro_workbook, "Macro-enabled workbooks are not accepted"),
    "xlsx with vbaProject.bin": ("a.xlsx", macro_workbook, "macro-enabled workbooks are not accepted"),
    "utf-16 with BOM": ("a.csv", lambda: "\ufeffname,anchor_type\r\nMIT,university\r\n".encode("utf-16-le"),
                        "save the file as CSV UTF-8"),
    "utf-16 without BOM": ("a.csv", lambda: "name,anchor_type\r\nMIT,university\r\n".encode("utf-16-be"),
                           "save the file as CSV UTF-8"),
    "windows-1252": ("a.csv", lambda: ",".join(ANCHOR_COLUMNS).encode() + "\r\nBanque Élan,major_firm\r\n".encode(
        "cp1252"), "not UTF-8 text (byte 0xC9 on line 2)"),
    "exe renamed .csv": ("setup.csv", exe, "not a CSV text file: its content is a Windows program"),
    "real exe renamed .csv": ("setup.csv", pe_exe, "not a CSV text file: its content is a Windows program"),
    "binary renamed .csv": ("data.csv", nul_heavy_binary, "not a CSV text file: it contains binary data"),
    "exe renamed .xlsx": ("setup.xlsx", exe, "not a valid .xlsx workbook: its content is a Windows program"),
    "workbook renamed .csv": ("a.csv", lambda: xlsx_bytes([ANCHOR_COLUMNS]), "Rename it to .xlsx"),
    "other extension": ("a.txt", lambda: csv_bytes([ANCHOR_COLUMNS]), "Only .csv and .xlsx files are accepted"),
    "empty": ("a.csv", lambda: b"", "The file is empty."),
    "header only": ("a.xlsx", lambda: xlsx_bytes([ANCHOR_COLUMNS]), "a header but no rows"),
    "too many rows": ("a.csv", lambda: csv_bytes([ANCHOR_COLUMNS] + [[f"Anchor {i}", "university"] for i in
                                                                    range(1001)]), "more than 1,000 rows"),
    "unsafe path": ("a.xlsx", lambda: rezip(xlsx_bytes([ANCHOR_COLUMNS]), add={"../evil.txt": b"x"}), "unsafe path"),
    "too many parts": ("a.xlsx", lambda: rezip(xlsx_bytes([ANCHOR_COLUMNS]), add={f"x/{i}.xml": b"<a/>" for i in
                                                                                 range(45)}), "at most 50"),
    "not a workbook zip": ("a.xlsx", lambda: rezip(xlsx_bytes([ANCHOR_COLUMNS]), replace={}).replace(
        b"xl/workbook.xml", b"xl/workbook.xmz"), "no xl/workbook.xml"),
    "billion laughs": ("a.xlsx", lambda: rezip(xlsx_bytes([ANCHOR_COLUMNS, ["MIT", "university"]]),
                                               replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS}),
                       "XML entity declarations"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_rejected_with_a_specific_error_and_nothing_written(audit, officer, case):
    name, build, message = BAD_FILES[case]
    content = build()
    before = counts(audit)
    batch = preview(audit, "anchors", name, content, officer)
    assert batch.status == ImportStatus.REJECTED
    assert message in " ".join(batch.errors), batch.errors
    assert not batch.rows.exists() and counts(audit) == before
    with pytest.raises(imports.ImportRefused, match="rejected"):
        imports.import_commit(batch=batch, user=officer)
    assert counts(audit) == before


def test_the_wrong_header_names_both_missing_and_unknown_columns(audit):
    header = [c for c in ANCHOR_COLUMNS if c != "staff"] + ["staf"]
    batch = preview(audit, "anchors", "a.csv", csv_bytes([header, ["MIT", "university"]]))
    assert batch.errors[:2] == ["Missing columns: staff.", "Unknown columns: staf."]


def test_the_zip_bomb_is_rejected_in_well_under_a_second():
    content = zip_bomb()
    assert 2 * 2**20 < len(content) < 3 * 2**20
    assert sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(content)).infolist()) > 400 * 10**6
    started = time.perf_counter()
    with pytest.raises(uploads.UploadError, match="expands too much"):
        uploads.read_sheet("bomb.xlsx", content, columns=ANCHOR_COLUMNS)
    assert time.perf_counter() - started < 0.5


def test_reading_a_workbook_stops_once_it_inflates_past_the_budget():
    """The declared sizes passed the checks, but the bytes actually inflated are counted too."""
    content = xlsx_bytes([ANCHOR_COLUMNS] + [[f"Anchor {i}", "university"] for i in range(2000)])
    with pytest.raises(uploads.UploadError, match="expands too much"):
        list(uploads._xlsx_rows(content, uploads.UploadLimits(max_unpacked=20_000), len(ANCHOR_COLUMNS)))


def test_a_workbook_with_a_wrong_dimension_tag_is_read_in_full(audit):
    content = xlsx_bytes(rows_of(ANCHOR_COLUMNS, [MIT, ASTON]))
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    lying = rezip(content, replace={"xl/worksheets/sheet1.xml": sheet_xml.replace(b'ref="A1:P3"', b'ref="A1"')})
    assert b'ref="A1"' in zipfile.ZipFile(io.BytesIO(lying)).read("xl/worksheets/sheet1.xml")
    assert len(uploads.read_sheet("a.xlsx", lying, columns=ANCHOR_COLUMNS).rows) == 2


# --- Templates ---------------------------------------------------------------------------------------------


def test_the_csv_template_is_the_header_the_import_expects():
    assert imports.template_csv(kind="partnerships") == ",".join(PARTNERSHIP_COLUMNS) + "\n"
    assert imports.template_csv(kind="anchors").strip().split(",") == ANCHOR_COLUMNS


def test_the_xlsx_template_has_a_help_sheet_and_no_formulas(audit):
    content = imports.template_xlsx(kind="anchors", audit=audit)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in archive.namelist())
    workbook = load_workbook(io.BytesIO(content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == ANCHOR_COLUMNS
    help_sheet = workbook["Help"]
    rows = {row[0]: row for row in help_sheet.iter_rows(values_only=True) if row[0]}
    assert rows["anchor_type"][1] == "yes" and "research_centre" in rows["anchor_type"][3]
    assert rows["staff"][2] == "whole number (≥ 0)" and rows["latitude"][2] == "number"
    assert rows["research_spend"][2] == "number (≥ 0)" and rows["biopharmaceuticals"][1].startswith(
        "Biopharmaceuticals"
    )
    # The template itself imports: the header row alone is "no rows", never a header error.
    batch = preview(audit, "anchors", "template.xlsx", content)
    assert batch.errors == ["The file has a header but no rows to import."]


# --- Pages: roles and tenancy ------------------------------------------------------------------------------


def upload_url(audit, kind="anchors"):
    return reverse("audits:import_upload", args=[audit.pk]) + f"?kind={kind}"


def test_an_officer_uploads_previews_and_confirms_in_the_browser(client, audit, officer):
    client.force_login(officer)
    assert client.get(upload_url(audit)).status_code == 200
    content = csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON, {"name": "Bad", "anchor_type": "castle"}]))
    response = client.post(upload_url(audit), {"kind": "anchors", "file": SimpleUploadedFile("a.csv", content)})
    batch = ImportBatch.objects.get(audit=audit)
    assert response.status_code == 302 and response.url == reverse("audits:import_preview", args=[audit.pk, batch.pk])
    page = client.get(response.url).content.decode()
    assert "1 of 2 rows has errors" in page and 'class="table-danger"' in page and "is not an allowed value" in page
    assert "confirm-import" not in page

    content = csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON]))
    response = client.post(upload_url(audit), {"kind": "anchors", "file": SimpleUploadedFile("a.csv", content)})
    batch = ImportBatch.objects.get(audit=audit, status=ImportStatus.PREVIEWED, error_count=0)
    assert "confirm-import" in client.get(response.url).content.decode()
    confirm = reverse("audits:import_confirm", args=[audit.pk, batch.pk])
    assert client.get(confirm).status_code == 405
    assert client.post(confirm).status_code == 302 and client.post(confirm).status_code == 302
    assert AnchorInstitution.objects.filter(audit=audit, name="Aston University").count() == 1


def test_a_rejected_upload_shows_its_errors_and_an_oversized_one_records_no_batch(client, audit, officer):
    client.force_login(officer)
    response = client.post(upload_url(audit), {"kind": "anchors", "file": SimpleUploadedFile("a.csv", exe())})
    assert response.status_code == 400 and "Windows program" in response.content.decode()
    assert ImportBatch.objects.get(audit=audit).status == ImportStatus.REJECTED
    big = SimpleUploadedFile("big.csv", b"x" * (5 * 2**20 + 1))
    response = client.post(upload_url(audit), {"kind": "anchors", "file": big})
    assert response.status_code == 400 and "larger than the 5 MB limit" in response.content.decode()
    assert ImportBatch.objects.filter(audit=audit).count() == 1


def test_a_viewer_cannot_import(client, audit, member):
    client.force_login(member)
    assert client.get(upload_url(audit)).status_code == 403
    content = csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON]))
    response = client.post(upload_url(audit), {"kind": "anchors", "file": SimpleUploadedFile("a.csv", content)})
    assert response.status_code == 403 and not ImportBatch.objects.exists()


def test_another_organisation_gets_404_on_the_preview_and_the_confirmation(client, audit, officer, outsider):
    batch = preview(audit, "anchors", "a.csv", csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON])), officer)
    client.force_login(outsider)
    assert client.get(reverse("audits:import_preview", args=[audit.pk, batch.pk])).status_code == 404
    assert client.post(reverse("audits:import_confirm", args=[audit.pk, batch.pk])).status_code == 404
    assert client.post(reverse("audits:import_cancel", args=[audit.pk, batch.pk])).status_code == 404
    assert client.get(upload_url(audit)).status_code == 404
    # Their own audit's URL with this batch id is no way in either.
    theirs = AuditFactory(organisation=outsider.organisations.get(), region=audit.region, region_set=audit.region_set)
    assert client.get(reverse("audits:import_preview", args=[theirs.pk, batch.pk])).status_code == 404
    assert not AnchorInstitution.objects.filter(audit=audit).exists()


def test_cancel_drops_the_staged_rows(client, audit, officer):
    batch = preview(audit, "anchors", "a.csv", csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON])), officer)
    client.force_login(officer)
    assert client.post(reverse("audits:import_cancel", args=[audit.pk, batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CANCELLED and not batch.rows.exists()


def test_templates_download_as_csv_and_xlsx(client, audit, member):
    client.force_login(member)
    response = client.get(reverse("audits:import_template", args=[audit.pk, "observations", "csv"]))
    assert response.content.decode().strip() == ",".join(OBSERVATION_COLUMNS)
    assert response["Content-Disposition"].startswith('attachment; filename="observations-import-template-')
    response = client.get(reverse("audits:import_template", args=[audit.pk, "stakeholders", "xlsx"]))
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Stakeholders", "Help"]
    assert client.get(reverse("audits:import_template", args=[audit.pk, "stakeholders", "exe"])).status_code == 404


def _render_link(audit, role):
    class Request:
        membership = type("Membership", (), {"role": role})()

    return render_to_string("audits/imports/_link.html", {"audit": audit, "request": Request()})


def test_the_audit_page_link_shows_only_to_members_who_can_import(audit):
    assert "Import from spreadsheet" in _render_link(audit, Role.OFFICER)
    assert reverse("audits:import_upload", args=[audit.pk]) in _render_link(audit, Role.ADMIN)
    assert _render_link(audit, Role.VIEWER).strip() == ""
    audit.status = AuditStatus.APPROVED
    assert _render_link(audit, Role.ADMIN).strip() == ""


# --- The command -------------------------------------------------------------------------------------------


def test_the_command_prints_row_errors_exits_non_zero_and_writes_nothing(audit, tmp_path, capsys):
    path = tmp_path / "anchors.csv"
    path.write_bytes(csv_bytes(rows_of(ANCHOR_COLUMNS, [ASTON, {"name": "X", "anchor_type": "university",
                                                                 "clusters": "nope"}])))  # fmt: skip
    before = {**counts(audit), "batches": ImportBatch.objects.count()}
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_assets", str(path), audit=audit.pk, kind="anchors")
    assert "line 3, clusters: Unknown cluster 'nope'." in capsys.readouterr().err
    assert {**counts(audit), "batches": ImportBatch.objects.count()} == before

    path.write_bytes(b"")
    with pytest.raises(CommandError):
        call_command("import_assets", str(path), audit=audit.pk, kind="anchors")
    assert "anchors.csv: The file is empty." in capsys.readouterr().err
    assert {**counts(audit), "batches": ImportBatch.objects.count()} == before


def test_the_command_imports_a_clean_file_and_prints_the_template(audit, tmp_path, capsys):
    path = tmp_path / "stakeholders.xlsx"
    path.write_bytes(xlsx_bytes(rows_of(STAKEHOLDER_COLUMNS, [{"name": "Fund", "group": "capital"}])))
    user = UserFactory(username="importer")
    MembershipFactory(user=user, organisation=audit.organisation, role=Role.OFFICER)
    call_command("import_assets", str(path), audit=audit.pk, kind="stakeholders", user="importer")
    assert "Imported 1 stakeholders from stakeholders.xlsx" in capsys.readouterr().out
    assert Stakeholder.objects.get(audit=audit).history.get().history_user == user

    call_command("import_assets", kind="observations", template=True)
    assert capsys.readouterr().out == ",".join(OBSERVATION_COLUMNS) + "\n"


def test_observations_may_be_longer_than_asset_files(audit):
    codes = IndustryCode.objects.filter(classification__slug="uksic2007").values_list("code", flat=True)[:300]
    records = [{"region_code": region, "classification": "uksic2007", "industry_code": code, "year": "2023",
                "employment": "5"} for region in ("UKG1", "UKG2", "UKG3", "UKI3") for code in codes]  # fmt: skip
    batch = preview(audit, "observations", "o.csv", csv_bytes(rows_of(OBSERVATION_COLUMNS, records)))
    assert (batch.status, batch.row_count, batch.error_count) == (ImportStatus.PREVIEWED, 1200, 0)


def padded_to_xfd(rows=5000):
    """A small workbook whose every row also has a cell in column XFD (16,384): each row padded to 16,384 cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ANCHOR_COLUMNS)
    for row in range(2, rows + 2):
        sheet.cell(row=row, column=1, value=f"Anchor {row}")
        sheet.cell(row=row, column=2, value="university")
        sheet.cell(row=row, column=16384, value="x")
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def test_a_workbook_padded_to_column_xfd_costs_well_under_a_second(audit):
    from core.uploads import read_sheet

    content = padded_to_xfd(rows=5000)
    assert len(content) < 200_000
    started = time.process_time()
    sheet = read_sheet("a.xlsx", content, columns=ANCHOR_COLUMNS)
    assert time.process_time() - started < 1.0
    assert len(sheet.rows) == 5000 and sheet.rows[0].values["name"] == "Anchor 2"


def test_the_cells_read_per_upload_are_bounded():
    import dataclasses

    from core.uploads import DEFAULT_LIMITS, UploadError, read_sheet

    limits = dataclasses.replace(DEFAULT_LIMITS, max_cells=5_000)
    with pytest.raises(UploadError, match="more than 5,000 cells"):
        read_sheet("a.xlsx", xlsx_bytes([ANCHOR_COLUMNS] + [["MIT", "university"]] * 1000), columns=ANCHOR_COLUMNS,
                   limits=limits)  # fmt: skip
