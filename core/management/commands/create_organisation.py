from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.services import organisation_create


class Command(BaseCommand):
    help = "Create an organisation (a tenant)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="Short identifier, e.g. west-midlands.")
        parser.add_argument("--name", required=True, help="Display name.")

    def handle(self, *args, slug, name, **options):
        try:
            organisation, created = organisation_create(slug=slug, name=name)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        verb = "Created" if created else "Already exists:"
        self.stdout.write(f"{verb} organisation '{organisation.slug}' ({organisation.name}).")
