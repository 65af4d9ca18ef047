"""The active organisation: the one of the user's organisations the pages show."""

from core.models import Membership

SESSION_KEY = "active_organisation_id"


class ActiveOrganisationMiddleware:
    """Sets ``request.organisation`` and ``request.membership`` for a signed-in user.

    The choice is kept in the session (the organisation switcher writes it); a stale or foreign choice falls
    back to the user's first organisation, so a request can never act for an organisation it is not a member of.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.filter(user=user).select_related("organisation")
            chosen = request.session.get(SESSION_KEY)
            membership = (memberships.filter(organisation_id=chosen).first() if chosen else None) or memberships.first()
            if membership:
                request.membership = membership
                request.organisation = membership.organisation
        return self.get_response(request)
