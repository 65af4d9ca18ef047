"""One error body for the whole API: ``{"detail": ..., "code": ..., "errors": {field: [messages]}}``.

``detail`` is a sentence for people, ``code`` a stable token for programs; ``errors`` appears on validation
failures, with ``non_field_errors`` for whole-object problems. Throttled responses add ``retry_after``.
Unexpected exceptions are logged with their traceback and answered with a generic 500 body.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("clusterplatform.api")
SERVER_ERROR = {"detail": "Something went wrong on our side; it has been logged.", "code": "server_error"}


def field_errors(detail, prefix=""):
    """``{field: [messages]}`` from DRF's nested error detail; nested fields are named ``parent.child``/``list.0``."""
    errors = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            errors.update(field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            if item:
                errors.update(field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        items = detail if isinstance(detail, list) else [detail]
        errors.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in items)
    return errors


def api_exception_handler(exc, context):
    """DRF's handler, with the project's body shape; unknown exceptions become a logged, generic 500."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        if settings.DEBUG and not getattr(settings, "API_JSON_500_IN_DEBUG", False):
            return None
        logger.exception("unhandled API error", exc_info=exc)
        return Response(SERVER_ERROR, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        response.data = {"detail": "The request has invalid fields.", "code": "invalid", "errors": errors}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"detail": str(exc.detail), "code": codes if isinstance(codes, str) else "error"}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after"] = int(exc.wait + 0.999)
    elif isinstance(exc, Http404):
        response.data = {"detail": "Not found.", "code": "not_found"}
    elif isinstance(exc, PermissionDenied):
        response.data = {"detail": str(exc) or "You do not have permission.", "code": "permission_denied"}
    return response


@csrf_exempt  # routed as the API's catch-all too: a POST to an unknown path is a 404, not a CSRF failure
def json_not_found(request, exception=None):
    """A 404 for any unknown URL under ``/api/``, in the API's error shape."""
    detail = f"No API endpoint at {request.path}."
    if not request.path.endswith("/"):
        detail += " API paths end with a slash."
    return JsonResponse({"detail": detail, "code": "not_found"}, status=404)


def json_server_error(request):
    return JsonResponse(SERVER_ERROR, status=500)


def form_errors(form):
    """A Django form's errors as the API's field errors (whole-form ones under ``non_field_errors``)."""
    return serializers.ValidationError(
        {
            ("non_field_errors" if name == "__all__" else name): [m["message"] for m in messages]
            for name, messages in form.errors.get_json_data().items()
        }
    )


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed or is in a state that does not allow this."
    default_code = "conflict"
