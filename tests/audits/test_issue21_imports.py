"""Issue 21, points 9 and 10: import dates are YYYY-MM-DD or a row error; errors name the allowed values and the
nearest; the preview offers a corrected upload; the anchors, stakeholders and partnerships steps offer import."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audits import imports
from regions.models import RegionSet
from stakeholders.models import Partnership
from tests.factories import AuditFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

PARTNERSHIP_HEADER = ["source", "target", "kind", "strength", "started_on", "description"]


@pytest.fixture
def audit(organisation):
    region_set = RegionSet.objects.get(slug="uk-nuts2")
    audit = AuditFactory(organisation=organisation, region_set=region_set, region=region_set.regions.get(code="UKG3"))
    StakeholderFactory(audit=audit, name="Innovate Ltd")
    StakeholderFactory(audit=audit, name="Fund Co", group="capital")
    return audit


def csv_file(rows):
    return "\n".join(",".join(str(cell) for cell in row) for row in rows).encode()


def xlsx_file(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def preview(audit, kind, name, content):
    return imports.import_preview(audit=audit, kind=kind, uploaded_file=SimpleUploadedFile(name, content), user=None)


def errors(batch):
    return {row.line: row.errors for row in batch.rows.all()}


# --- Point 9 -------------------------------------------------------------------------------------------------


def test_an_ambiguous_date_is_a_row_error_naming_the_format(audit):
    batch = preview(audit, "partnerships", "p.csv", csv_file([
        PARTNERSHIP_HEADER, ["Innovate Ltd", "Fund Co", "investment", "3", "01/02/2024", ""]]))  # fmt: skip
    assert batch.error_count == 1
    (message,) = errors(batch)[2]["started_on"]
    assert "YYYY-MM-DD" in message and "01/02/2024" in message


def test_iso_dates_and_real_date_cells_still_import(audit):
    batch = preview(audit, "partnerships", "p.csv", csv_file([
        PARTNERSHIP_HEADER, ["Innovate Ltd", "Fund Co", "investment", "3", "2024-02-01", ""]]))  # fmt: skip
    assert batch.error_count == 0
    imports.import_commit(batch=batch, user=None)
    assert Partnership.objects.get(audit=audit).started_on == datetime.date(2024, 2, 1)

    Partnership.objects.all().delete()
    cell = datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC).replace(tzinfo=None)  # a date cell, as Excel has it
    rows = [PARTNERSHIP_HEADER, ["Innovate Ltd", "Fund Co", "investment", 3, cell, None]]
    batch = preview(audit, "partnerships", "p.xlsx", xlsx_file(rows))
    assert batch.error_count == 0, errors(batch)
    imports.import_commit(batch=batch, user=None)
    assert Partnership.objects.get(audit=audit).started_on == datetime.date(2024, 2, 1)


# --- Point 10 ------------------------------------------------------------------------------------------------


def test_a_wrong_choice_names_the_allowed_values_and_the_nearest(audit):
    header = list(imports.StakeholderImporter.columns)
    row = dict.fromkeys(header, "")
    row.update(name="Spark", group="Startup")
    batch = preview(audit, "stakeholders", "s.csv", csv_file([header, [row[c] for c in header]]))
    (message,) = errors(batch)[2]["group"]
    assert "'Startup' is not an allowed value" in message
    assert "Did you mean 'entrepreneurship'?" in message
    assert "corporate, capital, government, academia, entrepreneurship" in message


def test_a_misspelt_choice_suggests_its_value(audit):
    header = list(imports.AnchorImporter.columns)
    row = dict.fromkeys(header, "")
    row.update(name="Lab", anchor_type="Research center")
    batch = preview(audit, "anchors", "a.csv", csv_file([header, [row[c] for c in header]]))
    (message,) = errors(batch)[2]["anchor_type"]
    assert "Did you mean 'research_centre'?" in message and "university" in message


def test_an_unknown_cluster_suggests_the_closest_names(audit):
    header = list(imports.AnchorImporter.columns)
    row = dict.fromkeys(header, "")
    row.update(name="Lab", anchor_type="university", clusters="fintec")
    batch = preview(audit, "anchors", "a.csv", csv_file([header, [row[c] for c in header]]))
    (message,) = errors(batch)[2]["clusters"]
    assert message.startswith("Unknown cluster 'fintec'. Closest: fintech (FinTech)")


def test_the_preview_offers_a_corrected_upload(client, owner, audit):
    client.force_login(owner)
    batch = preview(audit, "partnerships", "p.csv", csv_file([
        PARTNERSHIP_HEADER, ["Innovate Ltd", "Fund Co", "investment", "3", "01/02/2024", ""]]))  # fmt: skip
    response = client.get(reverse("audits:import_preview", args=[audit.pk, batch.pk]))
    content = response.content.decode()
    assert "Upload a corrected file" in content and 'data-testid="corrected-upload"' in content
    fixed = SimpleUploadedFile("p.csv", csv_file([
        PARTNERSHIP_HEADER, ["Innovate Ltd", "Fund Co", "investment", "3", "2024-02-01", ""]]))  # fmt: skip
    response = client.post(reverse("audits:import_upload", args=[audit.pk]), {"kind": "partnerships", "file": fixed})
    assert response.status_code == 302
    assert audit.import_batches.order_by("-pk").first().error_count == 0


@pytest.mark.parametrize("step", ["anchors", "stakeholders", "partnerships"])
def test_the_asset_steps_offer_import(client, owner, member, audit, step):
    client.force_login(owner)
    content = client.get(reverse("audits:edit_step", args=[audit.pk, step])).content.decode()
    assert f"{reverse('audits:import_upload', args=[audit.pk])}?kind={step}" in content
    client.force_login(member)  # a viewer cannot import
    content = client.get(reverse("audits:edit_step", args=[audit.pk, step])).content.decode()
    assert f'data-testid="import-{step}"' not in content
