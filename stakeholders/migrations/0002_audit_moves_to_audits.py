"""Audit foreign keys point at ``audits.Audit`` (state only: the column and its table are unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0001_initial'),
        ('stakeholders', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='historicalpartnership',
                    name='audit',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audits.audit'),
                ),
                migrations.AlterField(
                    model_name='historicalstakeholder',
                    name='audit',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audits.audit'),
                ),
                migrations.AlterField(
                    model_name='partnership',
                    name='audit',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='partnerships', to='audits.audit'),
                ),
                migrations.AlterField(
                    model_name='stakeholder',
                    name='audit',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stakeholders', to='audits.audit'),
                ),
            ],
        ),
    ]
