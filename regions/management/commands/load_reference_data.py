"""``manage.py load_reference_data``: load classifications, clusters, regions, statistics and anchor candidates.

A thin wrapper over ``regions.loaders.run``; see fixtures/PROVENANCE.md for what each dataset is.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from regions import loaders


class Command(BaseCommand):
    help = "Load the public reference data from fixtures/ (idempotent: unchanged datasets are skipped)."

    def add_arguments(self, parser):
        parser.add_argument("--fixtures-dir", help="Directory holding the fixture files (default: <project>/fixtures).")
        parser.add_argument(
            "--only", nargs="+", metavar="SLUG", help="Load only these datasets (and prerequisites never loaded)."
        )
        parser.add_argument("--force", action="store_true", help="Reload even datasets whose files are unchanged.")
        parser.add_argument("--list", action="store_true", help="List the dataset slugs and exit.")

    def handle(self, *args, fixtures_dir=None, only=None, force=False, verbosity=1, **options):
        if options["list"]:
            for loader in loaders.LOADERS:
                self.stdout.write(f"{loader.slug:32} {loader.name}")
            return
        started = time.perf_counter()

        def report(result):
            if verbosity >= 1:
                status = self.style.SUCCESS(result.status) if result.status == "loaded" else result.status
                self.stdout.write(f"{result.slug:32} {status:>9} {result.rows:>9,} rows {result.seconds:7.2f} s")

        try:
            results = loaders.run(fixtures_dir=fixtures_dir, only=only or (), force=force, report=report)
        except (loaders.LoadError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            loaded = [r for r in results if r.status == "loaded"]
            total_rows = sum(r.rows for r in loaded)
            self.stdout.write(
                f"Total: {len(loaded)} loaded ({total_rows:,} rows), {len(results) - len(loaded)} unchanged "
                f"in {time.perf_counter() - started:.2f} s"
            )
