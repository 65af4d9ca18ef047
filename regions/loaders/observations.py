"""Economic observations: Cluster Mapping 2016 cluster employment, CBP state × NAICS, BRES NUTS2 × SIC class.

Each source file is one Dataset; a reload deletes that dataset's observations and re-inserts them (COPY on
PostgreSQL) in the runner's transaction.
"""

from regions import codes as C
from regions.models import EconomicObservation, RegionScheme

from .base import CsvFile, Loader, Unique, insert_rows
from .classifications import code_ids
from .clusters import benchmark_ids
from .geography import region_ids

FIELDS = [
    "region_id",
    "year",
    "industry_id",
    "cluster_id",
    "employment",
    "establishments",
    "payroll",
    "gva",
    "suppressed",
    "flag",
    "dataset_id",
]


def replace_observations(dataset, rows):
    """Delete the dataset's observations and insert ``rows`` (tuples in ``FIELDS`` order without dataset_id)."""
    EconomicObservation.objects.filter(dataset=dataset).delete()
    return insert_rows(EconomicObservation, FIELDS, [(*row, dataset.id) for row in rows])


def year_of(source, line, row, low, high):
    year = source.integer(line, row, "year")
    if not low <= year <= high:
        source.fail(line, f"year {year} outside {low}–{high}")
    return year


class CmpClusterEmployment(Loader):
    """CMP 2016 employment, establishments and payroll per region × benchmark cluster.

    ``emp`` includes CMP's estimates for cells CBP withheld; ``emp_reported`` is what CBP published. A cell is
    marked suppressed when the file flags it (``supression``/``empflag``) or when CMP had to estimate part of it
    (``emp_reported`` < ``emp``); ``flag`` keeps ``empflag``, or "E" for such an estimate.
    """

    scheme = ""
    publisher = "U.S. Cluster Mapping Project (HBS ISC / U.S. EDA), from Census CBP 2016"
    licence = "Public use with attribution (clustermapping.us)"
    requires = ("dps-clusters",)

    def load(self, dataset):
        columns = ["year", "region_code", "cluster_code", "emp", "emp_reported", "est", "ap", "empflag", "supression"]
        source = CsvFile(self.path(self.files[0]), columns)
        regions, clusters = region_ids(self.scheme), benchmark_ids()
        unique = Unique(source)
        rows = []
        for line, row in source.rows():
            year = year_of(source, line, row, 1998, 2030)
            region = source.text(line, row, "region_code")
            if region not in regions:
                source.fail(line, f"unknown {self.scheme} region {region!r}")
            cluster = str(source.integer(line, row, "cluster_code"))
            if cluster not in clusters:
                source.fail(line, f"unknown cluster code {cluster!r}")
            unique.check(line, (region, cluster, year), "region × cluster × year")
            emp = source.number(line, row, "emp")
            reported = source.number(line, row, "emp_reported")
            flag = row["empflag"].strip()[:4]
            suppressed = row["supression"].strip().lower() == "true" or bool(flag) or reported < emp
            if suppressed and not flag and reported < emp:
                flag = "E"
            rows.append(
                (
                    regions[region],
                    year,
                    None,
                    clusters[cluster],
                    emp,
                    source.number(line, row, "est"),
                    source.number(line, row, "ap"),
                    None,
                    suppressed,
                    flag,
                )
            )
        return replace_observations(dataset, rows)


class CmpStates(CmpClusterEmployment):
    slug = "cmp-2016-states"
    name = "Cluster Mapping 2016: cluster employment by state"
    files = ("observations/cmp_2016_states_cluster_employment.csv",)
    requires = ("dps-clusters", "us-states")
    scheme = RegionScheme.US_STATE


class CmpMsas(CmpClusterEmployment):
    slug = "cmp-2016-msas"
    name = "Cluster Mapping 2016: cluster employment by metro and micro area"
    files = ("observations/cmp_2016_msas_cluster_employment.csv.gz",)
    requires = ("dps-clusters", "us-msas")
    scheme = RegionScheme.US_CBSA


class CbpStates(Loader):
    """County Business Patterns, state × NAICS 2007 (every level, CBP's all-sector total as code "00").

    When CBP withheld employment (``empflag`` A–M gives a size range) the file has 0; that 0 is kept with
    ``suppressed`` set and the letter in ``flag``.
    """

    slug = "cbp-states-2008-2011"
    name = "County Business Patterns: state × NAICS 2007, 2008–2011"
    publisher = "U.S. Census Bureau (split per NAICS by wilson428/Census-County-Business-Patterns)"
    licence = "U.S. Government work, public domain"
    files = ("observations/cbp_state_naics_2008_2011.csv.gz",)
    requires = ("naics2007", "us-states")

    def load(self, dataset):
        source = CsvFile(self.path(self.files[0]), ["year", "fipstate", "naics", "empflag", "emp", "est", "ap"])
        regions, industries = region_ids(RegionScheme.US_STATE), code_ids("naics2007")
        unique = Unique(source)
        known = {}  # raw CBP code → canonical, normalised once per distinct code
        rows = []
        for line, row in source.rows():
            year = year_of(source, line, row, 1986, 2030)
            fips = source.text(line, row, "fipstate").zfill(2)
            if fips not in regions:
                source.fail(line, f"unknown state FIPS {fips!r}")
            raw = row["naics"].strip()
            code = known.get(raw)
            if code is None:
                try:
                    code = known[raw] = C.normalise_code("naics2007", raw)
                except C.CodeError as exc:
                    source.fail(line, str(exc))
            if code not in industries:
                source.fail(line, f"unknown naics2007 code {raw!r}")
            unique.check(line, (fips, raw, year), "state × NAICS × year")
            flag = row["empflag"].strip()
            rows.append(
                (
                    regions[fips],
                    year,
                    industries[code],
                    None,
                    source.number(line, row, "emp"),
                    source.number(line, row, "est"),
                    source.number(line, row, "ap"),
                    None,
                    bool(flag),
                    flag[:4],
                )
            )
        return replace_observations(dataset, rows)


class BresNuts2(Loader):
    slug = "bres-nuts2-2015-2018"
    name = "ONS BRES employment: NUTS 2 × UK SIC 2007 class, 2015–2018"
    publisher = "Office for National Statistics (Nomis download by Nesta, nestauk/beis-indicators)"
    licence = "Open Government Licence v3.0; Nesta repository MIT"
    files = ("observations/bres_employment_nuts2_sic4_2015_2018.csv.gz",)
    requires = ("uksic2007", "uk-nuts2")

    def load(self, dataset):
        source = CsvFile(self.path(self.files[0]), ["year", "nuts2_code", "sic4", "employment"])
        regions, industries = region_ids(RegionScheme.NUTS2), code_ids("uksic2007")
        unique = Unique(source)
        known = {}
        rows = []
        for line, row in source.rows():
            year = year_of(source, line, row, 2008, 2030)
            region = source.text(line, row, "nuts2_code")
            if region not in regions:
                source.fail(line, f"unknown NUTS 2 region {region!r}")
            raw = source.text(line, row, "sic4")
            code = known.get(raw)
            if code is None:
                try:
                    code = known[raw] = C.normalise_code("uksic2007", raw)
                except C.CodeError as exc:
                    source.fail(line, str(exc))
            if code not in industries or C.dotted_level(code) != "class":
                source.fail(line, f"unknown uksic2007 class {raw!r}")
            unique.check(line, (region, code, year), "region × SIC class × year")
            employment = source.number(line, row, "employment")
            rows.append((regions[region], year, industries[code], None, employment, None, None, None, False, ""))
        return replace_observations(dataset, rows)
