"""Regions (with simplified boundaries and centroids) and the region sets used as peer groups."""

from regions.geo import centroid, round_geometry, topojson_features
from regions.models import Classification, Region, RegionScheme, RegionSet, RegionSetMembership

from .base import CsvFile, Loader, LoadError, Unique, insert_rows, read_json, sync_entities

REGION_FIELDS = ["name", "area_type", "country", "parent", "latitude", "longitude", "boundary"]
# Territories in the CMP state boundaries that are neither states nor DC; no statistics here cover them.
NON_STATE_FIPS = {"72": "Puerto Rico", "78": "U.S. Virgin Islands", "60": "American Samoa", "66": "Guam"}


def region_ids(scheme):
    return dict(Region.objects.filter(scheme=scheme).values_list("code", "id"))


def country(code, name):
    obj, _ = Region.objects.update_or_create(
        scheme=RegionScheme.COUNTRY, code=code, defaults={"name": name, "country": code, "area_type": "Country"}
    )
    return obj


def located(geometry):
    """Boundary rounded for display, and its centroid."""
    geometry = round_geometry(geometry)
    point = centroid(geometry)
    lat, lon = point if point else (None, None)
    return {"boundary": geometry, "latitude": lat, "longitude": lon}


def save_set(slug, name, description, country_code, classification_slug, benchmark_slug, member_ids):
    """Create or update a region set and replace its memberships."""
    classification = Classification.objects.filter(slug=classification_slug).first() if classification_slug else None
    benchmark = RegionSet.objects.get(slug=benchmark_slug) if benchmark_slug else None
    region_set, _ = RegionSet.objects.update_or_create(
        slug=slug,
        defaults={
            "name": name,
            "description": description,
            "country": country_code,
            "classification": classification,
            "benchmark": benchmark,
        },
    )
    RegionSetMembership.objects.filter(region_set=region_set).delete()
    insert_rows(RegionSetMembership, ["region_set_id", "region_id"], [(region_set.id, i) for i in sorted(member_ids)])
    return region_set


class UsStates(Loader):
    slug = "us-states"
    name = "U.S. states (and DC) with boundaries"
    publisher = "U.S. Cluster Mapping Project (Census cartographic boundaries)"
    licence = "GPL-2.0 repository; geometry from U.S. Government work"
    files = ("geo/us_states_cmp.topojson",)
    requires = ("naics2012",)

    def load(self, dataset):
        path = self.path(self.files[0])
        try:
            features = topojson_features(read_json(path), "states")
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise LoadError(path, None, f"malformed TopoJSON ({exc})") from exc
        us = country("US", "United States")
        records = {}
        for feature in features:
            fips = str(feature["id"]).zfill(2)
            if fips in NON_STATE_FIPS:
                continue
            name = (feature.get("properties") or {}).get("name")
            if not name or not fips.isdigit():
                raise LoadError(path, None, f"state feature {feature['id']!r} has no FIPS code or name")
            if fips in records:
                raise LoadError(path, None, f"duplicate state {fips}")
            area = "Federal district" if fips == "11" else "State"
            records[fips] = {"name": name, "area_type": area, "country": "US", **located(feature["geometry"])}
        states = [f for f in records if f != "11"]
        if len(states) != 50:
            raise LoadError(path, None, f"expected 50 states, found {len(states)}")
        for values in records.values():
            values.update(parent=us, scheme=RegionScheme.US_STATE)
        ids, _ = sync_entities(Region.objects.filter(scheme=RegionScheme.US_STATE), "code", records, REGION_FIELDS)
        save_set(
            "us-states",
            "US states",
            "The 50 states (DC is a region but not a member, as in the Cluster Mapping state files).",
            "US",
            "naics2012",
            None,
            [ids[f] for f in states],
        )
        return len(records) + len(states)


class UsMsas(Loader):
    slug = "us-msas"
    name = "U.S. metropolitan and micropolitan statistical areas (CBSAs) with boundaries"
    publisher = "U.S. Cluster Mapping Project; U.S. Census Bureau CBSA delineations"
    licence = "GPL-2.0 repository; data U.S. Government work"
    files = ("observations/cmp_2016_msas_cluster_employment.csv.gz", "geo/us_counties_eas_msas_cmp.topojson.gz")
    requires = ("us-states",)

    def load(self, dataset):
        source = CsvFile(self.path(self.files[0]), ["region_code", "region_name", "region_area_type"])
        areas = {}
        for line, row in source.rows():
            code = source.text(line, row, "region_code")
            if not (code.isdigit() and len(code) == 5):
                source.fail(line, f"CBSA code {code!r} is not 5 digits")
            name, area = source.text(line, row, "region_name"), source.text(line, row, "region_area_type")
            if areas.setdefault(code, (name, area)) != (name, area):
                source.fail(line, f"CBSA {code} has two different names or area types")
        path = self.path(self.files[1])
        try:
            shapes = {str(f["id"]): f["geometry"] for f in topojson_features(read_json(path), "msas")}
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise LoadError(path, None, f"malformed TopoJSON ({exc})") from exc
        us = Region.objects.get(scheme=RegionScheme.COUNTRY, code="US")
        records = {}
        for code, (name, area) in areas.items():
            geo = located(shapes[code]) if code in shapes else {"boundary": None, "latitude": None, "longitude": None}
            records[code] = {"name": name, "area_type": area, "country": "US", "parent": us, **geo}
            records[code]["scheme"] = RegionScheme.US_CBSA
        ids, _ = sync_entities(Region.objects.filter(scheme=RegionScheme.US_CBSA), "code", records, REGION_FIELDS)
        save_set(
            "us-msas",
            "US metro and micro areas",
            "The 917 metropolitan and micropolitan statistical areas of the Cluster Mapping 2016 files; national "
            "totals are the sum of the 50 states.",
            "US",
            "naics2012",
            "us-states",
            ids.values(),
        )
        return 2 * len(records)


class UkNuts(Loader):
    slug = "uk-nuts2"
    name = "UK NUTS 1 and NUTS 2 regions (NUTS 2013) with boundaries"
    publisher = "Eurostat GISCO"
    licence = "© EuroGeographics for the administrative boundaries; Eurostat reuse with attribution"
    files = ("regions/uk_nuts_codes_names.csv", "geo/uk_nuts1_2013.geojson", "geo/uk_nuts2_2013.geojson")
    requires = ("uksic2007",)

    def load(self, dataset):
        source = CsvFile(self.path(self.files[0]), ["NUTS_VERSION", "CNTR_CODE", "NUTS_ID", "NUTS_NAME"])
        unique = Unique(source)
        names = {}
        for line, row in source.rows():
            code = source.text(line, row, "NUTS_ID")
            unique.check(line, code, "NUTS code")
            if not (code.startswith("UK") and 2 <= len(code) <= 4):
                source.fail(line, f"{code!r} is not a UK NUTS 0-2 code")
            names[code] = (source.text(line, row, "NUTS_NAME"), source.text(line, row, "NUTS_VERSION"))
        shapes = {}
        for name in self.files[1:]:
            path = self.path(name)
            try:
                for feature in read_json(path)["features"]:
                    shapes[feature["properties"]["NUTS_ID"]] = feature["geometry"]
            except (KeyError, TypeError) as exc:
                raise LoadError(path, None, f"malformed GeoJSON ({exc})") from exc
        uk = country("UK", "United Kingdom")
        by_level = {3: {}, 4: {}}
        for code, (name, version) in names.items():
            if len(code) not in by_level:
                continue
            geo = located(shapes.get(code))
            level = "NUTS 1" if len(code) == 3 else "NUTS 2"
            area = level if version == "2013" else f"{level} (NUTS {version} only)"
            by_level[len(code)][code] = {"name": name, "area_type": area, "country": "UK", **geo}
        for values in by_level[3].values():
            values.update(parent=uk, scheme=RegionScheme.NUTS1)
        nuts1, _ = sync_entities(Region.objects.filter(scheme=RegionScheme.NUTS1), "code", by_level[3], REGION_FIELDS)
        nuts1_regions = Region.objects.in_bulk(list(nuts1.values()))
        for code, values in by_level[4].items():
            if code[:3] not in nuts1:
                raise LoadError(self.path(self.files[0]), None, f"NUTS 2 region {code} has no NUTS 1 parent")
            values.update(parent=nuts1_regions[nuts1[code[:3]]], scheme=RegionScheme.NUTS2)
        nuts2, _ = sync_entities(Region.objects.filter(scheme=RegionScheme.NUTS2), "code", by_level[4], REGION_FIELDS)
        # Great Britain's 2013 NUTS 2 regions: BRES covers GB only, so Northern Ireland (UKN0) is not a peer.
        members = [nuts2[c] for c, (_, v) in names.items() if len(c) == 4 and v == "2013" and c != "UKN0"]
        save_set(
            "uk-nuts2",
            "UK NUTS 2 regions (Great Britain)",
            "The 39 NUTS 2013 level-2 regions of Great Britain covered by ONS BRES (Northern Ireland is not).",
            "UK",
            "uksic2007",
            None,
            members,
        )
        return len(nuts1) + len(nuts2) + len(members)
