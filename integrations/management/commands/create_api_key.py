from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import Organisation
from integrations.models import APIKeyScope
from integrations.services import api_key_create


class Command(BaseCommand):
    help = "Make an API key for an organisation and print it (it is shown only this once; only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. the partner system's name.")
        parser.add_argument("--scope", choices=APIKeyScope.values, default=APIKeyScope.READ, help="Default: read.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Expire the key after N days.")
        parser.add_argument("--quiet", action="store_true", help="Print only the key (for scripts).")

    def handle(self, *args, org, name, scope, expires_in_days, quiet, **options):
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)[:20]) or "none yet"
            raise CommandError(f"No organisation '{org}' (known: {known}).")
        if expires_in_days is not None and expires_in_days <= 0:
            raise CommandError("--expires-in-days must be a positive number of days.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            api_key, key = api_key_create(organisation=organisation, name=name, scope=scope, expires_at=expires_at)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        if quiet:
            self.stdout.write(key)
            return
        expiry = f", expires {api_key.expiry_date:%Y-%m-%d}" if api_key.expiry_date else ""
        self.stdout.write(
            f"API key '{api_key.name}' ({scope}{expiry}) for {organisation.name}, prefix {api_key.prefix}:"
        )
        self.stdout.write(key)
        self.stdout.write("Store it now: it cannot be shown again. Send it as 'Authorization: Api-Key <key>'.")
