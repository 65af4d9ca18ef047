from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.models import Organisation, Role
from core.services import membership_set


class Command(BaseCommand):
    help = "Add a user to an organisation with a role (creating the user if needed), or change their role."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="Set this password (validated). Without it a new user cannot log in.")
        parser.add_argument("--email", default="")

    def handle(self, *args, org, username, role, password=None, email="", **options):
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug '{org}'. Create it with create_organisation.")
        try:
            membership, user_created = membership_set(
                organisation=organisation, username=username, role=role, password=password, email=email
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        who = "new user" if user_created else "user"
        self.stdout.write(f"{who} '{username}' is {membership.role} of '{organisation.slug}'.")
        if user_created and password is None:
            self.stdout.write("No password set: run again with --password to let them log in.")
