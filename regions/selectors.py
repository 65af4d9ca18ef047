"""Reads over the industry classifications: code search and crosswalk equivalents."""

from django.db.models import Q

from regions.codes import CodeError, normalise_code
from regions.models import Crosswalk, IndustryCode

CODE_RESULTS = 25
CROSSWALK_HOPS = 3  # NAICS → ISIC → NACE → UK SIC is the longest useful path


def search_codes(classification, query, limit=CODE_RESULTS):
    """Codes of ``classification`` whose code starts with ``query`` (in any usual spelling) or whose title has it."""
    query = (query or "").strip()
    if not query or classification is None:
        return []
    match = Q(title__icontains=query) | Q(code__istartswith=query)
    try:
        match |= Q(code__istartswith=normalise_code(classification, query))
    except CodeError:
        pass
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
