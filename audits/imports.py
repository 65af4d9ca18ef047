"""Spreadsheet imports into an audit: anchors, stakeholders, partnerships and economic observations.

One path for the browser and the command line (``import_assets``):

* ``import_preview`` checks the file (``core.uploads``: size, type, archive limits, encoding, header, row count),
  validates every row through the same form as the audit editor (observations through
  ``ObservationImportForm``), finds duplicates within the file and against the audit, and stages the rows in
  an ``ImportBatch``. Nothing in the audit changes.
* ``import_commit`` writes a clean batch in one transaction, with the batch and the audit locked: it validates
  the rows again (the audit may have changed since the preview), saves each through its form with the
  history reason "imported from <file>", and bumps the audit's version. A second commit does nothing.
"""

import dataclasses
import difflib
import io
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from anchors.forms import AnchorInstitutionForm
from anchors.models import AnchorInstitution
from audits.models import Audit, ImportBatch, ImportKind, ImportRow, ImportStatus
from audits.services import audit_changed
from clusters.models import ClusterDefinition
from core.exports import safe_cell, write_csv
from core.uploads import DEFAULT_LIMITS, SheetRow, UploadError, clean_name, read_sheet, read_upload
from regions.codes import CodeError, normalise_code
from regions.models import Classification, Dataset, EconomicObservation, IndustryCode, Region
from stakeholders.forms import PartnershipForm, StakeholderForm, party_choices
from stakeholders.models import Partnership, Stakeholder

# The key of an error that concerns a row as a whole rather than one cell.
ROW = "__row__"
LIST_SEPARATOR = ";"
# A date is written YYYY-MM-DD (a date cell reads as that too); 01/02/2024 could be either day or month first.
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


class ImportRefused(Exception):
    """The import cannot go ahead (locked audit, rows with errors, already cancelled); the message says why."""


def _name_key(text):
    """Names compare without case or repeated spaces ("MIT " and "mit" are the same party)."""
    return " ".join(str(text).split()).casefold()


def _split(text):
    return [part.strip() for part in str(text).split(LIST_SEPARATOR) if part.strip()]


def choice_error(form_field, text):
    """The message for a value outside a choice field's values, with the nearest one (difflib) and the list."""
    values = [str(value) for value, _ in form_field.choices if value]
    spellings = {str(value).casefold(): str(value) for value in values}
    for value, label in form_field.choices:
        if value:
            spellings.setdefault(str(label).casefold(), str(value))
            for word in re.findall(r"[\w-]{4,}", str(label).casefold()):  # "start-ups" in a label answers "Startup"
                spellings.setdefault(word.replace("-", ""), str(value))
    close = difflib.get_close_matches(text.casefold(), list(spellings), n=1, cutoff=0.5)
    hint = f" Did you mean '{spellings[close[0]]}'?" if close else ""
    return f"'{text}' is not an allowed value.{hint} Allowed: {', '.join(values)}."


@dataclass(frozen=True)
class ColumnHelp:
    """What a template column holds: shown on the upload page and on the XLSX template's Help sheet."""

    name: str
    required: bool
    format: str
    allowed: str = ""
    description: str = ""


@dataclass
class RowResult:
    """A row after validation: its errors by column, and what saving it needs (a bound form or cleaned values)."""

    row: SheetRow
    errors: dict = field(default_factory=dict)
    payload: object = None
    key: object = None

    def add(self, column, message):
        self.errors.setdefault(column, []).append(message)


def _describe(form_field, model_field=None):
    """The format of a form field in words, and its allowed values when it has a fixed set.

    Bounds come from the form field and from the model field (a model's validators run in the form's clean too).
    """
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return "list", ""
    if isinstance(form_field, forms.ChoiceField):
        return "one of the allowed values", ", ".join(str(value) for value, _ in form_field.choices if value)
    bounds = []
    for validator in [*form_field.validators, *getattr(model_field, "validators", [])]:
        # (The database's own integer range, e.g. ≤ 9223372036854775807, says nothing to a user.)
        if isinstance(validator, MinValueValidator | MaxValueValidator) and abs(validator.limit_value) < 2**31 - 1:
            bound = f"{'≥' if isinstance(validator, MinValueValidator) else '≤'} {validator.limit_value}"
            if bound not in bounds:
                bounds.append(bound)
    suffix = f" ({', '.join(bounds)})" if bounds else ""
    if isinstance(form_field, forms.DecimalField | forms.FloatField):  # both subclass IntegerField
        return f"number{suffix}", ""
    if isinstance(form_field, forms.IntegerField):
        return f"whole number{suffix}", ""
    if isinstance(form_field, forms.URLField):
        return "http(s) link", ""
    if isinstance(form_field, forms.DateField):
        return "date, YYYY-MM-DD", ""
    if isinstance(form_field, forms.CharField) and form_field.max_length:
        return f"text, up to {form_field.max_length} characters", ""
    return "text", ""


class Importer:
    """What one kind of import needs: its columns, how a row validates, what duplicates it, how it is saved."""

    kind = ""
    noun = ""  # singular, for messages
    plural = ""
    columns = ()
    duplicate_column = ROW
    # Each asset row goes through its form (a few queries): about 5 ms to preview and 9 ms to commit on SQLite,
    # so a request stays within seconds. Observations validate from cached lookups and may be longer.
    max_rows = 1000

    def __init__(self, audit):
        self.audit = audit

    # -- help ------------------------------------------------------------------------------------------

    def column_help(self):
        raise NotImplementedError

    def reference_lists(self):
        """Extra tables for the Help sheet and the upload page: ``[(title, [(value, meaning)])]``."""
        return []

    # -- validation ------------------------------------------------------------------------------------

    def validate(self, row):
        """A ``RowResult`` for ``row`` with every error the form finds, and the row's duplicate key."""
        raise NotImplementedError

    def existing(self):
        """``{duplicate key: description}`` of the records already in the audit."""
        return {}

    def validate_all(self, rows):
        """Validate every row, then mark duplicates within the file and against the audit (naming both sides)."""
        results = []
        first_line = {}
        existing = self.existing()
        for row in rows:
            result = self.validate(row)
            if row.problem:
                result.add(ROW, row.problem)
            if result.key is not None:
                if result.key in first_line:
                    result.add(self.duplicate_column, f"Duplicates line {first_line[result.key]} of this file.")
                else:
                    first_line[result.key] = row.line
                    if result.key in existing:
                        result.add(self.duplicate_column, f"Already in this audit: {existing[result.key]}.")
            results.append(result)
        return results

    # -- saving ----------------------------------------------------------------------------------------

    def save_all(self, results, *, batch, user, reason):
        """Create a record per row; returns how many were created."""
        for result in results:
            instance = result.payload.save(commit=False)
            instance._change_reason = reason
            if user is not None:
                instance._history_user = user
            instance.save()
            result.payload.save_m2m()
        return len(results)


class FormImporter(Importer):
    """Rows validated by one of the audit's asset forms (the same rules as the editor and the API)."""

    form_class = None
    # Columns holding lists separated by ";".
    list_columns = ()

    def column_help(self):
        rows = []
        model = self.form_class._meta.model
        for name in self.columns:
            form_field = self.form_class.base_fields[name]
            model_field = next((f for f in model._meta.get_fields() if f.name == name), None)
            fmt, allowed = _describe(form_field, model_field)
            required = form_field.required and name != "clusters"
            description = str(form_field.help_text or "")
            if name == "clusters":
                fmt = "cluster codes or slugs separated by ;"
                allowed = "see “Clusters” below"
                description = "The clusters it serves, e.g. 5; fintech."
            elif name == "evidence":
                fmt = "http(s) links separated by ;"
            elif form_field.initial is not None and not callable(form_field.initial):
                description = f"{description} Blank means {form_field.initial}.".strip()
            rows.append(ColumnHelp(name, required, fmt, allowed, description))
        return rows

    def reference_lists(self):
        clusters = [(cluster.slug, f"{cluster.name} (code {cluster.code})") for cluster in self._clusters()]
        return [("Clusters", clusters)]

    # -- lookups ---------------------------------------------------------------------------------------

    def _clusters(self):
        if not hasattr(self, "_cluster_list"):
            # The same scope as the form's cluster field: public definitions and the organisation's own.
            self._cluster_list = list(
                ClusterDefinition.objects.filter(organisation__isnull=True)
                | ClusterDefinition.objects.filter(organisation=self.audit.organisation)
            )
        return self._cluster_list

    def _resolve_cluster(self, token):
        """The cluster a token names (slug first, then code); ``(pk, None)`` or ``(None, message)``."""
        token_key = token.casefold()
        clusters = self._clusters()
        for attribute in ("slug", "code"):
            found = [c for c in clusters if str(getattr(c, attribute)).casefold() == token_key]
            if len(found) > 1:
                own = [c for c in found if c.organisation_id == self.audit.organisation_id]
                found = own if len(own) == 1 else found
            if len(found) == 1:
                return found[0].pk, None
            if found:
                names = ", ".join(c.name for c in found)
                return None, f"'{token}' matches several clusters ({names}); use the slug."
        by_word = {}
        for cluster in clusters:
            for word in (cluster.slug, cluster.name, str(cluster.code)):
                by_word.setdefault(word.casefold(), cluster)
        close = []
        for word in difflib.get_close_matches(token_key, list(by_word), n=6, cutoff=0.6):
            if by_word[word] not in close:
                close.append(by_word[word])
        hint = "; ".join(f"{c.slug} ({c.name})" for c in close[:3])
        return None, f"Unknown cluster '{token}'." + (f" Closest: {hint}." if hint else " See the Clusters list.")

    def _choice_value(self, form_field, text):
        """Accept a choice by its value or its label, in any case ("Research centre" → "research_centre")."""
        wanted = text.casefold()
        for value, label in form_field.choices:
            if value and wanted in (str(value).casefold(), str(label).casefold()):
                return value
        return None

    def form_data(self, row, result):
        """The row as form data; problems only the import can have (unknown list items) go on ``result``."""
        data = {}
        for name in self.columns:
            text = row.values.get(name, "")
            form_field = self.form_class.base_fields[name]
            if name == "clusters":
                pks = []
                for token in _split(text):
                    pk, message = self._resolve_cluster(token)
                    if message:
                        result.add(name, message)
                    else:
                        pks.append(pk)
                data[name] = pks
            elif isinstance(form_field, forms.DateField) and text:
                match = ISO_DATE.fullmatch(text)
                if match is None:
                    result.add(name, f"Write the date as YYYY-MM-DD (e.g. 2024-02-01), not '{text}'.")
                data[name] = match.group(1) if match else ""
            elif (
                isinstance(form_field, forms.ChoiceField)
                and not isinstance(form_field, forms.ModelChoiceField)
                and any(value for value, _ in form_field.choices)  # (a partnership's parties are set per audit)
            ):
                value = self._choice_value(form_field, text) if text else text
                if value is None:
                    result.add(name, choice_error(form_field, text))
                data[name] = text if value is None else value
            elif not text and form_field.initial is not None and not callable(form_field.initial):
                data[name] = form_field.initial  # what the editor's form would show in the blank field
            else:
                data[name] = text
        return data

    def make_form(self, data):
        return self.form_class(data=data, audit=self.audit)

    def validate(self, row):
        result = RowResult(row=row)
        data = self.form_data(row, result)
        own, result.errors = result.errors, {}
        form = self.make_form(data)
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    result.add(ROW if name == "__all__" else name, message)
        result.errors.update(own)  # the import's own message about a column replaces the form's
        result.payload = form
        result.key = self.key(row, data)
        return result

    def key(self, row, data):
        return None


class NamedAssetImporter(FormImporter):
    """Anchors and stakeholders: a duplicate has the same name."""

    model = None
    duplicate_column = "name"

    def key(self, row, data):
        name = _name_key(row.values.get("name", ""))
        return name or None

    def existing(self):
        names = self.model.objects.filter(audit=self.audit).values_list("name", flat=True)
        return {_name_key(name): f"{self.noun} '{name}'" for name in names}


class AnchorImporter(NamedAssetImporter):
    kind = ImportKind.ANCHORS
    noun, plural = "anchor institution", "anchor institutions"
    form_class = AnchorInstitutionForm
    model = AnchorInstitution
    columns = tuple(AnchorInstitutionForm._meta.fields)


class StakeholderImporter(NamedAssetImporter):
    kind = ImportKind.STAKEHOLDERS
    noun, plural = "stakeholder", "stakeholders"
    form_class = StakeholderForm
    model = Stakeholder
    columns = tuple(StakeholderForm._meta.fields)


class PartnershipImporter(FormImporter):
    """Partnerships name their two parties as recorded in the audit; a duplicate joins the same pair in the same
    kind (either way round)."""

    kind = ImportKind.PARTNERSHIPS
    noun, plural = "partnership", "partnerships"
    form_class = PartnershipForm
    columns = ("source", "target", "kind", "strength", "started_on", "description")

    def make_form(self, data):
        # One list of the audit's parties for every row, not one query per row.
        if not hasattr(self, "_parties"):
            self._parties = party_choices(self.audit)
        return PartnershipForm(data=data, audit=self.audit, parties=self._parties)

    def column_help(self):
        rows = []
        for name in self.columns:
            if name in ("source", "target"):
                side = "One" if name == "source" else "The other"
                rows.append(
                    ColumnHelp(name, True, "a name recorded in this audit", "see “Parties” below",
                               f"{side} party: an anchor institution or a stakeholder, by its name.")
                )  # fmt: skip
                continue
            form_field = PartnershipForm.base_fields[name]
            fmt, allowed = _describe(form_field, Partnership._meta.get_field(name))
            description = str(form_field.help_text or "")
            if form_field.initial is not None:
                description = f"{description} Blank means {form_field.initial}.".strip()
            rows.append(ColumnHelp(name, form_field.required and form_field.initial is None, fmt, allowed, description))
        return rows

    def reference_lists(self):
        return [("Parties", [(name, kind) for name, kind in self._party_rows()])]

    def _party_rows(self):
        anchors = AnchorInstitution.objects.filter(audit=self.audit).values_list("name", flat=True)
        stakeholders = Stakeholder.objects.filter(audit=self.audit).values_list("name", flat=True)
        return sorted([(n, "anchor institution") for n in anchors] + [(n, "stakeholder") for n in stakeholders])

    def _parties(self):
        """``{name key: [(party key, label)]}`` of the audit's anchors (``a:<id>``) and stakeholders (``s:<id>``)."""
        if not hasattr(self, "_party_map"):
            parties = {}
            for pk, name in AnchorInstitution.objects.filter(audit=self.audit).values_list("pk", "name"):
                parties.setdefault(_name_key(name), []).append((f"a:{pk}", f"anchor institution '{name}'"))
            for pk, name in Stakeholder.objects.filter(audit=self.audit).values_list("pk", "name"):
                parties.setdefault(_name_key(name), []).append((f"s:{pk}", f"stakeholder '{name}'"))
            self._party_map = parties
            self._labels = {key: label for found in parties.values() for key, label in found}
        return self._party_map

    def form_data(self, row, result):
        data = super().form_data(row, result)  # kind, strength, started_on, description
        for side in ("source", "target"):
            name = row.values.get(side, "")
            found = self._parties().get(_name_key(name), []) if name else []
            if not name:
                result.add(side, "Give the party's name.")
            elif not found:
                close = difflib.get_close_matches(_name_key(name), list(self._parties()), n=3, cutoff=0.6)
                names = [self._parties()[key][0][1] for key in close]
                hint = f" Closest: {'; '.join(names)}." if names else ""
                result.add(side, f"No anchor institution or stakeholder named '{name}' in this audit.{hint}")
            elif len(found) > 1:
                which = " and ".join(label for _, label in found)
                result.add(side, f"'{name}' is ambiguous in this audit: {which}. Rename one of them.")
            data[side] = found[0][0] if len(found) == 1 else ""
        return data

    def validate(self, row):
        result = super().validate(row)
        if "source" in result.errors or "target" in result.errors:
            result.errors.pop(ROW, None)  # the form's "needs one party on each side" repeats the column's message
        return result

    def key(self, row, data):
        if data.get("source") and data.get("target"):
            return (frozenset((data["source"], data["target"])), data.get("kind"))
        return None

    def existing(self):
        self._parties()
        found = {}
        for partnership in Partnership.objects.filter(audit=self.audit).values(
            "from_stakeholder_id", "from_anchor_id", "to_stakeholder_id", "to_anchor_id", "kind"
        ):
            source = f"s:{partnership['from_stakeholder_id']}" if partnership["from_stakeholder_id"] else (
                f"a:{partnership['from_anchor_id']}"
            )  # fmt: skip
            target = f"s:{partnership['to_stakeholder_id']}" if partnership["to_stakeholder_id"] else (
                f"a:{partnership['to_anchor_id']}"
            )  # fmt: skip
            label = (
                f"a {partnership['kind'].replace('_', ' ')} partnership between "
                f"{self._labels.get(source, source)} and {self._labels.get(target, target)}"
            )
            found[(frozenset((source, target)), partnership["kind"])] = label
        return found


class ObservationImportForm(forms.Form):
    """One row of economic statistics for the audit's region or its peer group (the rules of an observation)."""

    region_code = forms.CharField(max_length=20, help_text="The audit's region or a region of its peer group.")
    classification = forms.CharField(max_length=40, help_text="The industry classification, e.g. uksic2007.")
    industry_code = forms.CharField(max_length=20, help_text="A code of that classification, e.g. 62.01 or 325412.")
    year = forms.IntegerField(min_value=1900, max_value=2100)
    employment = forms.FloatField(min_value=0, help_text="Jobs (employees or employment).")
    establishments = forms.FloatField(min_value=0, required=False, help_text="Number of workplaces.")
    payroll = forms.FloatField(min_value=0, required=False, help_text="Annual payroll, in the source's unit.")

    def __init__(self, *args, importer, **kwargs):
        super().__init__(*args, **kwargs)
        self.importer = importer

    def clean_region_code(self):
        code = self.cleaned_data["region_code"]
        return self.importer.region(code)

    def clean_classification(self):
        return self.importer.classification(self.cleaned_data["classification"])

    def clean(self):
        cleaned = super().clean()
        classification, raw = cleaned.get("classification"), cleaned.get("industry_code")
        if classification and raw:
            try:
                code = normalise_code(classification.slug, raw)
            except CodeError as error:
                self.add_error("industry_code", f"'{raw}' is not a {classification.name} code ({error}).")
                return cleaned
            industry_id = self.importer.industry_id(classification, code)
            if industry_id is None:
                self.add_error("industry_code", f"Unknown industry code '{raw}' in {classification.name}.")
            else:
                cleaned["industry_id"] = industry_id
                cleaned["code"] = code
        return cleaned


class ObservationImporter(Importer):
    """Employment, establishments and payroll into a private dataset of the audit (never public statistics)."""

    kind = ImportKind.OBSERVATIONS
    noun, plural = "observation", "economic observations"
    columns = ("region_code", "classification", "industry_code", "year", "employment", "establishments", "payroll")
    max_rows = 5000

    def __init__(self, audit):
        super().__init__(audit)
        self._codes = {}

    def column_help(self):
        rows = []
        for name in self.columns:
            form_field = ObservationImportForm.base_fields[name]
            fmt, allowed = _describe(form_field)
            if name == "region_code":
                allowed = "see “Regions” below"
            elif name == "classification":
                allowed = ", ".join(Classification.objects.order_by("slug").values_list("slug", flat=True))
            elif name == "industry_code":
                fmt = "code as published (62.01, 6201, 325412)"
            rows.append(ColumnHelp(name, form_field.required, fmt, allowed, str(form_field.help_text or "")))
        return rows

    def reference_lists(self):
        return [("Regions", [(region.code, region.name) for region in self._regions_list()])]

    def _regions_list(self):
        if not hasattr(self, "_region_list"):
            regions = {self.audit.region_id: self.audit.region}
            for region in Region.objects.filter(region_sets=self.audit.region_set_id):
                regions[region.pk] = region
            self._region_list = sorted(regions.values(), key=lambda r: r.code)
        return self._region_list

    def region(self, code):
        matches = [r for r in self._regions_list() if r.code.casefold() == code.strip().casefold()]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValidationError(f"Region code '{code}' is ambiguous in this peer group.")
        elsewhere = Region.objects.filter(code__iexact=code.strip()).first()
        if elsewhere:
            raise ValidationError(
                f"{elsewhere.name} ({elsewhere.code}) is neither the audit's region nor in its peer group "
                f"({self.audit.region_set.name})."
            )
        raise ValidationError(f"Unknown region code '{code}'.")

    def classification(self, slug):
        if not hasattr(self, "_classifications"):
            self._classifications = {c.slug.casefold(): c for c in Classification.objects.all()}
        found = self._classifications.get(slug.strip().casefold())
        if found is None:
            allowed = ", ".join(sorted(c.slug for c in self._classifications.values()))
            raise ValidationError(f"Unknown classification '{slug}' (use one of: {allowed}).")
        return found

    def industry_id(self, classification, code):
        if classification.pk not in self._codes:
            self._codes[classification.pk] = dict(
                IndustryCode.objects.filter(classification=classification).values_list("code", "pk")
            )
        return self._codes[classification.pk].get(code)

    def validate(self, row):
        result = RowResult(row=row)
        form = ObservationImportForm(data=row.values, importer=self)
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    result.add(ROW if name == "__all__" else name, message)
            return result
        cleaned = form.cleaned_data
        result.payload = cleaned
        result.key = (cleaned["region_code"].pk, cleaned["industry_id"], cleaned["year"])
        return result

    def existing(self):
        rows = EconomicObservation.objects.filter(
            dataset__organisation=self.audit.organisation, dataset__audit=self.audit, industry__isnull=False
        ).values_list("region_id", "industry_id", "year", "region__code", "industry__code", "dataset__name")
        return {
            (region, industry, year): f"{region_code} {industry_code} {year} in the dataset '{dataset}'"
            for region, industry, year, region_code, industry_code, dataset in rows
        }

    def save_all(self, results, *, batch, user, reason):
        dataset = Dataset.objects.create(
            slug=f"import-{batch.pk}",
            name=f"{batch.file_name} (import #{batch.pk})"[:200],
            publisher=self.audit.organisation.name[:200],
            organisation=self.audit.organisation,
            audit=self.audit,
            rows=len(results),
            loaded_at=timezone.now(),
        )
        EconomicObservation.objects.bulk_create(
            [
                EconomicObservation(
                    dataset=dataset,
                    region=result.payload["region_code"],
                    industry_id=result.payload["industry_id"],
                    year=result.payload["year"],
                    employment=result.payload["employment"],
                    establishments=result.payload["establishments"],
                    payroll=result.payload["payroll"],
                )
                for result in results
            ],
            batch_size=500,
        )
        return len(results)


IMPORTERS = {
    importer.kind: importer
    for importer in (AnchorImporter, StakeholderImporter, PartnershipImporter, ObservationImporter)
}


def importer_for(*, kind, audit):
    """The importer of ``kind`` for ``audit``; ``ValueError`` for an unknown kind."""
    try:
        return IMPORTERS[kind](audit)
    except KeyError as error:
        raise ValueError(f"Unknown import kind {kind!r}: use one of {', '.join(IMPORTERS)}.") from error


def _refuse_unless_editable(audit):
    if not audit.is_editable:
        raise ImportRefused(
            f"This audit is {audit.get_status_display().lower()}: only a draft or returned audit can be changed."
        )


# --------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------


def import_preview(*, audit, kind, uploaded_file, user, limits=DEFAULT_LIMITS):
    """Check and validate an uploaded file against ``audit`` and stage its rows; nothing in the audit changes.

    ``uploaded_file`` is anything with ``name`` and ``read`` (a Django upload, ``core.files.File``). Returns the
    batch: ``previewed`` with every row and its errors, or ``rejected`` with the file's errors and no rows.
    """
    importer = importer_for(kind=kind, audit=audit)
    _refuse_unless_editable(audit)
    limits = dataclasses.replace(limits, max_rows=min(limits.max_rows, importer.max_rows))
    name = clean_name(getattr(uploaded_file, "name", ""))
    size = getattr(uploaded_file, "size", None) or 0
    batch_fields = {"organisation": audit.organisation, "audit": audit, "kind": kind, "uploaded_by": user}
    try:
        name, data = read_upload(uploaded_file, limits)
        size = len(data)
        sheet = read_sheet(name, data, columns=importer.columns, limits=limits)
    except UploadError as error:
        return ImportBatch.objects.create(
            **batch_fields, file_name=name, file_size=min(size, 2**31 - 1), status=ImportStatus.REJECTED,
            errors=error.messages,
        )  # fmt: skip
    results = importer.validate_all(sheet.rows)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            **batch_fields, file_name=name, file_size=size, status=ImportStatus.PREVIEWED,
            row_count=len(results), error_count=sum(1 for r in results if r.errors),
        )  # fmt: skip
        ImportRow.objects.bulk_create(
            [ImportRow(batch=batch, line=r.row.line, data=r.row.values, errors=r.errors) for r in results],
            batch_size=500,
        )
    return batch


def _first_errors(results, limit=5):
    lines = []
    for result in results:
        for column, messages in result.errors.items():
            where = "" if column == ROW else f" ({column})"
            lines.append(f"line {result.row.line}{where}: {' '.join(messages)}")
    more = f" … and {len(lines) - limit} more" if len(lines) > limit else ""
    return "; ".join(lines[:limit]) + more


def import_commit(*, batch, user):
    """Write a previewed batch into its audit, all rows or none; a batch already committed is returned as it is.

    Refuses (``ImportRefused``) a batch with row errors, a cancelled or rejected one, and an audit that can no
    longer be changed (submitted or approved). Rows are validated again under the locks: if the audit changed
    since the preview (a party renamed, the same record added), the commit is refused and nothing is written.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportStatus.COMMITTED:
            return batch
        if batch.status != ImportStatus.PREVIEWED:
            raise ImportRefused(f"This import was {batch.get_status_display().lower()}: upload the file again.")
        audit = Audit.objects.select_for_update().get(pk=batch.audit_id)
        _refuse_unless_editable(audit)
        if batch.error_count:
            raise ImportRefused(
                f"{batch.error_count} row{'s' if batch.error_count != 1 else ''} of {batch.file_name} "
                "have errors: correct the file and upload it again. Nothing was imported."
            )
        importer = importer_for(kind=batch.kind, audit=audit)
        rows = [SheetRow(line=row.line, values=row.data) for row in batch.rows.order_by("line")]
        results = importer.validate_all(rows)
        failed = [result for result in results if result.errors]
        if failed:
            raise ImportRefused(
                f"The audit changed since the preview; {len(failed)} row(s) are no longer valid "
                f"({_first_errors(failed)}). Upload the file again. Nothing was imported."
            )
        created = importer.save_all(results, batch=batch, user=user, reason=f"imported from {batch.file_name}")
        batch.status = ImportStatus.COMMITTED
        batch.committed_at = timezone.now()
        batch.created_count = created
        batch.save(update_fields=["status", "committed_at", "created_count", "updated_at"])
        audit_changed(audit=audit)
    return batch


def import_cancel(*, batch):
    """Abandon a previewed batch and drop its staged rows; a committed batch cannot be cancelled."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportStatus.COMMITTED:
            raise ImportRefused("This import has already been committed; change the records in the audit instead.")
        if batch.status == ImportStatus.PREVIEWED:
            batch.status = ImportStatus.CANCELLED
            batch.save(update_fields=["status", "updated_at"])
            batch.rows.all().delete()
    return batch


# --------------------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------------------


def template_csv(*, kind):
    """The CSV template of ``kind``: its header row (the Help is in the XLSX template and on the upload page)."""
    handle = io.StringIO()
    write_csv(handle, list(IMPORTERS[kind].columns), [])
    return handle.getvalue()


def template_xlsx(*, kind, audit):
    """The XLSX template of ``kind``: the header on the first sheet, and a Help sheet describing each column.

    Every text cell is written as a string through ``safe_cell`` (never a formula); list columns get a
    drop-down of their allowed values where Excel can hold it.
    """
    importer = importer_for(kind=kind, audit=audit)
    helps = importer.column_help()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ImportKind(kind).label[:31]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6F8")

    def put(ws, row, column, value):
        cell = ws.cell(row=row, column=column, value=safe_cell(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        return cell

    for index, help_row in enumerate(helps, start=1):
        cell = put(sheet, 1, index, help_row.name)
        cell.font, cell.fill = bold, fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(help_row.name) + 4)
        if help_row.name in ("region_code", "industry_code", "postcode", "started_on"):
            sheet.column_dimensions[letter].number_format = "@"
        values = help_row.allowed.split(", ") if help_row.format == "one of the allowed values" else []
        listed = ",".join(values)
        if values and len(listed) <= 250:
            validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            validation.error = f"Use one of: {help_row.allowed}"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{importer.max_rows + 1}")
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet("Help")
    for column, title in enumerate(("Column", "Required", "Format", "Allowed values", "Notes"), start=1):
        cell = put(help_sheet, 1, column, title)
        cell.font, cell.fill = bold, fill
    for row, help_row in enumerate(helps, start=2):
        for column, value in enumerate(
            (help_row.name, "yes" if help_row.required else "no", help_row.format, help_row.allowed,
             help_row.description), start=1,
        ):  # fmt: skip
            put(help_sheet, row, column, value).alignment = Alignment(wrap_text=True, vertical="top")
    row = len(helps) + 3
    put(help_sheet, row, 1, f"Fill in the first sheet, one {importer.noun} per row, under the header.").font = bold
    put(help_sheet, row + 1, 1, f"At most {importer.max_rows:,} rows and {DEFAULT_LIMITS.max_bytes_label}.")
    row += 3
    for title, entries in importer.reference_lists():
        put(help_sheet, row, 1, title).font = bold
        row += 1
        for value, meaning in entries:
            put(help_sheet, row, 1, value)
            put(help_sheet, row, 2, meaning)
            row += 1
        row += 1
    for letter, width in zip("ABCDE", (22, 10, 34, 48, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def template_filename(kind, extension):
    return f"{kind}-import-template-{timezone.localdate():%Y%m%d}.{extension}"
