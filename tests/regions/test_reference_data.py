"""load_reference_data: what it loads, idempotence, the signal, and every error case on broken fixture copies.

The session fixture in conftest.py loads the reference data once; error cases copy fixtures/ to tmp_path,
break one file and reload one dataset with ``--only ... --force``, then check that nothing changed.
"""

import gzip
import shutil
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from anchors.models import AnchorCandidate
from clusters.models import ClusterDefinition, ClusterMember, ClusterRelatedness
from regions.codes import CodeError, normalise_code
from regions.models import Crosswalk, Dataset, EconomicObservation, IndustryCode, Region, RegionSet
from regions.signals import reference_data_changed

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
pytestmark = pytest.mark.django_db


def statuses(output, status):
    """Dataset lines with ``status`` (the total line is not counted)."""
    return [line for line in output.splitlines() if line.split()[1:2] == [status]]


def run(*args):
    out = StringIO()
    call_command("load_reference_data", *args, stdout=out)
    return out.getvalue()


# --- the code normaliser -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classification", "raw", "expected"),
    [
        ("uksic2007", "6201", "62.01"),
        ("uksic2007", "62.01", "62.01"),
        ("uksic2007", " 62 01 ", "62.01"),
        ("uksic2007", "610", "06.10"),
        ("uksic2007", "6201.0", "62.01"),
        ("uksic2007", "62012", "62.01/2"),
        ("uksic2007", "62.01/2", "62.01/2"),
        ("uksic2007", "62.0", "62.0"),
        ("uksic2007", "j", "J"),
        ("nace2", "0111", "01.11"),
        ("isic4", "01.11", "0111"),
        ("isic4", "011", "011"),
        ("naics2007", "3254--", "3254"),
        ("naics2007", "------", "00"),
        ("naics2007", "31----", "31-33"),
        ("naics2012", "325412", "325412"),
        ("naics2012", 325412.0, "325412"),
        ("naics2012", "32", "31-33"),
    ],
)
def test_normalise_code(classification, raw, expected):
    assert normalise_code(classification, raw) == expected


def test_normalise_code_group_level_and_errors():
    assert normalise_code("uksic2007", "620", level="group") == "62.0"
    for bad in ("", "62.0x", "abc", "1234567"):
        with pytest.raises(CodeError):
            normalise_code("uksic2007", bad)
    with pytest.raises(CodeError):
        normalise_code("nace2", "62.01/1")  # NACE has no UK subclasses


# --- what is loaded ------------------------------------------------------------------------------------------


def test_benchmark_clusters():
    benchmark = ClusterDefinition.objects.filter(organisation=None, kind="benchmark")
    assert benchmark.count() == 67
    assert benchmark.filter(scope="traded").count() == 51
    assert benchmark.filter(scope="local").count() == 16
    aero = benchmark.get(code="1")
    assert aero.slug == "aerospace-vehicles-and-defense" and aero.classification.slug == "naics2012"
    assert aero.members.filter(industry__code="336411", subcluster="Aircraft").exists()
    # 955 standard NAICS 2012 codes, less 814110 (no cluster); Emsi codes skipped.
    assert ClusterMember.objects.filter(cluster__kind="benchmark").count() == 954
    assert not ClusterMember.objects.filter(industry__code__in=["902612", "111000"]).exists()


def test_relatedness():
    assert ClusterRelatedness.objects.count() == 51 * 50
    assert not ClusterRelatedness.objects.filter(cluster=models_f("related")).exists()
    pair = ClusterRelatedness.objects.get(cluster__code="3", related__code="39")
    assert pair.weight == pytest.approx(1.384733) and pair.percentile == 99 and pair.is_related
    assert ClusterRelatedness.objects.filter(is_related=True).count() == 256 - 0  # no self pair is flagged


def models_f(name):
    from django.db.models import F

    return F(name)


def test_classifications_and_crosswalks():
    codes = IndustryCode.objects
    assert codes.get(classification__slug="uksic2007", code="62.01").parent.code == "62.0"
    assert codes.get(classification__slug="uksic2007", code="62").parent.code == "J"
    assert codes.get(classification__slug="nace2", code="62.01").parent.parent.parent.code == "J"
    assert codes.get(classification__slug="isic4", code="6201").parent.code == "620"
    assert codes.get(classification__slug="naics2012", code="325412").parent.code == "32541"
    assert codes.get(classification__slug="naics2012", code="311").parent.code == "31-33"
    assert codes.filter(classification__slug="naics2007", code="00").exists()
    assert codes.filter(classification__slug="uksic2007", level="class").count() == 615
    links = Crosswalk.objects.filter(source__classification__slug="uksic2007", target__classification__slug="nace2")
    assert links.count() == 615 and set(links.values_list("weight", flat=True)) == {1.0}
    # One source mapped to n targets carries 1/n on each.
    fanned = Crosswalk.objects.filter(source__classification__slug="isic4", target__classification__slug="naics2012")
    source = fanned.filter(source__code="0111").first().source
    weights = list(fanned.filter(source=source).values_list("weight", flat=True))
    assert sum(weights) == pytest.approx(1.0) and len(weights) > 1
    assert Crosswalk.objects.filter(source__classification__slug="naics2012").count() == 1184


def test_regions_and_sets():
    states = RegionSet.objects.get(slug="us-states")
    assert states.regions.count() == 50 and states.benchmark is None
    assert not states.regions.filter(code="11").exists()
    assert Region.objects.filter(scheme="us-state", code="11").exists()  # DC is a region
    msas = RegionSet.objects.get(slug="us-msas")
    assert msas.regions.count() == 917 and msas.benchmark == states
    boston = Region.objects.get(scheme="us-cbsa", code="14460")
    assert boston.area_type == "Metropolitan Statistical Area" and boston.boundary["type"] in (
        "Polygon",
        "MultiPolygon",
    )
    assert 42 < boston.latitude < 43 and -72 < boston.longitude < -70.5
    nuts2 = RegionSet.objects.get(slug="uk-nuts2")
    assert nuts2.regions.count() == 39 and nuts2.classification.slug == "uksic2007" and nuts2.benchmark is None
    wm = Region.objects.get(scheme="nuts2", code="UKG3")
    assert wm.parent.code == "UKG" and wm.parent.scheme == "nuts1" and wm.boundary and wm.latitude
    ma = Region.objects.get(scheme="us-state", code="25")
    assert ma.name == "Massachusetts" and ma.boundary and 41.5 < ma.latitude < 43


def test_observations():
    def count(slug):
        return EconomicObservation.objects.filter(dataset__slug=slug).count()

    assert count("cmp-2016-states") == 3350
    assert count("cmp-2016-msas") == 61439
    assert count("cbp-states-2008-2011") == 277945
    assert count("bres-nuts2-2015-2018") == 81900
    pharma = EconomicObservation.objects.get(
        dataset__slug="cbp-states-2008-2011", region__code="25", industry__code="325412", year=2008
    )
    assert pharma.employment == 5072
    withheld = EconomicObservation.objects.filter(dataset__slug="cbp-states-2008-2011", suppressed=True)
    assert withheld.exists() and not withheld.exclude(flag__regex=r"^[A-M]$").exists()
    ma = EconomicObservation.objects.get(
        dataset__slug="cmp-2016-states", region__code="25", cluster__code="1", year=2016
    )
    assert ma.employment > 0
    wm = EconomicObservation.objects.filter(dataset__slug="bres-nuts2-2015-2018", region__code="UKG3", year=2018)
    assert wm.count() == 525 and wm.filter(industry__code="62.01").exists()


def test_custom_clusters():
    public = ClusterDefinition.objects.filter(organisation=None)
    high_tech = public.get(slug="uk-high-tech")
    assert high_tech.members.count() == 47 and high_tech.classification.slug == "uksic2007"
    assert high_tech.members.filter(industry__code="06.10").exists()  # "610" in Nesta's file
    proftech = public.get(slug="proftech")
    assert proftech.kind == "convergence"
    assert set(proftech.components.values_list("slug", flat=True)) == {"fintech", "proptech", "legaltech"}
    assert not proftech.members.exists()
    codes = set(IndustryCode.objects.filter(id__in=proftech.member_code_ids()).values_list("code", flat=True))
    assert codes == {"64.19", "64.99", "66.12", "66.19", "68.20", "68.31", "68.32", "69.10"}


def test_anchor_candidates():
    mit = AnchorCandidate.objects.get(source="ipeds", external_id="166683")
    assert mit.category.startswith("R1") and mit.region.code == "25" and mit.metro.code == "14460"
    assert mit.has_location and mit.size_band
    r1_boston = AnchorCandidate.objects.filter(source="ipeds", metro__code="14460", category__startswith="R1")
    assert set(r1_boston.values_list("name", flat=True)) >= {"Harvard University", "Tufts University"}
    heis = AnchorCandidate.objects.filter(source="ukprn")
    assert heis.count() == 166 and heis.filter(region__code="UKG3").count() == 8
    assert not heis.filter(region=None).exists()


# --- idempotence, signal, reloads ----------------------------------------------------------------------------


def counts():
    return (
        IndustryCode.objects.count(),
        ClusterMember.objects.count(),
        ClusterRelatedness.objects.count(),
        Region.objects.count(),
        EconomicObservation.objects.count(),
        AnchorCandidate.objects.count(),
        Crosswalk.objects.count(),
    )


def test_second_run_is_fast_and_changes_nothing():
    before = counts()
    received = []
    reference_data_changed.connect(lambda sender, slugs, **kw: received.append(slugs), weak=False, dispatch_uid="t1")
    try:
        started = time.perf_counter()
        output = run()
        elapsed = time.perf_counter() - started
    finally:
        reference_data_changed.disconnect(dispatch_uid="t1")
    assert len(statuses(output, "unchanged")) == Dataset.objects.count() == 21
    assert not statuses(output, "loaded") and "Total: 0 loaded" in output
    assert counts() == before and received == []
    assert elapsed < 3


def test_changed_file_reloads_only_its_dataset_and_signals(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    heis = fixtures / "anchors/uk_heis_ukprn_nuts2.csv"
    heis.write_text(heis.read_text().replace("Aston University", "Aston University (renamed)"))
    received = []
    reference_data_changed.connect(lambda sender, slugs, **kw: received.append(slugs), weak=False, dispatch_uid="t2")
    try:
        output = run("--fixtures-dir", str(fixtures))
    finally:
        reference_data_changed.disconnect(dispatch_uid="t2")
    assert received == [["uk-heis"]]
    assert len(statuses(output, "unchanged")) == 20
    assert [line.split()[0] for line in statuses(output, "loaded")] == ["uk-heis"]
    assert AnchorCandidate.objects.filter(name="Aston University (renamed)").exists()


def test_force_reload_keeps_ids_and_counts():
    before = counts()
    ids = dict(Region.objects.values_list("code", "id"))
    output = run("--only", "us-states", "cmp-2016-states", "--force")
    assert {line.split()[0] for line in statuses(output, "loaded")} == {"us-states", "cmp-2016-states"}
    assert counts() == before
    assert dict(Region.objects.values_list("code", "id")) == ids


# --- errors: nothing written ---------------------------------------------------------------------------------


@pytest.fixture
def broken(tmp_path):
    """A writable copy of fixtures/ to break."""
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    return target


def edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


def snapshot(slug):
    dataset = Dataset.objects.get(slug=slug)
    return dataset.fingerprint, dataset.rows, counts()


def assert_fails(fixtures, slug, *messages):
    before = snapshot(slug)
    with pytest.raises(CommandError) as error:
        run("--fixtures-dir", str(fixtures), "--only", slug, "--force")
    for message in messages:
        assert message in str(error.value)
    assert snapshot(slug) == before
    return str(error.value)


def test_unknown_cluster_code(broken):
    edit(broken / "clusters/cluster_naics2012_dps.csv", ",Traded,1,Aerospace", ",Traded,77,Aerospace")
    assert_fails(broken, "dps-clusters", "cluster_naics2012_dps.csv, line 2", "unknown cluster code '77'")


def test_unknown_naics_code(broken):
    edit(broken / "clusters/cluster_naics2012_dps.csv", "336411,Aircraft", "336499,Aircraft")
    assert_fails(broken, "dps-clusters", "line 2", "unknown naics2012 code '336499'")


def test_unknown_sic_class(broken):
    edit(broken / "clusters/custom_clusters_uksic2007.csv", "legaltech,69.10", "legaltech,69.19")
    assert_fails(broken, "uk-custom-clusters", "custom_clusters_uksic2007.csv, line 9", "unknown uksic2007 class")


def test_unknown_sic_class_in_bres(broken):
    path = broken / "observations/bres_employment_nuts2_sic4_2015_2018.csv.gz"
    text = (
        gzip.decompress(path.read_bytes())
        .decode()
        .replace("2015,UKC1,Tees Valley and Durham,0161", "2015,UKC1,Tees Valley and Durham,0169", 1)
    )
    path.write_bytes(gzip.compress(text.encode()))
    assert_fails(broken, "bres-nuts2-2015-2018", "line 2", "unknown uksic2007 class '0169'")


def test_duplicate_row(broken):
    path = broken / "observations/cmp_2016_states_cluster_employment.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3] + [lines[2]] + lines[3:]))
    assert_fails(broken, "cmp-2016-states", "line 4", "duplicate", "first on line 3")


def test_missing_column(broken):
    edit(broken / "clusters/clusters_cmp.csv", "cluster_key,", "key,")
    assert_fails(broken, "dps-clusters", "clusters_cmp.csv, line 1", "missing column(s): cluster_key")


def test_non_numeric_value(broken):
    edit(broken / "observations/cmp_2016_states_cluster_employment.csv", "true,7196,", "true,many,")
    assert_fails(broken, "cmp-2016-states", "line 2", "'emp': 'many' is not a number")


def test_negative_value(broken):
    edit(broken / "observations/cmp_2016_states_cluster_employment.csv", "true,7196,", "true,-7196,")
    assert_fails(broken, "cmp-2016-states", "line 2", "negative value -7196")


def test_bad_gzip(broken):
    path = broken / "observations/cbp_state_naics_2008_2011.csv.gz"
    path.write_bytes(path.read_bytes()[:1000])  # truncated
    assert_fails(broken, "cbp-states-2008-2011", "cbp_state_naics_2008_2011.csv.gz", "not a valid gzip file")


def test_wrong_field_count(broken):
    edit(broken / "anchors/uk_heis_ukprn_nuts2.csv", "10000291,Anglia Ruskin University,UKH3,Essex", "10000291,UKH3")
    assert_fails(broken, "uk-heis", "uk_heis_ukprn_nuts2.csv, line 2", "expected 4 fields, found 2")


def test_unknown_dataset():
    with pytest.raises(CommandError, match="unknown dataset"):
        run("--only", "nope")
