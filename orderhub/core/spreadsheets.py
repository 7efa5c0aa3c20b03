"""Spreadsheets the hub writes never carry a formula that someone else typed.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, WPS and LibreOffice when the file is opened (CSV injection, OWASP): a buyer
note such as ``=HYPERLINK("http://evil", "退款")`` would become a link in finance's export.
:func:`formula_safe` prefixes such text with an apostrophe, which spreadsheets show as text;
numbers, dates and text that is a plain number (``-12.50``) are left as they are.

Every export goes through it: finance's reports (``finance/exports.py``), and everything
django-import-export writes (stock, SKU aliases, the admin's export buttons) through the formats
below, which ``settings.EXPORT_FORMATS`` names and ``logistics.importers.stock_export`` uses.

Sheets are headed in the reader's language (别名, 渠道, …: the columns' labels); an import takes
those headers in every language of the admin, and the column codes older sheets carry
(:func:`header_names`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import tablib
from django.conf import settings
from django.utils import translation
from import_export.formats import base_formats
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def formula_safe(value: Any) -> Any:
    """``value`` as a spreadsheet shows it, never run: risky text gets a leading apostrophe;
    control characters an xlsx cannot hold (NUL, …) become U+FFFD instead of failing the file."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def formula_safe_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of ``dataset`` with every cell through :func:`formula_safe`."""
    safe = tablib.Dataset(headers=[formula_safe(h) for h in dataset.headers or []] or None,
                          title=dataset.title)
    for row in dataset:
        safe.append([formula_safe(cell) for cell in row])
    return safe


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(formula_safe_dataset(dataset), **kwargs)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return super().export_data(formula_safe_dataset(dataset), **kwargs)


def header_names(names: Iterable[str], label: Callable[[str], Any]) -> dict[str, str]:
    """Each header a sheet may carry, stripped and lower-cased, mapped to its column's name:
    the column's ``label`` in every language of the admin (what the exports write), and the
    name itself (the code older sheets are headed with)."""
    names = list(names)
    found = {name: name for name in names}
    for language, _language_name in settings.LANGUAGES:
        with translation.override(language):
            for name in names:
                found.setdefault(str(label(name)).strip().lower(), name)
    return found


def header_name(names: dict[str, str], header: Any) -> str:
    """The column name of one ``header`` (see :func:`header_names`); an unknown one as it is."""
    text = str(header or "").strip()
    return names.get(text.lower(), text)
