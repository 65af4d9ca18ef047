"""Helpers for migrations that move models between apps without touching their tables.

A moved model keeps its table (``db_table``), so only Django's state changes; the content types (and so the
permissions and admin log entries that point at them) are renamed to the new app label, so nothing is orphaned.
"""


def move_content_types(from_app, to_app, models):
    """A ``RunPython`` pair that relabels the content types of ``models`` from ``from_app`` to ``to_app``."""

    def relabel(source, target):
        def run(apps, schema_editor):
            content_type = apps.get_model("contenttypes", "ContentType")
            for model in models:
                if content_type.objects.filter(app_label=target, model=model).exists():
                    continue
                content_type.objects.filter(app_label=source, model=model).update(app_label=target)

        return run

    return relabel(from_app, to_app), relabel(to_app, from_app)
