"""Audit editions: a new version of an approved audit, a copy into a new year, the lineage, and comparisons.

A new edition is a new draft ``Audit`` whose ``previous`` is the audit it was started from, holding a deep copy
of every asset: candidate clusters with their inputs, anchors, stakeholders, partnerships (re-pointed to the
copied parties), cluster organisations, forecasts, trend ratings and the selected priority frameworks. The
copy is independent: editing it never touches the original, which stays approved and locked.

Rules:

* Only an approved audit starts a new edition (a draft or returned audit is simply edited; a submitted one
  is being reviewed).
* An audit has at most one successor in its own year, so versions form a line: v1 → v2 → v3. Starting a
  second version of v1 points the user to v2 instead.
* A copy into a new year is refused when the organisation already has an audit of that region in that
  year, in this lineage or any other: two audits of one region and year would be two competing answers,
  and the existing one can be versioned instead. The year must differ from the source's (a new edition of
  the same year is a new version).
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from anchors.models import AnchorInstitution
from assessments.models import Score, ScoreRun
from audits.models import Audit, AuditCluster, AuditStatus, MarketForecast, TrendRating
from audits.services import WorkflowError
from clusters.models import ClusterOrganisation
from stakeholders.models import Partnership, Stakeholder

# Fields never copied or compared: identity, ownership, timestamps and the optimistic-locking counter.
_NOT_COPIED = {"id", "audit", "revision", "created_at", "updated_at"}
MIN_YEAR, MAX_YEAR = 1990, 2100


# --------------------------------------------------------------------------------------------------------
# Copying
# --------------------------------------------------------------------------------------------------------


def _field_values(row, exclude=()):
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in _NOT_COPIED and f.name not in exclude
    }


def _copy_rows(model, rows, audit, user, reason, *, exclude=(), remap=None):
    """Copy ``rows`` into ``audit`` (new primary keys, revision 1), with history; returns {old pk: new row}."""
    copies = []
    for row in rows:
        values = _field_values(row, exclude)
        if remap:
            values.update(remap(row))
        copies.append(model(audit=audit, **values))
    created = bulk_create_with_history(copies, model, default_user=user, default_change_reason=reason)
    return {row.pk: copy for row, copy in zip(rows, created, strict=True)}


def _copy_clusters(model, mapping):
    """Copy the ``clusters`` many-to-many of each copied row (one insert per model)."""
    through = model.clusters.through
    source_column = f"{model._meta.model_name}_id"
    links = through.objects.filter(**{f"{source_column}__in": list(mapping)})
    through.objects.bulk_create(
        [
            through(**{source_column: mapping[link_source].pk, "clusterdefinition_id": cluster_id})
            for link_source, cluster_id in links.values_list(source_column, "clusterdefinition_id")
        ]
    )


def _copy_assets(source, target, user):
    reason = f"Copied from audit {source.pk}"
    _copy_rows(AuditCluster, list(source.candidate_clusters.all()), target, user, reason)
    anchors = _copy_rows(AnchorInstitution, list(source.anchors.all()), target, user, reason)
    _copy_clusters(AnchorInstitution, anchors)
    stakeholders = _copy_rows(Stakeholder, list(source.stakeholders.all()), target, user, reason)
    _copy_clusters(Stakeholder, stakeholders)

    def parties(partnership):
        """Point the copied partnership at the copies of its two parties."""
        pick = {"stakeholder": stakeholders, "anchor": anchors}
        values = {}
        for side in ("from", "to"):
            for kind, copies in pick.items():
                old = getattr(partnership, f"{side}_{kind}_id")
                values[f"{side}_{kind}_id"] = copies[old].pk if old is not None else None
        return values

    _copy_rows(Partnership, list(source.partnerships.all()), target, user, reason, remap=parties)
    organisations = _copy_rows(ClusterOrganisation, list(source.cluster_organisations.all()), target, user, reason)
    _copy_clusters(ClusterOrganisation, organisations)
    _copy_rows(MarketForecast, list(source.forecasts.all()), target, user, reason)
    _copy_rows(TrendRating, list(source.trend_ratings.all()), target, user, reason)
    target.priority_frameworks.set(source.priority_frameworks.all())


def _new_edition(source, *, user, year, title):
    audit = Audit(
        organisation=source.organisation,
        title=title,
        region=source.region,
        region_set=source.region_set,
        year=year,
        summary=source.summary,
        previous=source,
        created_by=user,
    )
    if user is not None:
        audit._history_user = user
    audit.save()
    _copy_assets(source, audit, user)
    return audit


def _locked_approved(audit, action):
    """The audit's row, locked so two simultaneous copies of it are serialised; it must be approved."""
    current = Audit.objects.select_for_update().get(pk=audit.pk)
    if current.status != AuditStatus.APPROVED:
        raise WorkflowError(
            f"This audit is {current.get_status_display().lower()}: only an approved audit can {action}."
        )
    return current


@transaction.atomic
def audit_new_version(*, audit, user):
    """Start the next version of an approved audit: a draft of the same year with a copy of every asset."""
    source = _locked_approved(audit, "start a new version")
    later = Audit.objects.filter(previous=source, year=source.year).first()
    if later is not None:
        raise WorkflowError(
            f"{lineage_label(later)} was already started from this audit ({later.get_status_display().lower()}); "
            "continue with it, or start a new version from it once it is approved."
        )
    return _new_edition(source, user=user, year=source.year, title=source.title)


@transaction.atomic
def audit_copy_to_year(*, audit, user, year):
    """Start the audit of ``year`` from an approved audit: a draft with a copy of every asset."""
    source = _locked_approved(audit, "be copied into a new year")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise WorkflowError(f"Choose a year between {MIN_YEAR} and {MAX_YEAR}.")
    if year == source.year:
        raise WorkflowError(f"This audit is already of {year}: start a new version instead.")
    existing = Audit.objects.filter(organisation=source.organisation, region=source.region, year=year).first()
    if existing is not None:
        raise WorkflowError(
            f"There is already an audit of {source.region.name} for {year} ('{existing.title}'); "
            "start a new version of it instead."
        )
    title = source.title.replace(str(source.year), str(year))
    return _new_edition(source, user=user, year=year, title=title)


# --------------------------------------------------------------------------------------------------------
# Lineage
# --------------------------------------------------------------------------------------------------------

MAX_LINEAGE = 200  # a guard against a cycle in hand-edited data


@dataclass
class Edition:
    """One audit in a lineage, with its version number within its year."""

    audit: Audit
    number: int
    is_current: bool = False

    @property
    def label(self):
        return f"version {self.number} of {self.audit.title} ({self.audit.year})"


def _version_number(audit, by_pk):
    number, seen, node = 1, 0, audit
    while node.previous_id in by_pk and by_pk[node.previous_id].year == audit.year and seen < MAX_LINEAGE:
        node = by_pk[node.previous_id]
        number, seen = number + 1, seen + 1
    return number


def lineage(*, audit):
    """Every audit connected to ``audit`` through ``previous``, oldest year first, each with its version number.

    Reads the organisation's audits of the region once and walks the links in memory.
    """
    rows = list(
        Audit.objects.filter(organisation_id=audit.organisation_id, region_id=audit.region_id).only(
            "pk", "title", "year", "status", "previous", "created_at", "approved_at", "organisation"
        )
    )
    by_pk = {row.pk: row for row in rows}
    by_pk.setdefault(audit.pk, audit)
    root = audit
    for _ in range(MAX_LINEAGE):
        if root.previous_id not in by_pk:
            break
        root = by_pk[root.previous_id]
    children = {}
    for row in by_pk.values():
        children.setdefault(row.previous_id, []).append(row)
    members, queue = [], [root]
    while queue and len(members) < MAX_LINEAGE:
        node = queue.pop(0)
        members.append(node)
        queue.extend(children.get(node.pk, []))
    editions = [Edition(row, _version_number(row, by_pk), row.pk == audit.pk) for row in members]
    return sorted(editions, key=lambda e: (e.audit.year, e.number))


def edition(audit):
    """The audit's place in its lineage ("version N" within its year): the one number every page shows.

    ``audit.version`` is not it: that counts the changes saved (the revision scores and edits are checked against).
    """
    return next((e for e in lineage(audit=audit) if e.is_current), Edition(audit, 1, True))


def lineage_label(audit):
    """ "version N of <title> (<year>)" for one audit."""
    return edition(audit).label


# --------------------------------------------------------------------------------------------------------
# Comparing two audits
# --------------------------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    before: object
    after: object


@dataclass
class RecordChange:
    key: str
    changes: list


@dataclass
class KindDiff:
    """Added, removed and changed records of one kind of asset, matched by natural key."""

    kind: str
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def has_changes(self):
        return bool(self.added or self.removed or self.changed)


@dataclass
class ScoreDelta:
    """One candidate cluster's scores in the two audits' latest succeeded runs."""

    cluster: str
    before: Score | None
    after: Score | None

    def _delta(self, name):
        if self.before is None or self.after is None:
            return None
        a, b = getattr(self.before, name), getattr(self.after, name)
        return None if a is None or b is None else b - a

    @property
    def right_to_win_delta(self):
        return self._delta("right_to_win")

    @property
    def want_to_win_delta(self):
        return self._delta("want_to_win")

    @property
    def quadrant_changed(self):
        return self.before is not None and self.after is not None and self.before.quadrant != self.after.quadrant


@dataclass
class Comparison:
    before: Audit
    after: Audit
    kinds: list
    before_run: ScoreRun | None
    after_run: ScoreRun | None
    scores: list

    @property
    def change_count(self):
        return sum(len(k.added) + len(k.removed) + len(k.changed) for k in self.kinds)


def _display(value):
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in sorted(value, key=str)) or "—"
    return "—" if value in (None, "") else value


def _snapshot(row, exclude=(), extra=None):
    """A record's comparable values by verbose name: own fields, foreign keys as names, clusters as a set."""
    values = {}
    for f in row._meta.concrete_fields:
        if f.name in _NOT_COPIED or f.name in exclude:
            continue
        value = getattr(row, f.name) if f.is_relation else getattr(row, f.attname)
        if f.choices and value not in (None, ""):
            value = getattr(row, f"get_{f.name}_display")()  # "Major firm", not "major_firm"
        values[str(f.verbose_name)] = str(value) if f.is_relation and value is not None else value
    if hasattr(row, "_cluster_names"):
        values["clusters"] = frozenset(row._cluster_names)
    values.update(extra or {})
    return values


def _keyed(rows, key):
    """{natural key: row}; a repeated key gets " #2", " #3" in creation order so each row is matched once."""
    seen, keyed = Counter(), {}
    for row in sorted(rows, key=lambda r: r.pk):
        base = key(row)
        seen[base] += 1
        keyed[base if seen[base] == 1 else f"{base} #{seen[base]}"] = row
    return keyed


def _diff(kind, before_rows, after_rows, key, exclude=()):
    before, after = _keyed(before_rows, key), _keyed(after_rows, key)
    diff = KindDiff(kind=kind)
    diff.added = sorted(k for k in after if k not in before)
    diff.removed = sorted(k for k in before if k not in after)
    for k in sorted(set(before) & set(after)):
        old, new = _snapshot(before[k], exclude), _snapshot(after[k], exclude)
        changes = [
            FieldChange(name, _display(old.get(name)), _display(new.get(name)))
            for name in dict.fromkeys([*old, *new])
            if old.get(name) != new.get(name)
        ]
        if changes:
            diff.changed.append(RecordChange(k, changes))
        else:
            diff.unchanged += 1
    return diff


def _with_cluster_names(queryset):
    rows = list(queryset.prefetch_related("clusters"))
    for row in rows:
        row._cluster_names = [c.name for c in row.clusters.all()]
    return rows


def _party(partnership, side):
    party = getattr(partnership, f"{side}_stakeholder") or getattr(partnership, f"{side}_anchor")
    return str(party)


def _assets(audit):
    return {
        "candidate clusters": list(AuditCluster.objects.filter(audit=audit).select_related("cluster")),
        "anchors": _with_cluster_names(AnchorInstitution.objects.filter(audit=audit).select_related("candidate")),
        "stakeholders": _with_cluster_names(Stakeholder.objects.filter(audit=audit)),
        "partnerships": list(
            Partnership.objects.filter(audit=audit).select_related(
                "from_stakeholder", "from_anchor", "to_stakeholder", "to_anchor"
            )
        ),
        "cluster organisations": _with_cluster_names(ClusterOrganisation.objects.filter(audit=audit)),
        "forecasts": list(MarketForecast.objects.filter(audit=audit).select_related("cluster")),
        "trend ratings": list(TrendRating.objects.filter(audit=audit).select_related("cluster")),
    }


_KEYS = {
    "candidate clusters": (lambda r: r.cluster.name, ("cluster",)),
    "anchors": (lambda r: r.name, ("name",)),
    "stakeholders": (lambda r: r.name, ("name",)),
    "partnerships": (
        lambda r: f"{_party(r, 'from')} → {_party(r, 'to')} ({r.get_kind_display()})",
        ("from_stakeholder", "from_anchor", "to_stakeholder", "to_anchor", "kind"),
    ),
    "cluster organisations": (lambda r: r.name, ("name",)),
    "forecasts": (lambda r: f"{r.cluster.name}: {r.metric} ({r.source})", ("cluster", "metric", "source")),
    "trend ratings": (lambda r: f"{r.cluster.name}: {r.theme}", ("cluster", "theme")),
}


def latest_scored_run(audit):
    """The audit's latest succeeded run of its own (stale or not; never a scenario's), or ``None``."""
    return ScoreRun.objects.of_audit(audit).select_related("methodology").latest_succeeded()


def _candidate_scores(run, audit):
    if run is None:
        return {}
    scores = Score.objects.filter(run=run, region_id=audit.region_id, candidate=True).select_related("cluster")
    return {score.cluster.name: score for score in scores.defer("indicators", "explanation")}


def audit_compare(*, audit, other):
    """What changed from the earlier of two audits to the later: assets per kind, and candidate scores.

    Both audits must already have been read through the requester's organisation (``audit_queryset``).
    """
    before, after = sorted([audit, other], key=lambda a: (a.year, a.created_at, a.pk))
    before_assets, after_assets = _assets(before), _assets(after)
    kinds = [
        _diff(kind, before_assets[kind], after_assets[kind], key, exclude) for kind, (key, exclude) in _KEYS.items()
    ]
    frameworks = KindDiff(kind="priority frameworks")
    old = {f.name for f in before.priority_frameworks.all()}
    new = {f.name for f in after.priority_frameworks.all()}
    frameworks.added, frameworks.removed, frameworks.unchanged = sorted(new - old), sorted(old - new), len(old & new)
    kinds.append(frameworks)

    before_run, after_run = latest_scored_run(before), latest_scored_run(after)
    old_scores, new_scores = _candidate_scores(before_run, before), _candidate_scores(after_run, after)
    scores = [
        ScoreDelta(name, old_scores.get(name), new_scores.get(name)) for name in sorted({*old_scores, *new_scores})
    ]
    return Comparison(
        before=before, after=after, kinds=kinds, before_run=before_run, after_run=after_run, scores=scores
    )
