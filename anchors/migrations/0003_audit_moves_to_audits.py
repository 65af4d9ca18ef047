"""Audit foreign keys point at ``audits.Audit`` (state only: the column and its table are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('anchors', '0002_initial'),
        ('audits', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='anchorinstitution',
                    name='audit',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='anchors', to='audits.audit'),
                ),
                migrations.AlterField(
                    model_name='historicalanchorinstitution',
                    name='audit',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audits.audit'),
                ),
            ],
        ),
    ]
