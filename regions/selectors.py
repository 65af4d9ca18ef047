"""Reads over the industry classifications and statistics: code search, crosswalk equivalents, trends."""

import contextlib

from django.db.models import Q, Sum

from regions.codes import CodeError, normalise_code
from regions.models import Crosswalk, EconomicObservation, IndustryCode

CODE_RESULTS = 25
CROSSWALK_HOPS = 3  # NAICS → ISIC → NACE → UK SIC is the longest useful path


def search_codes(classification, query, limit=CODE_RESULTS):
    """Codes of ``classification`` whose code starts with ``query`` (in any usual spelling) or whose title has it."""
    query = (query or "").strip()
    if not query or classification is None:
        return []
    match = Q(title__icontains=query) | Q(code__istartswith=query)
    with contextlib.suppress(CodeError):
        match |= Q(code__istartswith=normalise_code(classification, query))
    codes = IndustryCode.objects.filter(classification=classification).filter(match)
    return list(codes.select_related("classification").order_by("code")[:limit])


def find_code(classification, raw):
    """The ``IndustryCode`` of ``classification`` that ``raw`` names, or ``None``."""
    try:
        code = normalise_code(classification, raw)
    except CodeError:
        return None
    return IndustryCode.objects.filter(classification=classification, code=code).first()


def code_equivalents(industry):
    """Equivalent codes in the other classifications, following crosswalk links either way, a hop per query.

    Returns ``[(classification, [IndustryCode, ...]), ...]``. Codes of ``industry``'s own classification are not
    passed through (the siblings they lead to are not equivalents). A code with no links of its own (a NAICS
    industry group, a SIC division) is matched through its children.
    """

    def linked(ids):
        return Crosswalk.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids)).exists()

    start = {industry.pk}
    if not linked(start):
        frontier = {industry.pk}
        for _ in range(3):
            frontier = set(IndustryCode.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            start |= frontier
            if not frontier:
                break
        if not linked(start) and industry.parent_id:  # a UK SIC subclass: its class carries the links
            start.add(industry.parent_id)
    seen = set(start)
    found = {}
    frontier = start
    for _ in range(CROSSWALK_HOPS):
        links = Crosswalk.objects.filter(Q(source_id__in=frontier) | Q(target_id__in=frontier)).select_related(
            "source__classification", "target__classification"
        )
        following = set()
        for link in links:
            for code in (link.source, link.target):
                if code.pk in seen or code.classification_id == industry.classification_id:
                    continue
                seen.add(code.pk)
                following.add(code.pk)
                found[code.pk] = code
        frontier = following
        if not frontier:
            break
    by_classification = {}
    for code in sorted(found.values(), key=lambda c: c.code):
        by_classification.setdefault(code.classification, []).append(code)
    return sorted(by_classification.items(), key=lambda item: item[0].name)


def employment_over_years(region, cluster):
    """``[(year, employment)]`` of ``cluster`` in ``region`` from the published statistics, oldest first.

    Published cluster statistics are used where they cover more than one year; otherwise the cluster's member
    codes (a convergence cluster's components' codes included) are summed per year from industry statistics in
    the cluster's own classification. Returns what there is: one year, or none.
    """
    published = EconomicObservation.objects.public().filter(region=region)
    by_cluster = list(
        published.filter(cluster=cluster, employment__isnull=False).order_by("year").values_list("year", "employment")
    )
    if len(by_cluster) > 1:
        return [(year, float(value)) for year, value in by_cluster]
    codes = cluster.member_code_ids()
    by_industry = list(
        published.filter(industry_id__in=codes)
        .values("year")
        .annotate(total=Sum("employment"))
        .order_by("year")
        .values_list("year", "total")
    )
    if len(by_industry) > len(by_cluster):
        return [(year, float(value or 0.0)) for year, value in by_industry]
    return [(year, float(value)) for year, value in by_cluster]
