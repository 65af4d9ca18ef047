"""Audits and their children move from ``assessments`` to this app: the tables stay (``assessments_audit``, ...),
only Django's state and the content types change."""

import core.fields
import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.migration_helpers import move_content_types

MODELS = [
    "audit", "auditcluster", "marketforecast", "priorityframework", "priorityitem", "trendrating",
    "importbatch", "importrow", "historicalaudit", "historicalauditcluster", "historicalmarketforecast",
    "historicaltrendrating",
]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('assessments', '0002_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('clusters', '0002_initial'),
        ('core', '0003_move_api_keys_and_webhooks'),
        ('regions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Audit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('title', models.CharField(max_length=200)),
                        ('year', models.PositiveSmallIntegerField()),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('approved', 'Approved'), ('returned', 'Returned')], default='draft', max_length=20)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('summary', models.TextField(blank=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('approved_at', models.DateTimeField(blank=True, null=True)),
                        ('review_comment', models.TextField(blank=True)),
                        ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='audits', to='core.organisation')),
                        ('previous', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='successors', to='audits.audit')),
                        ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='audits', to='regions.region')),
                        ('region_set', models.ForeignKey(help_text='The peer group for scoring.', on_delete=django.db.models.deletion.PROTECT, related_name='audits', to='regions.regionset')),
                        ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'assessments_audit',
                        'ordering': ['-year', 'title'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditCluster',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('revision', models.PositiveIntegerField(default=1, editable=False)),
                        ('relevant_graduates', models.PositiveIntegerField(blank=True, help_text='Per year.', null=True)),
                        ('patents', models.PositiveIntegerField(blank=True, help_text='Per year.', null=True)),
                        ('research_spend', models.DecimalField(blank=True, decimal_places=2, help_text='Annual, in millions.', max_digits=14, null=True)),
                        ('investment_amount', models.DecimalField(blank=True, decimal_places=2, help_text='Venture investment, last year, millions.', max_digits=14, null=True)),
                        ('investment_deals', models.PositiveIntegerField(blank=True, null=True)),
                        ('investment_growth', models.FloatField(blank=True, help_text='Year-on-year change, e.g. 0.12 for +12%.', null=True)),
                        ('notes', models.TextField(blank=True)),
                        ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='candidate_clusters', to='audits.audit')),
                        ('cluster', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clusters.clusterdefinition')),
                    ],
                    options={
                        'db_table': 'assessments_auditcluster',
                        'ordering': ['cluster__name'],
                    },
                ),
                migrations.AddField(
                    model_name='audit',
                    name='clusters',
                    field=models.ManyToManyField(blank=True, related_name='audits', through='audits.AuditCluster', to='clusters.clusterdefinition'),
                ),
                migrations.CreateModel(
                    name='HistoricalAudit',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('title', models.CharField(max_length=200)),
                        ('year', models.PositiveSmallIntegerField()),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('approved', 'Approved'), ('returned', 'Returned')], default='draft', max_length=20)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('summary', models.TextField(blank=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('approved_at', models.DateTimeField(blank=True, null=True)),
                        ('review_comment', models.TextField(blank=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('approved_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.organisation')),
                        ('previous', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audits.audit')),
                        ('region', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='regions.region')),
                        ('region_set', models.ForeignKey(blank=True, db_constraint=False, help_text='The peer group for scoring.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='regions.regionset')),
                        ('submitted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical audit',
                        'verbose_name_plural': 'historical audits',
                        'db_table': 'assessments_historicalaudit',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalAuditCluster',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('revision', models.PositiveIntegerField(default=1, editable=False)),
                        ('relevant_graduates', models.PositiveIntegerField(blank=True, help_text='Per year.', null=True)),
                        ('patents', models.PositiveIntegerField(blank=True, help_text='Per year.', null=True)),
                        ('research_spend', models.DecimalField(blank=True, decimal_places=2, help_text='Annual, in millions.', max_digits=14, null=True)),
                        ('investment_amount', models.DecimalField(blank=True, decimal_places=2, help_text='Venture investment, last year, millions.', max_digits=14, null=True)),
                        ('investment_deals', models.PositiveIntegerField(blank=True, null=True)),
                        ('investment_growth', models.FloatField(blank=True, help_text='Year-on-year change, e.g. 0.12 for +12%.', null=True)),
                        ('notes', models.TextField(blank=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('audit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audits.audit')),
                        ('cluster', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='clusters.clusterdefinition')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical audit cluster',
                        'verbose_name_plural': 'historical audit clusters',
                        'db_table': 'assessments_historicalauditcluster',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalMarketForecast',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('revision', models.PositiveIntegerField(default=1, editable=False)),
                        ('metric', models.CharField(default='gva', help_text='gva, employment, turnover, ...', max_length=40)),
                        ('unit', models.CharField(default='GBP m', max_length=20)),
                        ('base_year', models.PositiveSmallIntegerField()),
                        ('base_value', models.FloatField(validators=[django.core.validators.MinValueValidator(0)])),
                        ('target_year', models.PositiveSmallIntegerField()),
                        ('target_value', models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(0)])),
                        ('growth_rate', models.FloatField(blank=True, help_text='Stated annual growth, e.g. 0.10 for 10% a year, when the source gives no target value.', null=True, validators=[django.core.validators.MinValueValidator(-0.5), django.core.validators.MaxValueValidator(1.0)])),
                        ('source', models.CharField(max_length=300)),
                        ('source_url', core.fields.LinkField(blank=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('audit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audits.audit')),
                        ('cluster', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='clusters.clusterdefinition')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical market forecast',
                        'verbose_name_plural': 'historical market forecasts',
                        'db_table': 'assessments_historicalmarketforecast',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalTrendRating',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('revision', models.PositiveIntegerField(default=1, editable=False)),
                        ('theme', models.CharField(help_text='e.g. productivity, open data, sustainability.', max_length=80)),
                        ('rating', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('evidence', models.TextField(blank=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('audit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='audits.audit')),
                        ('cluster', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='clusters.clusterdefinition')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical trend rating',
                        'verbose_name_plural': 'historical trend ratings',
                        'db_table': 'assessments_historicaltrendrating',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='ImportBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('kind', models.CharField(choices=[('anchors', 'Anchor institutions'), ('stakeholders', 'Stakeholders'), ('partnerships', 'Partnerships'), ('observations', 'Economic observations')], max_length=20)),
                        ('status', models.CharField(choices=[('previewed', 'Previewed'), ('committed', 'Committed'), ('rejected', 'Rejected'), ('cancelled', 'Cancelled')], default='previewed', max_length=20)),
                        ('file_name', models.CharField(max_length=255)),
                        ('file_size', models.PositiveIntegerField(default=0)),
                        ('row_count', models.PositiveIntegerField(default=0)),
                        ('error_count', models.PositiveIntegerField(default=0)),
                        ('errors', models.JSONField(blank=True, default=list, help_text='File-level errors.')),
                        ('committed_at', models.DateTimeField(blank=True, null=True)),
                        ('created_count', models.PositiveIntegerField(default=0)),
                        ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_batches', to='audits.audit')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_batches', to='core.organisation')),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'assessments_importbatch',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line', models.PositiveIntegerField()),
                        ('data', models.JSONField(default=dict)),
                        ('errors', models.JSONField(blank=True, default=dict)),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='audits.importbatch')),
                    ],
                    options={
                        'db_table': 'assessments_importrow',
                        'ordering': ['line'],
                    },
                ),
                migrations.CreateModel(
                    name='MarketForecast',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('revision', models.PositiveIntegerField(default=1, editable=False)),
                        ('metric', models.CharField(default='gva', help_text='gva, employment, turnover, ...', max_length=40)),
                        ('unit', models.CharField(default='GBP m', max_length=20)),
                        ('base_year', models.PositiveSmallIntegerField()),
                        ('base_value', models.FloatField(validators=[django.core.validators.MinValueValidator(0)])),
                        ('target_year', models.PositiveSmallIntegerField()),
                        ('target_value', models.FloatField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(0)])),
                        ('growth_rate', models.FloatField(blank=True, help_text='Stated annual growth, e.g. 0.10 for 10% a year, when the source gives no target value.', null=True, validators=[django.core.validators.MinValueValidator(-0.5), django.core.validators.MaxValueValidator(1.0)])),
                        ('source', models.CharField(max_length=300)),
                        ('source_url', core.fields.LinkField(blank=True)),
                        ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='forecasts', to='audits.audit')),
                        ('cluster', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clusters.clusterdefinition')),
                    ],
                    options={
                        'db_table': 'assessments_marketforecast',
                    },
                ),
                migrations.CreateModel(
                    name='PriorityFramework',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('slug', models.SlugField(max_length=80)),
                        ('name', models.CharField(max_length=200)),
                        ('publisher', models.CharField(blank=True, max_length=200)),
                        ('year', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('source_url', core.fields.LinkField(blank=True)),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='priority_frameworks', to='core.organisation')),
                    ],
                    options={
                        'db_table': 'assessments_priorityframework',
                        'ordering': ['name'],
                    },
                ),
                migrations.AddField(
                    model_name='audit',
                    name='priority_frameworks',
                    field=models.ManyToManyField(blank=True, related_name='audits', to='audits.priorityframework'),
                ),
                migrations.CreateModel(
                    name='PriorityItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('label', models.CharField(blank=True, help_text="The framework's own name for the priority.", max_length=200)),
                        ('weight', models.FloatField(default=1.0, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)])),
                        ('cluster', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clusters.clusterdefinition')),
                        ('framework', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='audits.priorityframework')),
                    ],
                    options={
                        'db_table': 'assessments_priorityitem',
                    },
                ),
                migrations.CreateModel(
                    name='TrendRating',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('revision', models.PositiveIntegerField(default=1, editable=False)),
                        ('theme', models.CharField(help_text='e.g. productivity, open data, sustainability.', max_length=80)),
                        ('rating', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('evidence', models.TextField(blank=True)),
                        ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='trend_ratings', to='audits.audit')),
                        ('cluster', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clusters.clusterdefinition')),
                    ],
                    options={
                        'db_table': 'assessments_trendrating',
                        'ordering': ['cluster', 'theme'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='auditcluster',
                    constraint=models.UniqueConstraint(fields=('audit', 'cluster'), name='unique_audit_cluster'),
                ),
                migrations.AddConstraint(
                    model_name='importrow',
                    constraint=models.UniqueConstraint(fields=('batch', 'line'), name='unique_import_row'),
                ),
                migrations.AddConstraint(
                    model_name='marketforecast',
                    constraint=models.CheckConstraint(condition=models.Q(('target_year__gt', models.F('base_year'))), name='forecast_target_after_base'),
                ),
                migrations.AddConstraint(
                    model_name='marketforecast',
                    constraint=models.CheckConstraint(condition=models.Q(('target_value__isnull', False), ('growth_rate__isnull', False), _connector='OR'), name='forecast_has_target_or_rate'),
                ),
                migrations.AddConstraint(
                    model_name='priorityframework',
                    constraint=models.UniqueConstraint(fields=('organisation', 'slug'), name='unique_priority_framework'),
                ),
                migrations.AddConstraint(
                    model_name='priorityframework',
                    constraint=models.UniqueConstraint(condition=models.Q(('organisation__isnull', True)), fields=('slug',), name='unique_public_priority_framework'),
                ),
                migrations.AddConstraint(
                    model_name='priorityitem',
                    constraint=models.UniqueConstraint(fields=('framework', 'cluster'), name='unique_priority_item'),
                ),
                migrations.AddConstraint(
                    model_name='trendrating',
                    constraint=models.UniqueConstraint(fields=('audit', 'cluster', 'theme'), name='unique_trend_rating'),
                ),
                migrations.AddConstraint(
                    model_name='trendrating',
                    constraint=models.CheckConstraint(condition=models.Q(('rating__gte', 1), ('rating__lte', 5)), name='trend_rating_range'),
                ),
            ],
        ),
        migrations.RunPython(*move_content_types("assessments", "audits", MODELS)),
    ]
