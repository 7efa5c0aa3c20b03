"""Bulk stock levels through django-import-export: the resource parses and validates; the
service ``stock_levels_set`` persists (with a ledger row per change).

Why not ``ImportExportModelAdmin``'s own import: it saves rows with ``save()`` (or in bulk),
past the ledger and the locks that keep stock honest. Here every row is read and checked first
(a dry run shows the result), and only a file without a single bad row is applied, all at once.

Columns: ``warehouse`` (code), ``sku``, ``on_hand``, and optionally ``samples`` and
``low_stock_threshold``. The export has the same columns plus ``reserved`` and ``available``
(ignored on import), headed in the reader's language (仓库, 在库, …), so an exported sheet can
be edited and imported back; the import takes those headers in every language, and the codes.

A row's problem is shown at once to whoever uploads (the admin's preview, the API's answer), in
their language; nothing of it is stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import tablib
from django.utils.translation import gettext
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX

from orderhub.core.spreadsheets import SafeCSV, SafeXLSX, header_name, header_names

from logistics import texts
from logistics.models import Stock, Warehouse
from logistics.services.stock import (
    StockLevel,
    check_stock_permission,
    level_problem,
    stock_levels_set,
)
from orderhub.core.errors import ValidationFailed
from orders.services import Actor

REQUIRED = ("warehouse", "sku", "on_hand")
OPTIONAL = ("samples", "low_stock_threshold")
# The stock columns are 32-bit integers on PostgreSQL; a count beyond is a typo, refused per row.
MAX_UNITS = 2_147_483_647


class StockResource(resources.ModelResource):
    """The stock sheet: one row per SKU and warehouse."""

    warehouse = Field(attribute="warehouse__code", column_name="warehouse",
                      widget=widgets.CharWidget())
    sku = Field(attribute="sku", column_name="sku", widget=widgets.CharWidget())
    on_hand = Field(attribute="on_hand", column_name="on_hand", widget=widgets.IntegerWidget())
    samples = Field(attribute="samples", column_name="samples", widget=widgets.IntegerWidget())
    low_stock_threshold = Field(attribute="low_stock_threshold",
                                column_name="low_stock_threshold",
                                widget=widgets.IntegerWidget())
    reserved = Field(attribute="reserved", column_name="reserved", readonly=True,
                     widget=widgets.IntegerWidget())
    available = Field(attribute="available", column_name="available", readonly=True,
                      widget=widgets.IntegerWidget())

    class Meta:
        model = Stock
        fields = ("warehouse", "sku", "on_hand", "samples", "low_stock_threshold", "reserved",
                  "available")
        export_order = fields

    def get_queryset(self):
        return Stock.objects.select_related("warehouse").order_by("warehouse__code", "sku")


@dataclass
class RowProblem:
    row: int  # as numbered in the sheet (the header is row 1)
    message: str


@dataclass
class StockImport:
    """What an import found: the levels to apply, and every bad row."""

    levels: list[StockLevel] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def read_sheet(content: bytes, *, file_name: str) -> tablib.Dataset:
    """An xlsx file's first sheet, or a UTF-8 csv file."""
    try:
        if file_name.lower().endswith(".xlsx"):
            return XLSX().create_dataset(content)
        return CSV().create_dataset(content.decode("utf-8-sig"))
    except Exception as problem:  # openpyxl, tablib and codecs each raise their own kinds
        raise ValidationFailed(
            gettext("%(file)s cannot be read as a stock sheet (%(why)s).")
            % {"file": file_name, "why": problem}) from None


def column_label(name: str) -> str:
    """A sheet column's header in the active language (仓库, 在库, …; warehouse, on hand, …)."""
    if name == "available":  # a property of the stock row, not a field
        return gettext("available")
    return str(Stock._meta.get_field(name).verbose_name)


def columns_help() -> str:
    """The sheet's columns as the upload page names them, in the active language."""
    return gettext("xlsx or UTF-8 csv with the columns %(required)s (%(optional)s optional). "
                   "The export has the same columns.") % {
        "required": ", ".join(column_label(name) for name in REQUIRED),
        "optional": ", ".join(column_label(name) for name in OPTIONAL)}


def _cell(resource: StockResource, name: str, row: dict) -> int | None:
    value = row.get(name)
    if value is None or str(value).strip() == "":
        return None
    number = resource.fields[name].clean({name: value})
    # IntegerWidget truncates 2.5 to 2: a count with a fraction is a typo, not a count.
    if Decimal(str(value).strip()) != number:
        raise ValueError(name)
    return number


def stock_import(
    *, dataset: tablib.Dataset, actor: Actor, dry_run: bool, reason: str = texts.STOCK_IMPORT_UNNAMED.encode()
) -> StockImport:
    """Check every row; unless ``dry_run``, apply them all, or none if any row is bad."""
    check_stock_permission(actor)
    names = header_names(StockResource.Meta.fields, column_label)
    headers = [header_name(names, header) for header in (dataset.headers or [])]
    missing = [column_label(name) for name in REQUIRED if name not in headers]
    if missing:
        raise ValidationFailed(
            gettext("The sheet lacks the column(s) %(missing)s; its columns must include "
                    "%(required)s (and may have %(optional)s).")
            % {"missing": ", ".join(missing),
               "required": ", ".join(column_label(name) for name in REQUIRED),
               "optional": ", ".join(column_label(name) for name in OPTIONAL)}
        )
    dataset.headers = headers
    resource = StockResource()
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    result = StockImport()
    seen: dict[tuple[str, str], int] = {}
    parsed: list[tuple[int, StockLevel]] = []
    for index, row in enumerate(dataset.dict, start=2):
        try:
            level = _level(resource, row, warehouses)
        except (ValueError, TypeError) as problem:
            result.problems.append(
                RowProblem(index, str(problem) or gettext("a value cannot be read")))
            continue
        key = (level.warehouse.code, level.sku)
        if key in seen:
            result.problems.append(RowProblem(
                index, gettext("%(sku)s at %(warehouse)s is already on row %(row)s")
                % {"sku": level.sku, "warehouse": level.warehouse.code, "row": seen[key]}))
            continue
        seen[key] = index
        parsed.append((index, level))
    current = {
        (s.warehouse.code, s.sku): s for s in Stock.objects.select_related("warehouse").filter(
            sku__in={level.sku for _i, level in parsed})
    }
    for index, level in parsed:
        stock = current.get((level.warehouse.code, level.sku))
        problem = level_problem(level, stock)
        if problem:
            result.problems.append(RowProblem(
                index, gettext("%(sku)s at %(warehouse)s: %(problem)s")
                % {"sku": level.sku, "warehouse": level.warehouse.code, "problem": problem}))
            continue
        result.levels.append(level)
        result.changes.append({
            "row": index, "warehouse": level.warehouse.code, "sku": level.sku,
            "on_hand": (stock.on_hand if stock else 0, level.on_hand),
            "samples": (stock.samples if stock else 0,
                        level.samples if level.samples is not None else
                        (stock.samples if stock else 0)),
            "new": stock is None,
        })
    result.problems.sort(key=lambda p: p.row)
    if result.ok and not dry_run and result.levels:
        stock_levels_set(levels=result.levels, actor=actor, reason=reason)
        result.applied = True
    return result


def _level(resource: StockResource, row: dict, warehouses: dict[str, Warehouse]) -> StockLevel:
    code = str(row.get("warehouse") or "").strip()
    sku = str(row.get("sku") or "").strip()
    if not code or code not in warehouses:
        known = ", ".join(sorted(warehouses))
        raise ValueError(gettext("warehouse '%(code)s' does not exist (warehouses: %(known)s)")
                         % {"code": code, "known": known})
    if not sku:
        raise ValueError(gettext("sku is empty"))
    numbers = {}
    for name in ("on_hand", "samples", "low_stock_threshold"):
        try:
            numbers[name] = _cell(resource, name, row)
        except (ValueError, TypeError, ArithmeticError):
            raise ValueError(gettext("%(column)s '%(value)s' is not a whole number")
                             % {"column": name, "value": row.get(name)}) from None
        if numbers[name] is not None and numbers[name] < 0:
            raise ValueError(gettext("%(column)s cannot be negative (%(value)s)")
                             % {"column": name, "value": numbers[name]})
        if numbers[name] is not None and numbers[name] > MAX_UNITS:
            raise ValueError(gettext("%(column)s %(value)s is out of range (at most %(most)s)")
                             % {"column": name, "value": numbers[name],
                                "most": f"{MAX_UNITS:,}"})
    if numbers["on_hand"] is None:
        raise ValueError(gettext("%(column)s is empty") % {"column": "on_hand"})
    return StockLevel(warehouse=warehouses[code], sku=sku, on_hand=numbers["on_hand"],
                      samples=numbers["samples"],
                      low_stock_threshold=numbers["low_stock_threshold"])


def stock_export(*, file_format: str = "csv") -> tuple[bytes, str, str]:
    """All stock as a sheet: ``(content, content type, file name)``."""
    dataset = StockResource().export()
    # Headers in the reader's language; the import reads them back (and the codes).
    dataset.headers = [column_label(name) for name in StockResource.Meta.fields]
    if file_format == "xlsx":
        return (SafeXLSX().export_data(dataset),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "stock.xlsx")
    # With a BOM, so that Excel opens the Chinese names as UTF-8.
    return (SafeCSV().export_data(dataset).encode("utf-8-sig"), "text/csv; charset=utf-8",
            "stock.csv")
