"""Create or refresh the demo organisation, its users and the two demo audits, idempotently.

Every row is found by a natural key and written only when a field differs, so a second run writes nothing
(no saves, no history rows) and reports every row as unchanged. The data lives in the sibling modules
(``organisation``, ``frameworks``, ``kendall``, ``west_midlands``); this module only knows how to write it.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction

from anchors.models import AnchorCandidate, AnchorInstitution
from audits.models import Audit, AuditCluster, MarketForecast, PriorityFramework, PriorityItem, TrendRating
from clusters.models import ClusterDefinition, ClusterKind, ClusterOrganisation
from core.models import Membership, Organisation
from regions.models import Region, RegionSet
from stakeholders.models import Partnership, Stakeholder

from . import frameworks, kendall, organisation, west_midlands

AUDITS = (kendall.AUDIT, west_midlands.AUDIT)

LOAD_REFERENCE_HINT = "run `python manage.py load_reference_data` first"


class ReferenceDataMissing(Exception):
    """The public reference data the demo points at (regions, clusters, candidates) is not loaded."""

    def __init__(self, missing):
        self.missing = list(missing)
        shown = ", ".join(self.missing[:8]) + (" …" if len(self.missing) > 8 else "")
        super().__init__(f"Reference data is missing ({shown}): {LOAD_REFERENCE_HINT}.")


@dataclass
class Tally:
    """What a load did, per model: rows created, updated and left unchanged."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    fresh: set = field(default_factory=set, repr=False)

    def record(self, model, outcome, obj=None):
        getattr(self, outcome)[model._meta.verbose_name_plural] += 1
        if outcome == "created" and obj is not None:
            self.fresh.add((model, obj.pk))

    def is_fresh(self, obj):
        """True for a row created by this load (its many-to-many links are part of creating it)."""
        return (type(obj), obj.pk) in self.fresh

    @property
    def changed_anything(self):
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def lines(self):
        """One line per model, e.g. ``anchor institutions: 11 created``."""
        names = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        out = []
        for name in names:
            parts = [f"{self.created[name]} created"] if self.created[name] else []
            parts += [f"{self.updated[name]} updated"] if self.updated[name] else []
            parts += [f"{self.unchanged[name]} unchanged"] if self.unchanged[name] else []
            out.append(f"{name}: {', '.join(parts)}")
        return out

    def totals(self):
        return sum(self.created.values()), sum(self.updated.values()), sum(self.unchanged.values())


# --- reference data -------------------------------------------------------------------------------------------


def _cluster_keys():
    """Every cluster reference the demo data uses ("5" = benchmark cluster 5, "fintech" = public custom slug)."""
    keys = set()
    for framework in frameworks.PUBLIC + frameworks.ORGANISATION:
        keys |= {item["cluster"] for item in framework["items"]}
    for audit in AUDITS:
        keys |= {row["cluster"] for row in audit["clusters"]}
        for collection in ("anchors", "stakeholders", "cluster_organisations"):
            for row in audit.get(collection, ()):
                keys |= set(row.get("clusters", ()))
        keys |= {row["cluster"] for row in audit.get("forecasts", ())}
        keys |= {row["cluster"] for row in audit.get("trend_ratings", ())}
    return keys


def _cluster_query(key):
    if key.isdigit():
        return ClusterDefinition.objects.filter(organisation__isnull=True, kind=ClusterKind.BENCHMARK, code=key)
    return ClusterDefinition.objects.filter(organisation__isnull=True, slug=key)


def missing_reference_data():
    """Keys of the reference rows the demo needs that are not in the database (empty when all are there)."""
    missing = []
    for audit in AUDITS:
        scheme, code = audit["region"]
        if not RegionSet.objects.filter(slug=audit["region_set"]).exists():
            missing.append(f"region set {audit['region_set']}")
        if not Region.objects.filter(scheme=scheme, code=code).exists():
            missing.append(f"region {scheme}:{code}")
        for anchor in audit["anchors"]:
            if anchor.get("candidate"):
                source, external_id = anchor["candidate"]
                if not AnchorCandidate.objects.filter(source=source, external_id=external_id).exists():
                    missing.append(f"anchor candidate {source}:{external_id}")
    for key in sorted(_cluster_keys()):
        if not _cluster_query(key).exists():
            missing.append(f"cluster {key}")
    return missing


def check_reference_data():
    """Raise :class:`ReferenceDataMissing` unless every reference row the demo points at is loaded."""
    missing = missing_reference_data()
    if missing:
        raise ReferenceDataMissing(missing)


# --- writing --------------------------------------------------------------------------------------------------


def _normalise(model, name, value):
    """The value as the database gives it back, so that comparisons with stored rows are exact."""
    model_field = model._meta.get_field(name)
    if value is None or model_field.is_relation:
        return value
    if isinstance(model_field, models.DecimalField):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-model_field.decimal_places))
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return model_field.to_python(value)


def _differs(obj, name, value):
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        return getattr(obj, model_field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def sync(model, tally, lookup, values=None, manager=None):
    """Get the row matching ``lookup`` and make its fields equal ``values``; create it if absent.

    Saves only when something differs, validating fields and ``clean()`` first (uniqueness and check
    constraints are left to the database, which enforces them anyway). Returns the row.
    """
    values = {name: _normalise(model, name, value) for name, value in (values or {}).items()}
    manager = manager or model._default_manager
    obj = manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        tally.record(model, "created", obj)
        return obj
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if not changed:
        tally.record(model, "unchanged")
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()
    tally.record(model, "updated")
    return obj


def sync_many(obj, attribute, targets, tally):
    """Make the many-to-many ``attribute`` of ``obj`` exactly ``targets``; counts a change as an update."""
    manager = getattr(obj, attribute)
    wanted = {target.pk for target in targets}
    if set(manager.values_list("pk", flat=True)) != wanted:
        manager.set(targets)
        if not tally.is_fresh(obj):
            tally.record(type(obj), "updated")


class _Resolver:
    """Looks up reference rows by the keys the data modules use, caching them for one load."""

    def __init__(self):
        self._clusters = {}

    def cluster(self, key):
        if key not in self._clusters:
            self._clusters[key] = _cluster_query(key).get()
        return self._clusters[key]

    def clusters(self, keys):
        return [self.cluster(key) for key in keys]


def _sync_user(tally, spec, password):
    """A demo user with its names and the demo password (re-hashed only when the password differs)."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec["username"]).first()
    validate_password(password, user or user_model(username=spec["username"], email=spec["email"]))
    if user is None:
        user = user_model.objects.create_user(
            username=spec["username"],
            email=spec["email"],
            password=password,
            first_name=spec["first_name"],
            last_name=spec["last_name"],
        )
        tally.record(user_model, "created")
        return user
    names = {key: spec[key] for key in ("first_name", "last_name", "email")}
    changed = {key: value for key, value in names.items() if getattr(user, key) != value}
    password_ok = user.check_password(password)
    if not changed and password_ok and user.is_active:
        tally.record(user_model, "unchanged")
        return user
    for key, value in changed.items():
        setattr(user, key, value)
    if not password_ok:
        user.set_password(password)
    user.is_active = True
    user.save()
    tally.record(user_model, "updated")
    return user


def _sync_users(tally, *, username, password):
    """The demo organisation, the consultant's second organisation and every demo user with their roles."""
    organisations = {
        spec["slug"]: sync(
            Organisation, tally, {"slug": spec["slug"]}, {"name": spec["name"], "description": spec["description"]}
        )
        for spec in organisation.ORGANISATIONS
    }
    users = {}
    for spec in organisation.users(admin_username=username):
        user = _sync_user(tally, spec, password)
        for slug, role in spec["memberships"]:
            sync(Membership, tally, {"user": user, "organisation": organisations[slug]}, {"role": role})
        users[spec["key"]] = user
    return organisations[organisation.DEMO_SLUG], users


def _sync_frameworks(tally, resolver, demo):
    """Public priority frameworks and the demo organisation's own; returns them by slug."""
    found = {}
    for owner, specs in ((None, frameworks.PUBLIC), (demo, frameworks.ORGANISATION)):
        for spec in specs:
            framework = sync(
                PriorityFramework,
                tally,
                {"organisation": owner, "slug": spec["slug"]},
                {key: spec.get(key, "") for key in ("name", "publisher", "source_url")} | {"year": spec.get("year")},
            )
            for item in spec["items"]:
                sync(
                    PriorityItem,
                    tally,
                    {"framework": framework, "cluster": resolver.cluster(item["cluster"])},
                    {"label": item.get("label", ""), "weight": item.get("weight", 1.0)},
                )
            found[spec["slug"]] = framework
    return found


LOCATED_FIELDS = ("address", "city", "postcode", "latitude", "longitude")


def _party_values(row, names):
    return {name: row.get(name, "" if name not in ("latitude", "longitude") else None) for name in names}


def _sync_audit(tally, resolver, *, spec, demo, users, framework_by_slug):
    """One audit with its candidate clusters, anchors, stakeholders, partnerships and market inputs."""
    scheme, code = spec["region"]
    first = Tally()
    audit = sync(
        Audit,
        first,
        {"organisation": demo, "title": spec["title"], "year": spec["year"]},
        {
            "region": Region.objects.get(scheme=scheme, code=code),
            "region_set": RegionSet.objects.get(slug=spec["region_set"]),
            "summary": spec["summary"],
            "created_by": users["officer"],
        },
    )
    sync_many(audit, "priority_frameworks", [framework_by_slug[slug] for slug in spec["priority_frameworks"]], first)

    for row in spec["clusters"]:
        inputs = {key: value for key, value in row.items() if key != "cluster"}
        sync(AuditCluster, tally, {"audit": audit, "cluster": resolver.cluster(row["cluster"])}, inputs)

    parties = {}
    for row in spec["anchors"]:
        candidate = None
        if row.get("candidate"):
            source, external_id = row["candidate"]
            candidate = AnchorCandidate.objects.get(source=source, external_id=external_id)
        values = _party_values(row, LOCATED_FIELDS + ("website", "description"))
        # A note on the figures (approximate sizes, where coordinates come from) ends the description.
        values["description"] = " ".join(filter(None, [values["description"], row.get("note")]))
        values |= {name: row.get(name) for name in ("staff", "students", "research_spend", "patents", "spinouts")}
        values |= {"anchor_type": row["anchor_type"], "evidence": row.get("evidence", []), "candidate": candidate}
        anchor = sync(AnchorInstitution, tally, {"audit": audit, "name": row["name"]}, values)
        sync_many(anchor, "clusters", resolver.clusters(row.get("clusters", ())), tally)
        parties[row["name"]] = ("anchor", anchor)

    for row in spec["stakeholders"]:
        values = _party_values(row, LOCATED_FIELDS + ("sector", "website", "description"))
        values |= {"group": row["group"], "employees": row.get("employees")}
        stakeholder = sync(Stakeholder, tally, {"audit": audit, "name": row["name"]}, values)
        sync_many(stakeholder, "clusters", resolver.clusters(row.get("clusters", ())), tally)
        parties[row["name"]] = ("stakeholder", stakeholder)

    for row in spec["partnerships"]:
        source_kind, source = parties[row["source"]]
        target_kind, target = parties[row["target"]]
        lookup = {
            "audit": audit,
            "kind": row["kind"],
            "from_anchor": source if source_kind == "anchor" else None,
            "from_stakeholder": source if source_kind == "stakeholder" else None,
            "to_anchor": target if target_kind == "anchor" else None,
            "to_stakeholder": target if target_kind == "stakeholder" else None,
        }
        values = {key: row.get(key) for key in ("strength", "started_on")} | {"description": row["description"]}
        sync(Partnership, tally, lookup, values)

    for row in spec.get("cluster_organisations", ()):
        values = {key: value for key, value in row.items() if key not in ("name", "clusters")}
        body = sync(ClusterOrganisation, tally, {"audit": audit, "name": row["name"]}, values)
        sync_many(body, "clusters", resolver.clusters(row.get("clusters", ())), tally)

    for row in spec.get("forecasts", ()):
        values = {key: value for key, value in row.items() if key not in ("cluster", "metric")}
        sync(
            MarketForecast,
            tally,
            {"audit": audit, "cluster": resolver.cluster(row["cluster"]), "metric": row["metric"]},
            values,
        )

    for row in spec.get("trend_ratings", ()):
        sync(
            TrendRating,
            tally,
            {"audit": audit, "cluster": resolver.cluster(row["cluster"]), "theme": row["theme"]},
            {"rating": row["rating"], "evidence": row["evidence"]},
        )

    # The workflow state last, so that assets are written while the audit is still editable; the audit is
    # counted once (created, updated or unchanged) over both writes.
    workflow = spec.get("workflow", {})
    values = {"status": workflow.get("status", "draft"), "review_comment": workflow.get("review_comment", "")}
    for step in ("submitted", "approved"):
        moment = workflow.get(f"{step}_at")
        values[f"{step}_at"] = datetime.datetime.fromisoformat(moment) if moment else None
        values[f"{step}_by"] = users[workflow[f"{step}_by"]] if workflow.get(f"{step}_by") else None
    second = Tally()
    sync(Audit, second, {"pk": audit.pk}, values)
    if first.created:
        tally.record(Audit, "created")
    else:
        tally.record(Audit, "updated" if first.updated or second.updated else "unchanged")
    return audit


@dataclass
class DemoResult:
    """What :func:`demo_load` did and the login it set up."""

    tally: Tally
    username: str
    password: str
    organisation: Organisation
    audits: list
    other_usernames: list


@transaction.atomic
def demo_load(*, username=organisation.DEFAULT_USERNAME, password=organisation.DEFAULT_PASSWORD):
    """Create or refresh the demo organisation, users and audits; writes nothing when all is up to date.

    Raises :class:`ReferenceDataMissing` when the public reference data is not loaded, and Django's
    ``ValidationError`` when the password fails the password validators.
    """
    check_reference_data()
    tally = Tally()
    resolver = _Resolver()
    demo, users = _sync_users(tally, username=username, password=password)
    framework_by_slug = _sync_frameworks(tally, resolver, demo)
    audits = [
        _sync_audit(tally, resolver, spec=spec, demo=demo, users=users, framework_by_slug=framework_by_slug)
        for spec in AUDITS
    ]
    others = [user.username for key, user in users.items() if key != "admin"]
    return DemoResult(tally, username, password, demo, audits, others)
