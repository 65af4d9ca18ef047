"""Reference-data loaders: one Loader per dataset, run in dependency order by ``load_reference_data``.

``run`` compares each dataset's fingerprint (SHA-256 of its fixture files and the loader version) with the one
stored on its ``Dataset`` row; unchanged datasets are skipped, changed ones reloaded in their own transaction.
After any change ``reference_data_changed`` is sent with the changed slugs.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from regions.models import Dataset
from regions.signals import reference_data_changed

from .anchors import IpedsInstitutions, UkHeis
from .base import LOADER_VERSION, Loader, LoadError
from .classifications import (
    Isic4Codes,
    Isic4ToNace2,
    Isic4ToNaics2012,
    Nace2Codes,
    Naics2007Codes,
    Naics2012Codes,
    Naics2012To2007,
    UkSicCodes,
    UkSicToNace2,
)
from .clusters import DpsClusters, DpsRelatedness, UkCustomClusters
from .geography import UkNuts, UsMsas, UsStates
from .observations import BresNuts2, CbpStates, CmpMsas, CmpStates

__all__ = ["LOADER_VERSION", "LOADERS", "LoadError", "Loader", "Result", "default_fixtures_dir", "run"]

# In dependency order: every loader comes after the ones it ``requires``.
LOADERS = [
    Naics2012Codes,
    Naics2007Codes,
    UkSicCodes,
    Nace2Codes,
    Isic4Codes,
    Naics2012To2007,
    Isic4ToNace2,
    Isic4ToNaics2012,
    UkSicToNace2,
    DpsClusters,
    DpsRelatedness,
    UkCustomClusters,
    UsStates,
    UsMsas,
    UkNuts,
    CmpStates,
    CmpMsas,
    CbpStates,
    BresNuts2,
    IpedsInstitutions,
    UkHeis,
]
BY_SLUG = {loader.slug: loader for loader in LOADERS}


@dataclass
class Result:
    slug: str
    status: str  # "loaded" or "unchanged"
    rows: int
    seconds: float


def default_fixtures_dir():
    return Path(settings.BASE_DIR) / "fixtures"


def select(only):
    """The loaders to run for ``only`` (all when empty) plus any prerequisite that has never been loaded."""
    if not only:
        return list(LOADERS)
    unknown = sorted(set(only) - set(BY_SLUG))
    if unknown:
        raise ValueError(f"unknown dataset(s): {', '.join(unknown)}; known: {', '.join(BY_SLUG)}")
    loaded = set(Dataset.objects.exclude(fingerprint="").values_list("slug", flat=True))
    wanted = set()

    def want(slug):
        if slug in wanted:
            return
        wanted.add(slug)
        for required in BY_SLUG[slug].requires:
            if required not in loaded:
                want(required)

    for slug in only:
        want(slug)
    return [loader for loader in LOADERS if loader.slug in wanted]


def run(fixtures_dir=None, only=(), force=False, report=None):
    """Load the selected datasets; returns a list of ``Result``. ``report(result)`` is called after each one.

    Raises ``LoadError`` on a bad file; datasets committed before it stay committed (each is atomic), and the
    signal is still sent for them.
    """
    fixtures_dir = Path(fixtures_dir or default_fixtures_dir())
    results, changed = [], []
    try:
        for loader_class in select(only):
            loader = loader_class(fixtures_dir)
            started = time.perf_counter()
            fingerprint = loader.fingerprint()
            dataset = Dataset.objects.filter(slug=loader.slug).first()
            if dataset and dataset.fingerprint == fingerprint and not force:
                result = Result(loader.slug, "unchanged", dataset.rows, time.perf_counter() - started)
            else:
                with transaction.atomic():
                    dataset, _ = Dataset.objects.update_or_create(
                        slug=loader.slug,
                        defaults={"name": loader.name, "publisher": loader.publisher, "licence": loader.licence},
                    )
                    rows = loader.load(dataset)
                    dataset.fingerprint, dataset.rows, dataset.loaded_at = fingerprint, rows, timezone.now()
                    dataset.save(update_fields=["fingerprint", "rows", "loaded_at"])
                changed.append(loader.slug)
                result = Result(loader.slug, "loaded", rows, time.perf_counter() - started)
            results.append(result)
            if report:
                report(result)
    finally:
        if changed:
            reference_data_changed.send(sender=Dataset, slugs=changed)
    return results
