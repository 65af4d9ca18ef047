"""The active organisation: the one of the user's organisations the pages show."""

from django.db.models import F

from core.models import Membership

SESSION_KEY = "active_organisation_id"


class ActiveOrganisationMiddleware:
    """Sets ``request.organisation`` and ``request.membership`` for a signed-in user.

    The choice is kept in the session (the organisation switcher writes it); a new session, a stale or a foreign
    choice falls back to the organisation the user chose last (``Membership.last_used_at``; then by name), so a
    request can never act for an organisation it is not a member of, and only organisations the user joined by
    accepting (or an operator's command) are ever chosen.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = (
                Membership.objects.filter(user=user)
                .select_related("organisation")
                .order_by(F("last_used_at").desc(nulls_last=True), "organisation__name")
            )
            chosen = request.session.get(SESSION_KEY)
            membership = (memberships.filter(organisation_id=chosen).first() if chosen else None) or memberships.first()
            if membership:
                request.membership = membership
                request.organisation = membership.organisation
        return self.get_response(request)
