"""An existing database upgrades across the move of the audit models from ``assessments`` to ``audits``.

The move changes Django's state only: a database built at the schema before the move, with rows in it, migrates
forward and keeps every row, every foreign key and its content types (relabelled to the new app).
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [
    ("core", "0003_move_api_keys_and_webhooks"),
    ("integrations", "0001_initial"),
    ("regions", "0001_initial"),
    ("clusters", "0002_initial"),
    ("anchors", "0002_initial"),
    ("stakeholders", "0001_initial"),
    ("assessments", "0002_initial"),
    ("audits", None),
]
MOVED = ["audit", "auditcluster", "marketforecast", "priorityframework", "trendrating", "importbatch"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _row_counts():
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if not t.startswith("django_migrations")]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected names)
            counts[table] = cursor.fetchone()[0]
    return counts


def _fill(apps):
    """One organisation's audit with a candidate cluster, an anchor, a stakeholder, a forecast, a framework, a
    trend rating, an import batch, a scenario and a score run, written with the models as they were."""
    get = apps.get_model
    organisation = get("core", "Organisation").objects.create(slug="acme", name="Acme")
    classification = get("regions", "Classification").objects.create(slug="naics", name="NAICS")
    region = get("regions", "Region").objects.create(scheme="state", code="25", name="Massachusetts")
    region_set = get("regions", "RegionSet").objects.create(slug="states", name="States", classification=classification)
    cluster = get("clusters", "ClusterDefinition").objects.create(
        slug="biopharma", code="6", name="Biopharmaceuticals", classification=classification
    )
    audit = get("assessments", "Audit").objects.create(
        organisation=organisation, title="Boston 2025", region=region, region_set=region_set, year=2025
    )
    get("assessments", "HistoricalAudit").objects.create(
        id=audit.pk, organisation=organisation, title=audit.title, region=region, region_set=region_set,
        year=2025, status="draft", version=1, created_at=audit.created_at, history_date=audit.created_at,
        history_type="+",
    )  # fmt: skip
    get("assessments", "AuditCluster").objects.create(audit=audit, cluster=cluster)
    get("anchors", "AnchorInstitution").objects.create(audit=audit, name="MIT", anchor_type="university")
    get("stakeholders", "Stakeholder").objects.create(audit=audit, name="Biogen", group="corporate")
    get("assessments", "MarketForecast").objects.create(
        audit=audit, cluster=cluster, metric="gva", base_year=2024, base_value=1.2, target_year=2033,
        target_value=1.5, source="roadmap",
    )  # fmt: skip
    framework = get("assessments", "PriorityFramework").objects.create(organisation=organisation, name="Industrial")
    audit.priority_frameworks.add(framework)
    get("assessments", "TrendRating").objects.create(audit=audit, cluster=cluster, theme="productivity", rating=4)
    get("assessments", "ImportBatch").objects.create(organisation=organisation, audit=audit, kind="anchors")
    methodology = get("assessments", "Methodology").objects.create(name="Default", spec={})
    scenario = get("assessments", "Scenario").objects.create(organisation=organisation, audit=audit, name="More jobs")
    get("assessments", "ScoreRun").objects.create(
        organisation=organisation, region_set=region_set, year=2025, methodology=methodology, audit=audit,
        scenario=scenario, fingerprint="f" * 64,
    )  # fmt: skip
    return audit.pk


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_row_when_an_existing_database_migrates_forward():
    old_apps = _migrate(BEFORE_THE_MOVE)
    audit_pk = _fill(old_apps)
    content_types = old_apps.get_model("contenttypes", "ContentType").objects
    content_types.filter(app_label="audits").delete()  # the test database was built at the head: as it was then
    for model in MOVED:
        content_types.get_or_create(app_label="assessments", model=model)
    before = _row_counts()

    new_apps = _migrate(None)

    after = _row_counts()
    assert {table: after.get(table) for table in before} == before
    assert all(after[table] == 0 for table in after.keys() - before.keys())  # tables of later migrations start empty
    audit = new_apps.get_model("audits", "Audit").objects.get(pk=audit_pk)
    assert audit.title == "Boston 2025"
    assert [c.slug for c in audit.clusters.all()] == ["biopharma"]
    assert [f.name for f in audit.priority_frameworks.all()] == ["Industrial"]
    assert audit.anchors.get().name == "MIT"
    assert audit.stakeholders.get().name == "Biogen"
    assert audit.runs.get().scenario.audit_id == audit_pk
    assert new_apps.get_model("audits", "HistoricalAudit").objects.get(id=audit_pk).title == "Boston 2025"
    labels = new_apps.get_model("contenttypes", "ContentType").objects.filter(model__in=MOVED)
    assert {(ct.app_label, ct.model) for ct in labels} == {("audits", model) for model in MOVED}
