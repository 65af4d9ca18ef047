"""How complete an audit's inputs are, and what each missing input would add to the scores.

Pure: plain facts about an audit (``AuditFacts``, read by the editor) and a methodology spec in, a
``Completeness`` report out. Each check names the indicator(s) it feeds and their share of the right-to-win or
want-to-win weight under the methodology (``indicator_table``), so "what it would add" follows the weights the
organisation actually scores with.
"""

from dataclasses import dataclass, field

from assessments.indicators import fed_by_check
from scoring.methodology import indicator_table

GROUPS = ("corporate", "capital", "government", "academia", "entrepreneurship")
AXIS_LABELS = {"right_to_win": "right to win", "want_to_win": "want to win"}


@dataclass(frozen=True)
class ClusterFacts:
    """What the audit holds for one candidate cluster (parties tied to a component count for a convergence)."""

    cluster_id: int
    name: str
    anchors: int = 0
    located: int = 0
    groups: frozenset = frozenset()
    partnerships: int = 0
    talent: bool = False
    innovation: bool = False
    investment: bool = False
    forecasts: int = 0
    priority: bool = False
    ratings: int = 0


@dataclass(frozen=True)
class AuditFacts:
    """Counts over the whole audit, and one ``ClusterFacts`` per candidate cluster."""

    candidates: tuple = ()
    anchors: int = 0
    stakeholders: int = 0
    groups: frozenset = frozenset()
    partnerships: int = 0
    organisations: int = 0
    forecasts: int = 0
    frameworks: int = 0
    ratings: int = 0


@dataclass
class Check:
    """One input: done or missing, what it stands at, what to add and what it would add to the scores."""

    key: str
    step: str
    label: str
    done: bool
    status: str
    to_add: str
    adds: str
    share: float = 0.0


class _Checklist:
    """Counts over ``checks``: how many are done, of how many, as a percentage."""

    @property
    def done(self):
        return sum(check.done for check in self.checks)

    @property
    def total(self):
        return len(self.checks)

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Section(_Checklist):
    step: str
    title: str
    checks: list = field(default_factory=list)

    @property
    def status(self):
        """What the section stands at, in the words its check uses ("4 of 5 groups", not "0/1")."""
        if len(self.checks) == 1:
            return self.checks[0].status
        return f"{self.done} of {self.total} in place"


@dataclass
class ClusterSection(_Checklist):
    cluster_id: int
    name: str
    checks: list = field(default_factory=list)

    def for_step(self, step):
        return [check for check in self.checks if check.step == step]


@dataclass
class Completeness(_Checklist):
    sections: list
    clusters: list

    @property
    def checks(self):
        return [c for s in self.sections for c in s.checks] + [c for cl in self.clusters for c in cl.checks]

    def section(self, step):
        return next((s for s in self.sections if s.step == step), None)

    def missing(self):
        return [check for check in self.checks if not check.done]


def indicator_shares(spec):
    """{indicator key: (axis, effective share of its axis, label)} under ``spec``."""
    return {key: (axis, share, entry.get("label", key)) for axis, _group, key, share, entry in indicator_table(spec)}


def _adds(feeds, shares):
    """'anchor strength: 15% of right to win' for the indicators ``feeds`` (summed per axis), and the total share."""
    per_axis = {}
    labels = {}
    for key in feeds:
        if key in shares:
            axis, share, label = shares[key]
            per_axis[axis] = per_axis.get(axis, 0.0) + share
            labels.setdefault(axis, []).append(label.lower())
    if not feeds:
        return "", 0.0
    if not per_axis:
        return "not weighted by this methodology", 0.0
    parts = [f"{', '.join(labels[a])}: {round(100 * share, 1):g}% of {AXIS_LABELS[a]}" for a, share in per_axis.items()]
    return "; ".join(parts), sum(per_axis.values())


def _check(key, step, label, done, status, to_add, shares, adds=None):
    text, share = _adds(fed_by_check(key), shares)
    return Check(key, step, label, bool(done), status, to_add, adds if adds is not None else text, share)


def _count(n, one, many=None):
    return f"{n} {one if n == 1 else (many or one + 's')}"


def assess(facts, spec):
    """The completeness report of an audit described by ``facts`` under the methodology ``spec``."""
    shares = indicator_shares(spec)
    present = [g for g in GROUPS if g in facts.groups]
    sections = [
        Section(
            "clusters",
            "Candidate clusters",
            [
                _check(
                    "candidates",
                    "clusters",
                    "Candidate clusters chosen",
                    facts.candidates,
                    _count(len(facts.candidates), "cluster"),
                    "Pick at least one cluster to assess.",
                    shares,
                    adds="every score: only candidate clusters are assessed",
                ),
            ],
        ),
        Section(
            "anchors",
            "Anchor institutions",
            [
                _check(
                    "anchors",
                    "anchors",
                    "Anchor institutions",
                    facts.anchors,
                    _count(facts.anchors, "anchor"),
                    "Add the universities, research centres and major firms the clusters grow around.",
                    shares,
                ),
            ],
        ),
        Section(
            "stakeholders",
            "Stakeholders",
            [
                _check(
                    "groups",
                    "stakeholders",
                    "Stakeholder groups present",
                    len(present) == len(GROUPS),
                    f"{len(present)} of {len(GROUPS)} groups",
                    "Add stakeholders in the missing groups: "
                    + (", ".join(g for g in GROUPS if g not in present) or "none")
                    + ".",
                    shares,
                ),
            ],
        ),
        Section(
            "partnerships",
            "Partnerships",
            [
                _check(
                    "partnerships",
                    "partnerships",
                    "Partnerships",
                    facts.partnerships,
                    _count(facts.partnerships, "partnership"),
                    "Record who works with whom.",
                    shares,
                ),
            ],
        ),
        Section(
            "organisation",
            "Cluster organisation",
            [
                _check(
                    "organisation",
                    "organisation",
                    "Cluster organisation",
                    facts.organisations,
                    _count(facts.organisations, "organisation"),
                    "Describe the body that runs the cluster.",
                    shares,
                    adds="cluster organisation maturity (shown beside the scores, not weighted)",
                ),
            ],
        ),
        Section(
            "market",
            "Market inputs",
            [
                _check(
                    "frameworks",
                    "market",
                    "Priority frameworks selected",
                    facts.frameworks,
                    _count(facts.frameworks, "framework"),
                    "Select the strategies the clusters should align with.",
                    shares,
                ),
            ],
        ),
    ]
    clusters = []
    for c in facts.candidates:
        cluster_groups = [g for g in GROUPS if g in c.groups]
        clusters.append(ClusterSection(c.cluster_id, c.name, [
            _check("anchors", "anchors", "Anchors tied to the cluster", c.anchors, _count(c.anchors, "anchor"),
                   f"Tie at least one anchor to {c.name}.", shares),
            _check("located", "anchors", "Located parties (2 or more)", c.located >= 2,
                   f"{c.located} with coordinates",
                   f"Give coordinates to at least two anchors or stakeholders tied to {c.name}.", shares),
            _check("groups", "stakeholders", "Stakeholder groups serving it", len(cluster_groups) == len(GROUPS),
                   f"{len(cluster_groups)} of {len(GROUPS)} groups",
                   f"Tie stakeholders from every group to {c.name}.", shares),
            _check("partnerships", "partnerships", "Partnerships involving it", c.partnerships,
                   _count(c.partnerships, "partnership"),
                   f"Record partnerships of the anchors and stakeholders tied to {c.name}.", shares),
            _check("talent", "clusters", "Talent (relevant graduates)", c.talent, "entered" if c.talent else "missing",
                   "Enter relevant graduates a year.", shares),
            _check("innovation", "clusters", "Innovation (patents or research spend)", c.innovation,
                   "entered" if c.innovation else "missing", "Enter patents or research spend a year.", shares),
            _check("investment", "clusters", "Investment", c.investment, "entered" if c.investment else "missing",
                   "Enter venture investment, deals or its growth.", shares),
            _check("forecast", "market", "Market forecast", c.forecasts, _count(c.forecasts, "forecast"),
                   f"Enter a sourced forecast for {c.name}.", shares),
            _check("priority", "market", "In a selected priority framework", c.priority,
                   "aligned" if c.priority else "not in any selected framework",
                   f"Select a framework that lists {c.name}.", shares),
            _check("ratings", "market", "Trend-theme ratings", c.ratings, _count(c.ratings, "rating"),
                   f"Rate {c.name} against trend themes (1–5, with evidence).", shares),
        ]))  # fmt: skip
    return Completeness(sections=sections, clusters=clusters)
