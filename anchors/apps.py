from django.apps import AppConfig


class AnchorsConfig(AppConfig):
    name = "anchors"
    verbose_name = "Anchor institutions"
