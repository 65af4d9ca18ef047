"""Who may read and change an audit: the audit's instance of ``core.access``, used by every page and the API.

Another organisation's audit is a 404; a viewer (or a write to a locked audit) is a 403 with the reason.
"""

from django.shortcuts import get_object_or_404

from audits.selectors import audit_queryset
from core.access import require_editable, require_role
from core.models import Role


def audit_or_404(request, pk, *, queryset=None):
    """The active organisation's audit ``pk`` that the user may read (``queryset``: one of ``audits.selectors``'
    scoped querysets, e.g. ``audit_page_queryset``)."""
    if queryset is None:
        queryset = audit_queryset(user=request.user, organisation=request.organisation)
    return get_object_or_404(queryset, pk=pk)


def writable_audit_or_404(request, pk, *, action="change this audit"):
    """The audit, if this user may change it now: 404 for another organisation's, 403 for a viewer or a locked one."""
    audit = audit_or_404(request, pk)
    require_role(request, Role.OFFICER, action)
    require_editable(audit)
    return audit
