import time

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Methodology, ScoreRun
from assessments.services import ScoringError
from assessments.services.methodologies import methodology_default
from assessments.services.runs import score_run_request
from core.models import RunStatus
from regions.models import RegionSet


class Command(BaseCommand):
    help = "Score every region × cluster of a region set (public statistics only) and wait for the result."

    def add_arguments(self, parser):
        parser.add_argument("--region-set", required=True, help="Region set slug, e.g. us-msas.")
        parser.add_argument("--year", required=True, type=int, help="Latest statistics up to this year are used.")
        parser.add_argument("--methodology", help="Methodology name (default: the shipped default, latest version).")
        parser.add_argument("--force", action="store_true", help="Compute again even if identical scores exist.")
        parser.add_argument("--no-wait", action="store_true", help="Enqueue and return (with a worker running).")
        parser.add_argument("--timeout", type=int, default=600, help="Seconds to wait for the run.")

    def handle(self, *args, region_set, year, methodology=None, force=False, no_wait=False, timeout=600, **options):
        region_set_obj = RegionSet.objects.filter(slug=region_set).first()
        if region_set_obj is None:
            known = ", ".join(RegionSet.objects.values_list("slug", flat=True)) or "none (run load_reference_data)"
            raise CommandError(f"No region set '{region_set}'. Known: {known}.")
        if methodology:
            method = Methodology.objects.filter(name=methodology).order_by("organisation_id", "-version").first()
            if method is None:
                raise CommandError(f"No methodology named '{methodology}'.")
        else:
            method = methodology_default()
        started = time.perf_counter()
        try:
            run, created = score_run_request(
                region_set=region_set_obj, year=year, methodology=method, trigger="command", force=force
            )
        except ScoringError as error:
            raise CommandError(str(error)) from error
        report_run(self, run, created, started, no_wait, timeout)


def report_run(command, run, created, started, no_wait, timeout):
    """Wait for a run (unless asked not to) and print its outcome; shared by the scoring commands."""
    command.stdout.write(f"{'Started' if created else 'Reusing'} run {run.pk} ({run.status}).")
    if no_wait:
        return
    deadline = time.monotonic() + timeout
    while True:
        run = ScoreRun.objects.get(pk=run.pk)
        if not run.is_active or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    if run.status != RunStatus.SUCCEEDED:
        raise CommandError(f"Run {run.pk} {run.status}: {run.error or 'still running after the timeout'}")
    command.stdout.write(
        f"Run {run.pk} succeeded: {run.scores.count()} scores, statistics year {run.data_year}, "
        f"methodology {run.methodology.label}, {elapsed:.1f} s ({run.timings})."
    )
