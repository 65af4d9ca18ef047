"""Rendered pages of the scores API, cached in the shared cache until the scores they show change.

A page is stored as its rendered bytes and ETag under a *generation*: one value in the cache that every change
to what a listing shows replaces (a run finishing, failing, going stale or being deleted; a region, cluster,
region set or methodology saved; reference data reloaded). A cached page is therefore served without reading
the score tables, and never after the data under it changed. The generation is replaced at once and again when the
changing transaction commits, so a reader that fetched the old rows before the commit cannot file them under
the new generation.

Keys carry the caller's organisation (pages differ by what it may see) and the exact URL and media type.
"""

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.http import quote_etag

from assessments.models import Methodology, ScoreRun
from clusters.models import ClusterDefinition
from core.models import RunStatus
from regions.models import Region, RegionSet
from regions.signals import reference_data_changed

GENERATION_KEY = "api:scores:generation"


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    content_type: str
    etag: str


def _new_generation():
    # Unique rather than counted: if the cache evicts or loses the key, a fresh value can never meet old pages.
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def scores_changed():
    """Call after anything a score listing shows has changed (``post_save`` receivers below cover model saves;
    bulk ``update()`` calls on runs call this themselves)."""
    _new_generation()
    transaction.on_commit(_new_generation)


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def page_key(*, organisation_id, url, media_type):
    """The key of a page for this caller, or ``None`` when ``API_SCORES_CACHE_SECONDS`` is 0 (no caching)."""
    if not settings.API_SCORES_CACHE_SECONDS:
        return None
    digest = hashlib.sha256(f"{organisation_id}|{media_type}|{url}".encode()).hexdigest()
    return f"api:scores:page:{generation()}:{digest}"


def get_page(key):
    stored = cache.get(key)  # a plain tuple, so a cached page survives a deploy that changes this module
    return CachedPage(*stored) if stored else None


def store_page(key, *, content, content_type):
    page = CachedPage(
        content=content,
        content_type=content_type,
        etag=quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest()),
    )
    cache.set(key, (page.content, page.content_type, page.etag), settings.API_SCORES_CACHE_SECONDS)
    return page


def _changed(sender, created=False, **kwargs):
    if not created:  # a new region, cluster or methodology is in no page yet
        scores_changed()


def _run_saved(sender, instance, **kwargs):
    # Listings show succeeded runs only. A run reaches (or leaves) that state through ``update()`` calls in the
    # services, which call ``scores_changed`` themselves; a save of a queued or running run changes no listing.
    if instance.status == RunStatus.SUCCEEDED:
        scores_changed()


def connect():
    """Receivers for the models a listing reads (called from ``AssessmentsConfig.ready``)."""
    post_save.connect(_run_saved, sender=ScoreRun, dispatch_uid="score-cache-save-ScoreRun")
    for model in (Methodology, Region, RegionSet, ClusterDefinition):
        post_save.connect(_changed, sender=model, dispatch_uid=f"score-cache-save-{model.__name__}")
    for model in (ScoreRun, Methodology, Region, RegionSet, ClusterDefinition):
        post_delete.connect(_changed, sender=model, dispatch_uid=f"score-cache-delete-{model.__name__}")
    reference_data_changed.connect(_changed, dispatch_uid="score-cache-reference-data")
