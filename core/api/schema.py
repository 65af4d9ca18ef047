"""OpenAPI pieces drf-spectacular cannot infer: the API-key security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An organisation's API key, sent as `Authorization: Api-Key <prefix>.<secret>`.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error has this body.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "A stable token for programs, e.g. not_found, invalid."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Field errors (validation failures only); whole-object ones under non_field_errors.",
        },
        "retry_after": {"type": "integer", "description": "Seconds to wait (429 only)."},
    },
    "required": ["detail", "code"],
}
ERRORS = {
    "400": "Invalid input or query parameters.",
    "401": "No API key, or an invalid, revoked or expired one.",
    "403": "A read-only key (or role) on a write, or a key or role below what the endpoint needs (webhooks: admins).",
    "404": "Not found, or another organisation's.",
    "409": "The record changed since you read it, or its audit no longer allows this.",
    "415": "A body without a media type the endpoint takes (application/json, a form or multipart).",
    "429": "Too many requests: wait `Retry-After` seconds.",
}
WRITE_ONLY = {"409", "415"}


def add_error_responses(result, generator, request, public):
    """Document the shared error body on every operation under /api/v1/ (drf-spectacular postprocessing hook)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code in WRITE_ONLY and method == "get":
                    continue
                responses.setdefault(code, {"description": description, "content": reference})
            if method == "get" and path.startswith("/api/v1/scores/"):
                responses.setdefault("304", {"description": "Not modified (the ETag you sent still matches)."})
    return result
