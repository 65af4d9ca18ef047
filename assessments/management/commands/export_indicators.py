from django.core.management.base import BaseCommand, CommandError

from assessments.reports.indicators import NoRun, export_indicators, latest_region_set_run
from regions.models import RegionSet


class Command(BaseCommand):
    help = "Write one CSV row per region × cluster of a region set's latest succeeded run."

    def add_arguments(self, parser):
        parser.add_argument("--region-set", required=True)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--output", required=True, help="CSV file to write ('-' for standard output).")

    def handle(self, *args, region_set, year, output, **options):
        region_set_obj = RegionSet.objects.filter(slug=region_set).first()
        if region_set_obj is None:
            raise CommandError(f"No region set '{region_set}'.")
        try:
            run = latest_region_set_run(region_set=region_set_obj, year=year)
        except NoRun as error:
            raise CommandError(str(error)) from error
        if output == "-":
            count = export_indicators(self.stdout, run)
        else:
            with open(output, "w", newline="", encoding="utf-8") as handle:
                count = export_indicators(handle, run)
        self.stderr.write(f"Wrote {count} rows from run {run.pk} ({run.methodology.label}) to {output}.")
