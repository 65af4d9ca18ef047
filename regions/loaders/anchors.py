"""Anchor candidates: U.S. colleges and universities (IPEDS HD2020) and UK higher-education providers."""

from anchors.models import SIZE_BANDS, AnchorCandidate, AnchorType
from regions.models import Region, RegionScheme

from .base import CsvFile, Loader, LoadError, Unique, sync_entities
from .geography import region_ids

# Carnegie Classification 2018, basic (IPEDS C18BASIC).
CARNEGIE_2018 = {
    1: "Associate's: high transfer, high traditional",
    2: "Associate's: high transfer, mixed traditional/nontraditional",
    3: "Associate's: high transfer, high nontraditional",
    4: "Associate's: mixed transfer/career & technical, high traditional",
    5: "Associate's: mixed transfer/career & technical, mixed traditional/nontraditional",
    6: "Associate's: mixed transfer/career & technical, high nontraditional",
    7: "Associate's: high career & technical, high traditional",
    8: "Associate's: high career & technical, mixed traditional/nontraditional",
    9: "Associate's: high career & technical, high nontraditional",
    10: "Special focus two-year: health professions",
    11: "Special focus two-year: technical professions",
    12: "Special focus two-year: arts & design",
    13: "Special focus two-year: other fields",
    14: "Baccalaureate/Associate's: associate's dominant",
    15: "R1: Doctoral university, very high research activity",
    16: "R2: Doctoral university, high research activity",
    17: "D/PU: Doctoral/professional university",
    18: "Master's: larger programs",
    19: "Master's: medium programs",
    20: "Master's: small programs",
    21: "Baccalaureate: arts & sciences focus",
    22: "Baccalaureate: diverse fields",
    23: "Baccalaureate/Associate's: mixed",
    24: "Special focus four-year: faith-related",
    25: "Special focus four-year: medical schools & centers",
    26: "Special focus four-year: other health professions",
    27: "Special focus four-year: engineering",
    28: "Special focus four-year: other technology-related",
    29: "Special focus four-year: business & management",
    30: "Special focus four-year: arts, music & design",
    31: "Special focus four-year: law",
    32: "Special focus four-year: other",
    33: "Tribal college",
}
INSTSIZE = dict(enumerate(SIZE_BANDS, start=1))
# IPEDS SECTOR: 1 public 4-year+, 2 private non-profit 4-year+, 4 public 2-year. For-profit, under-2-year,
# administrative units and unknown sectors are left out: they rarely anchor a cluster.
SECTORS = {1, 2, 4}
FIELDS = ["name", "anchor_type", "region", "metro", "website", "category", "size_band"]
LOCATED_FIELDS = ["address", "city", "postcode", "latitude", "longitude"]


class IpedsInstitutions(Loader):
    slug = "ipeds-hd2020"
    name = "IPEDS HD2020 institutions (anchor candidates)"
    publisher = "U.S. Department of Education, NCES (IPEDS)"
    licence = "U.S. Government work, public domain"
    files = ("anchors/ipeds_hd2020_institutions.csv.gz",)
    requires = ("us-states", "us-msas")

    def load(self, dataset):
        columns = ["UNITID", "INSTNM", "ADDR", "CITY", "ZIP", "FIPS", "WEBADDR", "SECTOR", "CYACTIVE"]
        source = CsvFile(self.path(self.files[0]), [*columns, "C18BASIC", "INSTSIZE", "CBSA", "LATITUDE", "LONGITUD"])
        states = Region.objects.in_bulk(region_ids(RegionScheme.US_STATE).values())
        state_by_fips = {r.code: r for r in states.values()}
        cbsas = Region.objects.in_bulk(region_ids(RegionScheme.US_CBSA).values())
        cbsa_by_code = {r.code: r for r in cbsas.values()}
        unique = Unique(source)
        records = {}
        for line, row in source.rows():
            unitid = str(source.integer(line, row, "UNITID"))
            unique.check(line, unitid, "UNITID")
            sector = source.integer(line, row, "SECTOR")
            if sector not in SECTORS or row["CYACTIVE"].strip() != "1":
                continue
            state = state_by_fips.get(source.text(line, row, "FIPS").zfill(2))
            if state is None:  # territories and freely associated states: no region here
                continue
            lat = source.number(line, row, "LATITUDE", blank=True, negative=True)
            lon = source.number(line, row, "LONGITUD", blank=True, negative=True)
            if lat is None or lon is None:
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                source.fail(line, f"coordinates {lat}, {lon} out of range")
            carnegie = source.integer(line, row, "C18BASIC", negative=True)
            size = source.integer(line, row, "INSTSIZE", negative=True)
            records[unitid] = {
                "name": source.text(line, row, "INSTNM")[:200],
                "anchor_type": AnchorType.UNIVERSITY,
                "region": state,
                "metro": cbsa_by_code.get(row["CBSA"].strip()),
                "website": row["WEBADDR"].strip()[:300],
                "category": CARNEGIE_2018.get(carnegie, ""),
                "size_band": INSTSIZE.get(size, ""),
                "address": row["ADDR"].strip()[:300],
                "city": row["CITY"].strip()[:120],
                "postcode": row["ZIP"].strip()[:20],
                "latitude": lat,
                "longitude": lon,
                "source": "ipeds",
            }
        return save_candidates("ipeds", records)


def save_candidates(source_name, records):
    """Upsert a source's candidates; those gone from the file are deleted (anchors keep their data, SET_NULL)."""
    queryset = AnchorCandidate.objects.filter(source=source_name)
    _, stats = sync_entities(queryset, "external_id", records, FIELDS + LOCATED_FIELDS)
    if stats["stale"]:
        queryset.exclude(external_id__in=list(records)).delete()
    return len(records)


class UkHeis(Loader):
    slug = "uk-heis"
    name = "UK higher-education providers by NUTS 2 region (anchor candidates)"
    publisher = "Nesta (nestauk/beis-indicators), from HESA provider lists"
    licence = "MIT (Nesta repository)"
    files = ("anchors/uk_heis_ukprn_nuts2.csv",)
    requires = ("uk-nuts2",)

    def load(self, dataset):
        source = CsvFile(self.path(self.files[0]), ["ukprn", "institution_name", "nuts2_code"])
        regions = Region.objects.in_bulk(region_ids(RegionScheme.NUTS2).values())
        by_code = {r.code: r for r in regions.values()}
        unique = Unique(source)
        records = {}
        for line, row in source.rows():
            ukprn = source.text(line, row, "ukprn")
            if not (ukprn.isdigit() and len(ukprn) == 8):
                source.fail(line, f"UKPRN {ukprn!r} is not 8 digits")
            unique.check(line, ukprn, "UKPRN")
            nuts2 = source.text(line, row, "nuts2_code")
            if nuts2 not in by_code:
                source.fail(line, f"unknown NUTS 2 region {nuts2!r}")
            records[ukprn] = {
                "name": source.text(line, row, "institution_name")[:200],
                "anchor_type": AnchorType.UNIVERSITY,
                "region": by_code[nuts2],
                "metro": None,
                "website": "",
                "category": "Higher education provider",
                "size_band": "",
                "address": "",
                "city": "",
                "postcode": "",
                "latitude": None,
                "longitude": None,
                "source": "ukprn",
            }
        if not records:
            raise LoadError(source.path, None, "no institutions")
        return save_candidates("ukprn", records)
