"""The organisation's "API access" pages: API keys for partner systems, and webhooks with their delivery logs.

Like member administration, these act on the active organisation only and are for its admins: every other
role gets a 403, and another organisation's key or webhook is a 404. A new key and a new webhook's signing
secret are shown once, in the page that answers the POST that made them: never in the session, a message or
a redirect, and that page is not cached.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.access import require_admin
from integrations import services, signing
from integrations.forms import APIKeyCreateForm, WebhookCreateForm
from integrations.models import APIKey, APIKeyScope, DeliveryStatus, Webhook, WebhookDelivery

RECENT_DELIVERIES = 5
DELIVERIES_PER_PAGE = 25


# --------------------------------------------------------------------------------------------------------
# API keys
# --------------------------------------------------------------------------------------------------------


def _api_keys_page(request, form=None, created=None, status=200):
    keys = list(APIKey.objects.for_organisation(request.organisation).select_related("created_by").order_by("-created"))
    context = {
        "api_keys": keys,
        "usable_count": sum(1 for key in keys if key.is_usable),
        "form": form or APIKeyCreateForm(),
        "created": created,
        "write_scope": APIKeyScope.WRITE,
    }
    return render(request, "integrations/api_keys.html", context, status=status)


@login_required
@require_GET
def api_keys(request):
    """The active organisation's API keys (never the keys themselves), and a form to make one."""
    require_admin(request)
    return _api_keys_page(request)


@never_cache
@login_required
@require_POST
def api_key_create(request):
    """Make a key and answer with the page itself, the key shown once; invalid input is a 400."""
    require_admin(request)
    form = APIKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            api_key, key = services.api_key_create(
                organisation=request.organisation,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _api_keys_page(request, created={"api_key": api_key, "key": key})
    return _api_keys_page(request, form=form, status=400)


@login_required
@require_POST
def api_key_revoke(request, prefix):
    require_admin(request)
    api_key = get_object_or_404(APIKey.objects.for_organisation(request.organisation), prefix=prefix)
    if api_key.revoked:
        messages.info(request, f"The key “{api_key.name}” ({api_key.prefix}) was already revoked.")
    else:
        services.api_key_revoke(api_key=api_key)
        messages.success(
            request, f"Revoked the key “{api_key.name}” ({api_key.prefix}): calls made with it are now refused."
        )
    return redirect("integrations:api_keys")


# --------------------------------------------------------------------------------------------------------
# Webhooks
# --------------------------------------------------------------------------------------------------------


def _webhook_or_404(request, pk):
    return get_object_or_404(Webhook.objects.for_organisation(request.organisation), pk=pk)


def _webhooks_page(request, form=None, created=None, status=200):
    recent = WebhookDelivery.objects.order_by("-created_at", "-pk")
    hooks = list(
        Webhook.objects.for_organisation(request.organisation)
        .select_related("created_by")
        .annotate(
            delivery_count=Count("deliveries"),
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        )
        .prefetch_related(Prefetch("deliveries", queryset=recent[:RECENT_DELIVERIES], to_attr="recent_deliveries"))
        .order_by("-created_at")
    )
    context = {
        "webhooks": hooks,
        "latest_deliveries": recent.filter(webhook__organisation=request.organisation).select_related("webhook")[:10],
        "form": form or WebhookCreateForm(),
        "created": created,
        "events": Webhook.EVENTS,
        "signature_header": signing.SIGNATURE_HEADER,
        "event_header": signing.EVENT_HEADER,
        "delivery_header": signing.DELIVERY_HEADER,
    }
    return render(request, "integrations/webhooks.html", context, status=status)


@login_required
@require_GET
def webhooks_list(request):
    """The active organisation's webhooks with their latest deliveries, and a form to register one."""
    require_admin(request)
    return _webhooks_page(request)


@never_cache
@login_required
@require_POST
def webhook_create(request):
    """Register a webhook and answer with the page itself, its signing secret shown once; a refused URL is a 400."""
    require_admin(request)
    form = WebhookCreateForm(request.POST)
    if form.is_valid():
        try:
            webhook = services.webhook_create(
                organisation=request.organisation,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                user=request.user,
            )
        except services.WebhookError as error:
            form.add_error("url", str(error))
        else:
            return _webhooks_page(request, created=webhook)
    return _webhooks_page(request, form=form, status=400)


@login_required
@require_GET
def webhook_detail(request, pk):
    """One webhook's delivery log, newest first, with each attempt's outcome."""
    require_admin(request)
    webhook = _webhook_or_404(request, pk)
    deliveries = webhook.deliveries.order_by("-created_at", "-pk")
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    counts = dict(webhook.deliveries.order_by().values_list("status").annotate(n=Count("pk")))
    context = {
        "webhook": webhook,
        "page": page,
        "deliveries": page.object_list,
        "status_counts": [(value, label, counts.get(value, 0)) for value, label in DeliveryStatus.choices],
        "signature_header": signing.SIGNATURE_HEADER,
        "now": timezone.now(),
    }
    return render(request, "integrations/webhook_detail.html", context)


@login_required
@require_POST
def webhook_toggle(request, pk):
    require_admin(request)
    webhook = services.webhook_toggle(webhook=_webhook_or_404(request, pk))
    if webhook.is_active:
        messages.success(request, f"Activated the webhook to {webhook.url}: new events will be sent to it.")
    else:
        messages.success(request, f"Paused the webhook to {webhook.url}: no new events are sent until it is activated.")
    if request.POST.get("back") == "detail":
        return redirect("integrations:webhook_detail", pk=webhook.pk)
    return redirect("integrations:webhooks")


@login_required
@require_POST
def webhook_delete(request, pk):
    require_admin(request)
    webhook = _webhook_or_404(request, pk)
    url = webhook.url
    services.webhook_delete(webhook=webhook)
    messages.success(request, f"Deleted the webhook to {url} and its delivery log.")
    return redirect("integrations:webhooks")


@login_required
@require_POST
def webhook_resend(request, pk, delivery_pk):
    """Queue a delivery again (``services.webhook_delivery_resend``) and show its log."""
    require_admin(request)
    webhook = _webhook_or_404(request, pk)
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("webhook"), pk=delivery_pk, webhook=webhook)
    try:
        services.webhook_delivery_resend(delivery=delivery, user=request.user)
    except services.WebhookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Re-sending {delivery.event} {delivery.event_id}: the log below shows the outcome.")
    return redirect("integrations:webhook_detail", pk=webhook.pk)
