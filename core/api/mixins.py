"""Behaviour several API views share: ETags with ``If-None-Match``, and the organisation-scoped base."""

from django.contrib.auth.models import AnonymousUser
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from rest_framework.exceptions import NotFound

from core.api.authentication import KeyPrincipal, acting_user
from core.api.permissions import can_write


class ETagMixin:
    """GETs carry a strong ETag of the body; a matching ``If-None-Match`` gets ``304 Not Modified`` and no body.

    Scores of a finished run never change, so a partner polling an unchanged list pays for one small response.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
            if not response.has_header("ETag"):  # a page served from a cache comes with its own
                response.render()
                set_response_etag(response)
            response["Cache-Control"] = "private, no-cache"
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response


# Ids in URLs are whole numbers that fit the database's integer columns; anything else is simply not found.
ID_PATTERN = "[0-9]{1,18}"


class OrganisationMixin:
    """Views over the caller's organisation's rows; a caller with no organisation sees nothing."""

    lookup_value_regex = ID_PATTERN

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if isinstance(request.user, KeyPrincipal):
            # DRF copies the principal onto the Django request; history and Django's own code expect a user
            # account there, and a key has none (writes record the key's prefix as their change reason).
            request._request.user = AnonymousUser()

    @property
    def organisation(self):
        return getattr(self.request, "organisation", None)

    def require_organisation(self):
        if self.organisation is None:
            raise NotFound("You belong to no organisation, so there is nothing here.")
        return self.organisation

    @property
    def can_write(self):
        return can_write(self.request)

    @property
    def acting_user(self):
        return acting_user(self.request)
