"""Audit pages: the active organisation's audits and everything recorded in one of them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from assessments import selectors


@login_required
def audit_list(request):
    audits = selectors.audit_list(user=request.user, organisation=request.organisation)
    return render(request, "assessments/audit_list.html", {"audits": audits})


@login_required
def audit_detail(request, pk):
    audit = get_object_or_404(selectors.audit_queryset(user=request.user, organisation=request.organisation), pk=pk)
    return render(request, "assessments/audit_detail.html", {"detail": selectors.audit_detail(audit=audit)})
