"""API keys and webhooks now live in ``integrations`` (state only: their tables are kept)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_api_keys_webhooks"),
        ("integrations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="Webhook"),
                migrations.DeleteModel(name="APIKey"),
            ],
            database_operations=[],
        ),
    ]
