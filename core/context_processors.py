"""Template context for the navigation: the active organisation and the ones the user can switch to."""

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
