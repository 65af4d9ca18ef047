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
