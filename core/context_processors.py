"""Template context for the navigation: the active organisation, the ones the user can switch to, and the current
section."""

from core.models import Membership


def organisation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.pk is None:  # no user account: anonymous, or an API key
        return {}
    return {
        "active_organisation": getattr(request, "organisation", None),
        "active_membership": getattr(request, "membership", None),
        "user_memberships": Membership.objects.filter(user=user).select_related("organisation"),
    }


def navigation(request):
    """Which navigation entry is current: ``nav_section`` (the app, or the page's URL name) and ``nav_url_name``.

    A request that matched no URL (a 404) or never reached URL resolution (a 500 raised by a middleware) has no
    ``resolver_match``; the navigation then marks nothing as current, rather than failing the error page itself.
    """
    match = getattr(request, "resolver_match", None)
    url_name = (match.url_name or "") if match is not None else ""
    section = (match.app_name or url_name) if match is not None else ""
    return {"nav_section": section, "nav_url_name": url_name}
