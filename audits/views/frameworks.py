"""Priority frameworks: the shipped ones (read-only) and the organisation's own, defined with their priorities.

Thin views: every read goes through ``for_user`` (another organisation's framework is a 404), officers and above
write, and the writes are ``services.priority_framework_save`` / ``priority_framework_delete``. Reached from an
audit's market step (``?audit=<id>`` brings the user back there).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from audits import services
from audits.access import audit_or_404
from audits.forms import priority_framework_forms
from audits.models import PriorityFramework
from core.access import can_write, require_role
from core.forms_base import style
from core.models import Role


def _frameworks(request):
    return PriorityFramework.objects.for_user(request.user, organisation=request.organisation)


def _own_framework_or_404(request, framework_id):
    """The organisation's own framework (a shipped or another organisation's one is not found here)."""
    return get_object_or_404(_frameworks(request).filter(organisation__isnull=False), pk=framework_id)


def _back(request):
    """The audit the user came from (its market step), if any: ``(audit, url)``."""
    value = request.GET.get("audit") or request.POST.get("audit") or ""
    if not value.isdigit() or len(value) > 18:
        return None, reverse("audits:frameworks")
    audit = audit_or_404(request, int(value))
    return audit, reverse("audits:edit_step", args=[audit.pk, "market"]) + "#frameworks"


@login_required
@require_safe
def framework_list(request):
    frameworks = _frameworks(request).annotate(item_count=Count("items")).order_by("organisation", "name")
    audit, back = _back(request)
    context = {"frameworks": frameworks, "can_write": can_write(request), "back_audit": audit, "back": back}
    return render(request, "audits/frameworks/list.html", context)


def _edit(request, framework=None):
    require_role(request, Role.OFFICER, "define priority frameworks")
    audit, back = _back(request)
    if request.method == "POST":
        form, items = priority_framework_forms(organisation=request.organisation, instance=framework, data=request.POST)
        if form.is_valid() and items.is_valid():
            try:
                saved = services.priority_framework_save(form=form, items=items, user=request.user)
            except services.FrameworkLocked as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Saved: priority framework “{saved.name}”.")
                return redirect(back if audit else reverse("audits:frameworks"))
    else:
        form, items = priority_framework_forms(organisation=request.organisation, instance=framework)
    style(form)
    for item_form in items.forms:
        style(item_form)
    context = {"form": form, "items": items, "framework": framework, "back_audit": audit, "back": back}
    return render(request, "audits/frameworks/edit.html", context, status=400 if request.method == "POST" else 200)


@login_required
def framework_create(request):
    return _edit(request)


@login_required
def framework_edit(request, framework_id):
    return _edit(request, _own_framework_or_404(request, framework_id))


@login_required
@require_POST
def framework_delete(request, framework_id):
    framework = _own_framework_or_404(request, framework_id)
    require_role(request, Role.OFFICER, "delete priority frameworks")
    try:
        services.priority_framework_delete(framework=framework, user=request.user)
    except services.FrameworkLocked as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Deleted: priority framework “{framework.name}”.")
    return redirect(_back(request)[1])
