from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments.services import ScoringError
from assessments.services.runs import score_run_request
from demo import organisation
from demo.loader import ReferenceDataMissing, demo_load


class Command(BaseCommand):
    help = (
        "Create or refresh the demo organisation, its users and the two demo audits (Kendall Square and "
        "West Midlands ProfTech). Idempotent: a second run changes nothing. Needs load_reference_data first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--username", default=organisation.DEFAULT_USERNAME, help="The demo admin's username (default: demo)."
        )
        parser.add_argument(
            "--password",
            default=organisation.DEFAULT_PASSWORD,
            help=f"Password for every demo user (default: {organisation.DEFAULT_PASSWORD}). "
            "Override it on any site others can reach.",
        )
        parser.add_argument("--no-score", action="store_true", help="Load the data without scoring the audits.")

    def handle(self, *args, username, password, **options):
        try:
            result = demo_load(username=username, password=password)
        except ReferenceDataMissing as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error

        verbose = options["verbosity"] > 1
        created, updated, unchanged = result.tally.totals()
        if result.tally.changed_anything or verbose:
            for line in result.tally.lines():
                self.stdout.write(f"  {line}")
        if result.tally.changed_anything:
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded: {created} created, {updated} updated, {unchanged} unchanged.")
            )
        else:
            self.stdout.write(f"Demo data already up to date: nothing created or changed ({unchanged} rows checked).")
        for audit in result.audits:
            self.stdout.write(
                f"  Audit: {audit.title} ({audit.year}, {audit.region}) — {audit.anchors.count()} anchors, "
                f"{audit.stakeholders.count()} stakeholders, {audit.partnerships.count()} partnerships"
            )
            if not options["no_score"]:
                self._score(audit)
        self.stdout.write(
            f"Demo login: username '{result.username}', password '{result.password}' "
            f"(admin of '{result.organisation.slug}')."
        )
        self.stdout.write(f"Other demo users, same password: {', '.join(result.other_usernames)}.")

    def _score(self, audit):
        """Score a demo audit; identical inputs reuse the finished run, so a second load costs nothing here."""
        try:
            run, created = score_run_request(audit=audit, trigger="demo")
        except ScoringError as error:
            self.stderr.write(f"    not scored: {error}")
            return
        run.refresh_from_db()
        state = "scored" if created else "scores up to date"
        if run.is_active:
            state = "scoring queued (a worker will pick it up)"
        elif run.status != "succeeded":
            state = f"scoring {run.status}: {run.error}"
        self.stdout.write(f"    {state} (run {run.pk}, {run.methodology.label})")
