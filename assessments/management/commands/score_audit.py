import time

from django.core.management.base import BaseCommand, CommandError

from assessments.management.commands.score_region_set import report_run
from assessments.models import Methodology
from assessments.services import ScoringError
from assessments.services.runs import score_run_request
from audits.models import Audit


class Command(BaseCommand):
    help = "Score an audit's candidate clusters against its region set and wait for the result."

    def add_arguments(self, parser):
        parser.add_argument("audit_id", type=int)
        parser.add_argument("--methodology-id", type=int, help="A methodology visible to the audit's organisation.")
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--no-wait", action="store_true")
        parser.add_argument("--timeout", type=int, default=600)

    def handle(self, *args, audit_id, methodology_id=None, force=False, no_wait=False, timeout=600, **options):
        audit = Audit.objects.select_related("organisation", "region_set").filter(pk=audit_id).first()
        if audit is None:
            raise CommandError(f"No audit {audit_id}.")
        methodology = None
        if methodology_id:
            methodology = (
                Methodology.objects.filter(pk=methodology_id)
                .filter(organisation__in=[None, audit.organisation_id])
                .first()
                or Methodology.objects.filter(pk=methodology_id, organisation__isnull=True).first()
            )
            if methodology is None:
                raise CommandError(f"Methodology {methodology_id} is not available to {audit.organisation}.")
        started = time.perf_counter()
        try:
            run, created = score_run_request(audit=audit, methodology=methodology, trigger="command", force=force)
        except ScoringError as error:
            raise CommandError(str(error)) from error
        report_run(self, run, created, started, no_wait, timeout)
