from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Organisations and platform"

    def ready(self):
        from core.api import schema  # noqa: F401  (registers the API-key scheme with drf-spectacular)
