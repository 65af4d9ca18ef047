"""Visibility in one place.

Every organisation-owned model uses one of these querysets, and every view, viewset, form field and admin
reads through ``for_user(user)``: a user sees the rows of the organisations they belong to, and nothing else.
"""

from django.db import models


def _member_organisation_ids(user, organisation=None):
    """The ids of the organisations ``user`` may read, narrowed to ``organisation`` if given."""
    from core.models import Membership  # here, not at the top: core.models imports this module

    memberships = Membership.objects.filter(user_id=user.pk)
    if organisation is not None:
        memberships = memberships.filter(organisation_id=getattr(organisation, "pk", organisation))
    return memberships.values("organisation_id")


class OrganisationScopedQuerySet(models.QuerySet):
    """Rows owned by one organisation, reached through ``organisation_path``.

    Subclasses (or ``as_manager`` users) set ``organisation_path`` to the lookup that leads from the row to its
    organisation, e.g. ``"audit__organisation"`` for an anchor institution.
    """

    organisation_path = "organisation"

    def for_user(self, user, organisation=None):
        """Rows visible to ``user``; with ``organisation``, only that organisation's (if ``user`` is a member)."""
        if user is None or not user.is_authenticated:
            return self.none()
        ids = _member_organisation_ids(user, organisation)
        return self.filter(**{f"{self.organisation_path}__in": ids})

    def for_organisation(self, organisation):
        """Rows owned by ``organisation`` (for services and commands that act for one tenant)."""
        return self.filter(**{self.organisation_path: organisation})

    def visible_to(self, organisation):
        """Rows a caller acting for ``organisation`` may read (the API's rule: a key belongs to one organisation)."""
        return self.none() if organisation is None else self.for_organisation(organisation)


class SharedOrOrganisationQuerySet(OrganisationScopedQuerySet):
    """Rows that are either public reference data (no organisation) or owned by one of the user's organisations.

    Used for cluster definitions, methodologies and priority frameworks: the shipped ones are shared by all,
    the ones an organisation builds are private to it.
    """

    def for_user(self, user, organisation=None):
        public = models.Q(**{f"{self.organisation_path}__isnull": True})
        if user is None or not user.is_authenticated:
            return self.filter(public)
        ids = _member_organisation_ids(user, organisation)
        return self.filter(public | models.Q(**{f"{self.organisation_path}__in": ids}))

    def visible_to(self, organisation):
        public = models.Q(**{f"{self.organisation_path}__isnull": True})
        if organisation is None:
            return self.filter(public)
        return self.filter(public | models.Q(**{self.organisation_path: organisation}))

    def public(self):
        return self.filter(**{f"{self.organisation_path}__isnull": True})


def scoped_queryset(path, shared=False):
    """A queryset class scoped through ``path``; ``shared=True`` also shows public rows."""
    base = SharedOrOrganisationQuerySet if shared else OrganisationScopedQuerySet
    return type(f"ScopedQuerySet_{path.replace('__', '_')}", (base,), {"organisation_path": path})
