from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments.demo import organisation
from assessments.demo.loader import ReferenceDataMissing, demo_load


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
        self.stdout.write(
            f"Demo login: username '{result.username}', password '{result.password}' "
            f"(admin of '{result.organisation.slug}')."
        )
        self.stdout.write(f"Other demo users, same password: {', '.join(result.other_usernames)}.")
