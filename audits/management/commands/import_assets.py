from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audits import imports
from audits.models import Audit, ImportKind, ImportStatus


class Command(BaseCommand):
    help = (
        "Import anchors, stakeholders, partnerships or economic observations into an audit from a CSV or XLSX "
        "file, through the same checks as the upload page; nothing is written if any row or the file is invalid. "
        "With --template, print the template's CSV header."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The .csv or .xlsx file to import.")
        parser.add_argument("--audit", type=int, help="The audit's id.")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--user", help="Username recorded as the importer (and in the history).")
        parser.add_argument("--template", action="store_true", help="Print the template's header row and exit.")

    def handle(self, *args, file, audit, kind, user, template, **options):
        if template:
            self.stdout.write(imports.template_csv(kind=kind), ending="")
            return
        if not file or audit is None:
            raise CommandError("Give --audit AUDIT_ID and the FILE to import (or --template).")
        audit_obj = Audit.objects.select_related("organisation", "region", "region_set").filter(pk=audit).first()
        if audit_obj is None:
            raise CommandError(f"No audit {audit}.")
        user_obj = None
        if user:
            user_obj = get_user_model().objects.filter(username=user).first()
            if user_obj is None or not audit_obj.organisation.has_role(user_obj, "officer"):
                raise CommandError(f"{user} is not an officer, reviewer or admin of {audit_obj.organisation}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.")
        problems = []
        with path.open("rb") as handle, transaction.atomic():
            try:
                batch = imports.import_preview(
                    audit=audit_obj, kind=kind, uploaded_file=File(handle, name=path.name), user=user_obj
                )
                if batch.status == ImportStatus.REJECTED:
                    problems = [f"{path.name}: {error}" for error in batch.errors]
                elif batch.error_count:
                    problems = self._row_errors(batch)
                else:
                    batch = imports.import_commit(batch=batch, user=user_obj)
            except imports.ImportRefused as error:
                problems = [str(error)]
            if problems:
                transaction.set_rollback(True)  # the command writes nothing, not even the batch record
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"Nothing was imported: {len(problems)} problem{'s' if len(problems) != 1 else ''}.")
        plural = imports.importer_for(kind=kind, audit=audit_obj).plural
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {batch.created_count} {plural} from {path.name} into audit {audit_obj.pk} "
                f"({audit_obj.title}); batch {batch.pk}."
            )
        )

    @staticmethod
    def _row_errors(batch):
        lines = []
        for row in batch.rows.exclude(errors={}).order_by("line"):
            for column, messages in row.errors.items():
                where = "row" if column == imports.ROW else column
                lines.extend(f"line {row.line}, {where}: {message}" for message in messages)
        return lines
