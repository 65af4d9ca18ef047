"""Audit URL patterns (urls_imports); included by assessments/urls.py under the audits namespace."""

from django.urls import path

from assessments import import_views

urlpatterns = [
    path("<int:pk>/imports/new/", import_views.import_upload, name="import_upload"),
    path("<int:pk>/imports/<int:batch_id>/", import_views.import_preview, name="import_preview"),
    path("<int:pk>/imports/<int:batch_id>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("<int:pk>/imports/<int:batch_id>/cancel/", import_views.import_cancel, name="import_cancel"),
    path(
        "<int:pk>/imports/templates/<slug:kind>.<str:extension>",
        import_views.import_template,
        name="import_template",
    ),
]
