"""Cluster definitions: the 67 Delgado–Porter–Stern benchmark clusters, their relatedness, and the public
custom clusters (Nesta high-tech, FinTech, PropTech, LegalTech and the ProfTech convergence)."""

from clusters.models import ClusterDefinition, ClusterKind, ClusterMember, ClusterRelatedness, ClusterScope
from regions import codes as C
from regions.models import Classification

from .base import CsvFile, Loader, Unique, insert_rows, sync_entities
from .classifications import code_ids

DPS_SOURCE = (
    "Delgado, Porter & Stern (2016), 'Defining clusters of related industries', J. Econ. Geog. 16(1); "
    "U.S. Cluster Mapping Project benchmark definitions on NAICS 2012 (NoCo REDI crosswalk)"
)
CLUSTER_FIELDS = ["code", "name", "kind", "scope", "classification", "description", "source"]


def public_clusters():
    return ClusterDefinition.objects.filter(organisation__isnull=True)


def benchmark_ids():
    """CMP cluster number → ClusterDefinition id for the public benchmark clusters."""
    return dict(public_clusters().filter(kind=ClusterKind.BENCHMARK).values_list("code", "id"))


class DpsClusters(Loader):
    slug = "dps-clusters"
    name = "Delgado–Porter–Stern benchmark cluster definitions (NAICS 2012)"
    publisher = "U.S. Cluster Mapping Project (HBS ISC / U.S. EDA)"
    licence = "Public CMP definitions, attribution; Emsi-specific codes excluded"
    files = ("clusters/clusters_cmp.csv", "clusters/cluster_naics2012_dps.csv")
    requires = ("naics2012",)

    def load(self, dataset):
        naics = Classification.objects.get(slug="naics2012")
        listing = CsvFile(self.path(self.files[0]), ["cluster_code", "cluster_name", "cluster_key", "traded"])
        unique = Unique(listing)
        records, traded = {}, {}
        for line, row in listing.rows():
            code = str(listing.integer(line, row, "cluster_code"))
            unique.check(line, code, "cluster code")
            flag = listing.text(line, row, "traded").lower()
            if flag not in ("true", "false"):
                listing.fail(line, f"column 'traded': {flag!r} is not true/false")
            traded[code] = flag == "true"
            slug = listing.text(line, row, "cluster_key").replace("_", "-")
            records[slug] = {
                "code": code,
                "name": listing.text(line, row, "cluster_name"),
                "kind": ClusterKind.BENCHMARK,
                "scope": ClusterScope.TRADED if traded[code] else ClusterScope.LOCAL,
                "classification": naics,
                "description": "",
                "source": DPS_SOURCE,
            }
        members = self.read_members(traded)
        ids, _ = sync_entities(public_clusters(), "slug", records, CLUSTER_FIELDS)
        by_code = {records[slug]["code"]: ids[slug] for slug in records}
        ClusterMember.objects.filter(cluster_id__in=ids.values()).delete()
        rows = [(by_code[cluster], industry, sub) for cluster, industry, sub in members]
        return len(records) + insert_rows(ClusterMember, ["cluster_id", "industry_id", "subcluster"], rows)

    def read_members(self, traded):
        """(cluster code, industry id, subcluster) for every standard NAICS 2012 row of the definitions file.

        Rows flagged ``emsi_specific_nonstandard`` use Emsi's own codes (government, 000-suffix farm codes, NAICS
        2017 R&D splits); they are not NAICS 2012 codes, so they are skipped. 814110 (private households) has no
        cluster in the DPS system and is skipped too.
        """
        source = CsvFile(
            self.path(self.files[1]),
            ["naics", "traded_local", "cluster_code", "subcluster_name", "emsi_specific_nonstandard"],
        )
        industries = code_ids("naics2012")
        unique = Unique(source)
        out = []
        for line, row in source.rows():
            if source.text(line, row, "emsi_specific_nonstandard").lower() == "true":
                continue
            cluster = row["cluster_code"].strip()
            if not cluster:
                continue
            cluster = str(source.integer(line, row, "cluster_code"))
            if cluster not in traded:
                source.fail(line, f"unknown cluster code {cluster!r}")
            try:
                code = C.normalise_code("naics2012", source.text(line, row, "naics"))
            except C.CodeError as exc:
                source.fail(line, str(exc))
            if code not in industries:
                source.fail(line, f"unknown naics2012 code {code!r}")
            unique.check(line, code, "NAICS code")  # DPS assigns every industry to exactly one cluster.
            scope = row["traded_local"].strip().lower()
            if scope != ("traded" if traded[cluster] else "local"):
                source.fail(line, f"{code} is {scope!r} but cluster {cluster} is not")
            out.append((cluster, industries[code], row["subcluster_name"].strip()[:200]))
        return out


class DpsRelatedness(Loader):
    """Published cluster relatedness between the 51 traded clusters.

    weight = ``cr_all`` (the overall relatedness score, standardised, can be negative); percentile =
    ``cr_all_pc``; colocation / input_output / occupation = the raw component measures ``cr_lc``, ``cr_io`` and
    ``cr_occ``; is_related = ``rel_all_90_v3`` (the DPS flag for pairs above the 90th percentile that CMP shows
    as "related clusters"). Self pairs are skipped.
    """

    slug = "dps-relatedness"
    name = "Cluster relatedness (Delgado–Porter–Stern 2016, as published by CMP)"
    publisher = "U.S. Cluster Mapping Project (HBS ISC)"
    licence = "GPL-2.0 (clustermapping/cmp repository)"
    files = ("clusters/cluster_relatedness_cmp.csv",)
    requires = ("dps-clusters",)

    def load(self, dataset):
        columns = ["clustera", "clusterb", "cr_all", "cr_all_pc", "cr_lc", "cr_io", "cr_occ", "rel_all_90_v3"]
        source = CsvFile(self.path(self.files[0]), columns)
        clusters = benchmark_ids()
        unique = Unique(source)
        rows = []
        for line, row in source.rows():
            a, b = (str(source.integer(line, row, c)) for c in ("clustera", "clusterb"))
            for code in (a, b):
                if code not in clusters:
                    source.fail(line, f"unknown cluster code {code!r}")
            unique.check(line, (a, b), "cluster pair")
            flag = source.integer(line, row, "rel_all_90_v3")
            if flag not in (0, 1):
                source.fail(line, f"column 'rel_all_90_v3': {flag} is not 0 or 1")
            values = [source.number(line, row, c, negative=True) for c in ("cr_all", "cr_lc", "cr_io", "cr_occ")]
            percentile = source.number(line, row, "cr_all_pc")
            if a == b:
                continue
            weight, colocation, io, occupation = values
            rows.append((clusters[a], clusters[b], weight, percentile, colocation, io, occupation, bool(flag)))
        ClusterRelatedness.objects.filter(cluster_id__in=clusters.values()).delete()
        fields = ["cluster_id", "related_id", "weight", "percentile", "colocation", "input_output", "occupation"]
        return insert_rows(ClusterRelatedness, [*fields, "is_related"], rows)


CUSTOM = {
    "uk-high-tech": {
        "name": "High-tech (Nesta)",
        "kind": ClusterKind.CUSTOM,
        "source": "Nesta, 'The geography of the UK's creative and high-tech economies' (2015), table 6.1.3.4; "
        "nestauk/beis-indicators ds/model_config.yaml",
        "description": "Nesta's 47 UK SIC 2007 classes of the high-tech economy.",
    },
    "fintech": {
        "name": "FinTech",
        "kind": ClusterKind.CUSTOM,
        "source": "Cluster Platform definition (fixtures/PROVENANCE.md): nearest UK SIC 2007 classes",
        "description": "Financial services where FinTech firms register (64.19, 64.99, 66.12, 66.19). SIC has no "
        "FinTech class; the software classes 62.01/62.02/63.11/63.12 are deliberately not included.",
    },
    "proptech": {
        "name": "PropTech",
        "kind": ClusterKind.CUSTOM,
        "source": "Cluster Platform definition (fixtures/PROVENANCE.md): nearest UK SIC 2007 classes",
        "description": "Real-estate activities where PropTech firms register (68.20, 68.31, 68.32).",
    },
    "legaltech": {
        "name": "LegalTech",
        "kind": ClusterKind.CUSTOM,
        "source": "Cluster Platform definition (fixtures/PROVENANCE.md): nearest UK SIC 2007 class",
        "description": "Legal activities (69.10), where LegalTech firms and alternative legal providers register.",
    },
    "proftech": {
        "name": "ProfTech",
        "kind": ClusterKind.CONVERGENCE,
        "source": "West Midlands ProfTech roadmap: FinTech ∪ PropTech ∪ LegalTech",
        "description": "Convergence of FinTech, PropTech and LegalTech. It has no members of its own: its codes "
        "are the union of its components' (ClusterDefinition.member_code_ids).",
    },
}
PROFTECH_COMPONENTS = ("fintech", "proptech", "legaltech")


class UkCustomClusters(Loader):
    slug = "uk-custom-clusters"
    name = "Public custom clusters on UK SIC 2007 (Nesta high-tech, FinTech, PropTech, LegalTech, ProfTech)"
    publisher = "Nesta (high-tech); Cluster Platform (FinTech, PropTech, LegalTech, ProfTech)"
    licence = "MIT (Nesta repository); own definitions"
    files = ("clusters/nesta_sector_definitions.csv", "clusters/custom_clusters_uksic2007.csv")
    requires = ("uksic2007",)

    def load(self, dataset):
        sic = Classification.objects.get(slug="uksic2007")
        industries = code_ids("uksic2007")
        members = {slug: [] for slug in CUSTOM}

        def add(source, line, unique, cluster, raw):
            try:
                code = C.normalise_code("uksic2007", raw)  # "610" (leading zero dropped) → "06.10"
            except C.CodeError as exc:
                source.fail(line, str(exc))
            if code not in industries or C.dotted_level(code) != "class":
                source.fail(line, f"unknown uksic2007 class {raw!r}")
            unique.check(line, (cluster, code), "cluster member")
            members[cluster].append(industries[code])

        nesta = CsvFile(self.path(self.files[0]), ["definition", "code", "code_type"])
        unique = Unique(nesta)
        for line, row in nesta.rows():
            if nesta.text(line, row, "definition") == "high_tech":
                add(nesta, line, unique, "uk-high-tech", nesta.text(line, row, "code"))
        own = CsvFile(self.path(self.files[1]), ["cluster", "sic2007_class"])
        unique = Unique(own)
        for line, row in own.rows():
            cluster = own.text(line, row, "cluster")
            if cluster not in PROFTECH_COMPONENTS:
                own.fail(line, f"unknown custom cluster {cluster!r} (expected one of {', '.join(PROFTECH_COMPONENTS)})")
            add(own, line, unique, cluster, own.text(line, row, "sic2007_class"))

        records = {
            slug: {**meta, "code": slug, "scope": ClusterScope.TRADED, "classification": sic}
            for slug, meta in CUSTOM.items()
        }
        ids, _ = sync_entities(public_clusters(), "slug", records, CLUSTER_FIELDS)
        ClusterMember.objects.filter(cluster_id__in=ids.values()).delete()
        rows = [(ids[slug], industry, "") for slug, codes in members.items() for industry in codes]
        count = insert_rows(ClusterMember, ["cluster_id", "industry_id", "subcluster"], rows)
        proftech = ClusterDefinition.objects.get(id=ids["proftech"])
        proftech.components.set([ids[s] for s in PROFTECH_COMPONENTS])
        return len(records) + count + len(PROFTECH_COMPONENTS)
