"""Audit URL patterns (urls_edit): a new audit and the guided editor; included by assessments/urls.py under the
audits namespace."""

from django.urls import path

from assessments import edit_views

urlpatterns = [
    path("new/", edit_views.audit_create, name="new"),
    path("new/regions/", edit_views.audit_create_regions, name="new_regions"),
    path("<int:pk>/edit/", edit_views.audit_edit, name="edit"),
    path("<int:pk>/edit/clusters/build/", edit_views.cluster_build, name="edit_cluster_build"),
    path("<int:pk>/edit/clusters/add/", edit_views.candidate_add, name="edit_candidate_add"),
    path("<int:pk>/edit/anchors/from-public-record/", edit_views.anchor_from_candidate, name="edit_anchor_pick"),
    path("<int:pk>/edit/market/frameworks/", edit_views.frameworks_save, name="edit_frameworks"),
    path("<int:pk>/edit/review/summary/", edit_views.summary_save, name="edit_summary"),
    path("<int:pk>/edit/review/submit/", edit_views.audit_submit, name="edit_submit"),
    path("<int:pk>/edit/<slug:step>/", edit_views.audit_step, name="edit_step"),
    path("<int:pk>/edit/records/<slug:kind>/new/", edit_views.record_create, name="edit_record_new"),
    path("<int:pk>/edit/records/<slug:kind>/<int:record_id>/", edit_views.record_edit, name="edit_record"),
    path("<int:pk>/edit/records/<slug:kind>/<int:record_id>/delete/", edit_views.record_delete, name="edit_delete"),
    path("<int:pk>/edit/records/<slug:kind>/<int:record_id>/history/", edit_views.record_history, name="edit_history"),
]
