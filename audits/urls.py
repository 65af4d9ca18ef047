"""The audit pages: the list and one audit with its Scores tab, the guided editor, imports and the review workflow."""

from django.urls import path

from audits.views import editor, frameworks, imports, pages, workflow

app_name = "audits"

urlpatterns = [
    path("", pages.audit_list, name="list"),
    path("<int:pk>/", pages.audit_detail, name="detail"),
    path("<int:pk>/score/", pages.audit_score, name="score"),
    path("<int:pk>/runs/<int:run_id>/status/", pages.score_run_status, name="run_status"),
    path("<int:pk>/scores/<int:score_id>/explain/", pages.score_explain, name="score_explain"),
    # Priority frameworks: the shipped ones and the organisation's own
    path("priority-frameworks/", frameworks.framework_list, name="frameworks"),
    path("priority-frameworks/new/", frameworks.framework_create, name="framework_new"),
    path("priority-frameworks/<int:framework_id>/", frameworks.framework_edit, name="framework_edit"),
    path("priority-frameworks/<int:framework_id>/delete/", frameworks.framework_delete, name="framework_delete"),
    # A new audit and the guided editor
    path("new/", editor.audit_create, name="new"),
    path("new/regions/", editor.audit_create_regions, name="new_regions"),
    path("<int:pk>/edit/", editor.audit_edit, name="edit"),
    path("<int:pk>/edit/clusters/build/", editor.cluster_build, name="edit_cluster_build"),
    path("<int:pk>/edit/clusters/add/", editor.candidate_add, name="edit_candidate_add"),
    path("<int:pk>/edit/anchors/from-public-record/", editor.anchor_from_candidate, name="edit_anchor_pick"),
    path("<int:pk>/edit/market/frameworks/", editor.frameworks_save, name="edit_frameworks"),
    path("<int:pk>/edit/review/summary/", editor.summary_save, name="edit_summary"),
    path("<int:pk>/edit/review/submit/", editor.audit_submit, name="edit_submit"),
    path("<int:pk>/edit/<slug:step>/", editor.audit_step, name="edit_step"),
    path("<int:pk>/edit/records/<slug:kind>/new/", editor.record_create, name="edit_record_new"),
    path("<int:pk>/edit/records/<slug:kind>/<int:record_id>/", editor.record_edit, name="edit_record"),
    path("<int:pk>/edit/records/<slug:kind>/<int:record_id>/delete/", editor.record_delete, name="edit_delete"),
    path("<int:pk>/edit/records/<slug:kind>/<int:record_id>/history/", editor.record_history, name="edit_history"),
    # Spreadsheet imports
    path("<int:pk>/imports/new/", imports.import_upload, name="import_upload"),
    path("<int:pk>/imports/<int:batch_id>/", imports.import_preview, name="import_preview"),
    path("<int:pk>/imports/<int:batch_id>/confirm/", imports.import_confirm, name="import_confirm"),
    path("<int:pk>/imports/<int:batch_id>/cancel/", imports.import_cancel, name="import_cancel"),
    path("<int:pk>/imports/templates/<slug:kind>.<str:extension>", imports.import_template, name="import_template"),
    # The review workflow, new editions, the lineage and comparisons
    path("<int:pk>/submit/", workflow.audit_submit, name="submit"),
    path("<int:pk>/approve/", workflow.audit_approve, name="approve"),
    path("<int:pk>/return/", workflow.audit_return, name="return"),
    path("<int:pk>/new-version/", workflow.audit_new_version, name="new_version"),
    path("<int:pk>/copy-to-year/", workflow.audit_copy_to_year, name="copy_to_year"),
    path("<int:pk>/lineage/", workflow.audit_lineage, name="lineage"),
    path("<int:pk>/compare/<int:other_pk>/", workflow.audit_compare, name="compare"),
]
