"""The REST API's shared machinery: key authentication, tenancy, permissions, throttles, errors, CSV, ETags."""
