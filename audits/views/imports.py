"""Spreadsheet import pages of an audit: upload, preview, confirm or cancel, and the template downloads.

Thin views: access is checked here (another organisation's audit or batch is a 404, a viewer gets a 403), the
work is done by ``audits.imports``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from audits import imports
from audits.access import audit_or_404
from audits.models import ImportBatch, ImportKind, ImportStatus
from core.access import require_role
from core.models import Role
from core.uploads import DEFAULT_LIMITS, UploadError, check_extension, check_size

ROWS_PER_PAGE = 100

# Where each kind shows on the audit page.
AUDIT_TABS = {
    ImportKind.ANCHORS: "tab-anchors",
    ImportKind.STAKEHOLDERS: "tab-stakeholders",
    ImportKind.PARTNERSHIPS: "tab-partnerships",
    ImportKind.OBSERVATIONS: "tab-scores",
}


class ImportUploadForm(forms.Form):
    """One file of one kind; its size and name are checked before anything reads it (no batch is recorded)."""

    kind = forms.ChoiceField(choices=ImportKind.choices, widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
        help_text=f".csv (UTF-8) or .xlsx, up to {DEFAULT_LIMITS.max_bytes_label}.",
    )

    def __init__(self, *args, files_posted=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.files_posted = files_posted

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.files_posted > 1:
            raise forms.ValidationError("Upload one file at a time.")
        try:
            check_size(upload.size)
            check_extension(upload.name)
        except UploadError as error:
            raise forms.ValidationError(error.messages) from error
        return upload


def _importingaudit_or_404(request, pk):
    """The audit, if this member may import into it: 404 for another organisation's, 403 for a viewer."""
    audit = audit_or_404(request, pk)
    require_role(request, Role.OFFICER, "import into an audit")
    return audit


def _batch(request, audit, batch_id):
    """The audit's batch, visible only to its own organisation (404 otherwise)."""
    batches = ImportBatch.objects.for_user(request.user, organisation=request.organisation)
    return get_object_or_404(batches, pk=batch_id, audit=audit)


def _kind(value):
    if value not in ImportKind.values:
        raise Http404("No such kind of import.")
    return value


def _upload_context(request, audit, form, kind, **extra):
    importer = imports.importer_for(kind=kind, audit=audit)
    recent = ImportBatch.objects.for_user(request.user, organisation=request.organisation).filter(audit=audit)[:8]
    return {
        "audit": audit,
        "form": form,
        "kind": kind,
        "kind_label": ImportKind(kind).label,
        "kinds": ImportKind.choices,
        "columns": importer.column_help(),
        "max_rows": importer.max_rows,
        "reference_lists": importer.reference_lists(),
        "recent": recent,
        "limits": DEFAULT_LIMITS,
        **extra,
    }


@login_required
def import_upload(request, pk):
    """Choose a kind and a file; a file that passes the checks goes on to its preview."""
    audit = _importingaudit_or_404(request, pk)
    kind = request.POST.get("kind") or request.GET.get("kind") or ImportKind.ANCHORS
    kind = kind if kind in ImportKind.values else ImportKind.ANCHORS
    if not audit.is_editable:
        context = _upload_context(request, audit, ImportUploadForm(initial={"kind": kind}), kind, locked=True)
        return render(request, "audits/imports/upload.html", context, status=403 if request.POST else 200)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, files_posted=len(request.FILES.getlist("file")))
        if form.is_valid():
            try:
                batch = imports.import_preview(
                    audit=audit, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"],
                    user=request.user,
                )  # fmt: skip
            except imports.ImportRefused as error:
                form.add_error(None, str(error))
            else:
                if batch.status != ImportStatus.REJECTED:
                    return redirect("audits:import_preview", pk=audit.pk, batch_id=batch.pk)
                context = _upload_context(request, audit, form, kind, rejected=batch)
                return render(request, "audits/imports/upload.html", context, status=400)
        return render(request, "audits/imports/upload.html", _upload_context(request, audit, form, kind), status=400)
    form = ImportUploadForm(initial={"kind": kind})
    return render(request, "audits/imports/upload.html", _upload_context(request, audit, form, kind))


def _error_summary(batch):
    """``[(column, rows with an error there)]``, most frequent first."""
    counts = {}
    for errors in batch.rows.exclude(errors={}).values_list("errors", flat=True):
        for column in errors:
            counts[column] = counts.get(column, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _preview_row(row, columns):
    """One staged row as the preview table shows it: each cell with its errors, and the row's own errors."""
    return {
        "line": row.line,
        "cells": [(column, row.data.get(column, ""), row.errors.get(column, [])) for column in columns],
        "row_errors": row.errors.get(imports.ROW, []),
        "has_errors": bool(row.errors),
    }


@login_required
def import_preview(request, pk, batch_id):
    """The staged rows with their errors by cell, the counts, and confirm / cancel."""
    audit = _importingaudit_or_404(request, pk)
    batch = _batch(request, audit, batch_id)
    importer = imports.importer_for(kind=batch.kind, audit=audit)
    only_errors = request.GET.get("errors") == "1"
    rows = batch.rows.all()
    if only_errors:
        rows = rows.exclude(errors={})
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "audit": audit,
        "batch": batch,
        "columns": importer.columns,
        "page": page,
        "table": [_preview_row(row, importer.columns) for row in page],
        "only_errors": only_errors,
        "valid_count": batch.row_count - batch.error_count,
        "summary": _error_summary(batch) if batch.error_count else [],
        "row_key": imports.ROW,
        "noun_plural": importer.plural,
        "can_commit": batch.status == ImportStatus.PREVIEWED and not batch.error_count and audit.is_editable,
    }
    return render(request, "audits/imports/preview.html", context)


@login_required
@require_POST
def import_confirm(request, pk, batch_id):
    """Write the batch into the audit (all rows or none); confirming twice imports once."""
    audit = _importingaudit_or_404(request, pk)
    batch = _batch(request, audit, batch_id)
    already = batch.status == ImportStatus.COMMITTED
    try:
        batch = imports.import_commit(batch=batch, user=request.user)
    except imports.ImportRefused as error:
        messages.error(request, str(error))
        return redirect("audits:import_preview", pk=audit.pk, batch_id=batch.pk)
    plural = imports.importer_for(kind=batch.kind, audit=audit).plural
    if already:
        messages.info(request, f"{batch.file_name} was already imported ({batch.created_count} {plural}).")
    else:
        messages.success(request, f"Imported {batch.created_count} {plural} from {batch.file_name}.")
    return redirect(reverse("audits:detail", args=[audit.pk]) + f"#{AUDIT_TABS[batch.kind]}")


@login_required
@require_POST
def import_cancel(request, pk, batch_id):
    """Abandon a previewed batch; nothing was written to the audit."""
    audit = _importingaudit_or_404(request, pk)
    batch = _batch(request, audit, batch_id)
    try:
        imports.import_cancel(batch=batch)
    except imports.ImportRefused as error:
        messages.error(request, str(error))
        return redirect("audits:import_preview", pk=audit.pk, batch_id=batch.pk)
    messages.info(request, f"Import of {batch.file_name} cancelled; nothing was imported.")
    return redirect(reverse("audits:import_upload", args=[audit.pk]) + f"?kind={batch.kind}")


@login_required
@require_safe
def import_template(request, pk, kind, extension):
    """The template of one kind: a CSV header, or an XLSX workbook with a Help sheet."""
    audit = audit_or_404(request, pk)
    kind = _kind(kind)
    if extension not in ("csv", "xlsx"):
        raise Http404("Templates are CSV or XLSX.")
    if extension == "csv":
        response = HttpResponse(imports.template_csv(kind=kind), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            imports.template_xlsx(kind=kind, audit=audit),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{imports.template_filename(kind, extension)}"'
    return response
