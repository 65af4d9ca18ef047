from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        from assessments import score_cache, signals  # noqa: F401 - connects the receivers

        score_cache.connect()
