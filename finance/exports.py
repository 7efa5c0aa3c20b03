"""The spreadsheets finance files: xlsx (openpyxl, write-only, streamed) and csv (UTF-8 with BOM
so that Excel opens the Chinese text).

The xlsx is ready to work in: each column as wide as its content needs, the header frozen with
filters on it, amounts as numbers shown with two decimals, a line's colour as the fill of its
row, and names (channel names, kinds, causes, colours in words) instead of the hub's codes.

- the reconciliation result: every line of a statement, or of a channel and period, with its
  colour, explanation, currency and the order's cost breakdown (in the order's currency);
- the difference report: the yellow and red lines of a channel and period;
- the monthly cross-platform consistency report: per channel orders, paid, settled, missing,
  differences and the commonest causes; amounts per currency, never added across currencies;
- the cost breakdown: per order commission, payment fee, fulfilment fee, shipping, tax, net
  revenue.

Explanations are stored as codes (``finance.texts``) and written in the language of whoever
downloads the file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from orderhub.core.spreadsheets import formula_safe
from orderhub.core.texts import render as render_text

from finance import permissions
from finance.models import Cause, Colour, Kind, OrderCost, Statement
from finance.reconciliation import fee_in_cents
from finance.selectors import board_lines, monthly_consistency, period_bounds
from orders.models import Channel

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK_ROWS = 5000


# What a column holds: how it is written and how wide it is (in Excel's character widths).
TEXT, LONG_TEXT, MONEY, NUMBER, WHEN, COLOUR = "text", "long", "money", "number", "when", "colour"
WIDTHS = {TEXT: 18, LONG_TEXT: 50, MONEY: 13, NUMBER: 9, WHEN: 19, COLOUR: 22}
MONEY_FORMAT = "#,##0.00"
WHEN_FORMAT = "yyyy-mm-dd hh:mm:ss"
# The board's colours as cell fills (ARGB), the same as on the screen (finance/admin.py).
FILLS = {
    Colour.GREEN: "FFE8F5E9", Colour.YELLOW: "FFFFF8E1", Colour.RED: "FFFFEBEE",
    Colour.GREY: "FFECEFF1",
}


@dataclass
class Table:
    """A report before it is written: a file name, headers, what each column holds, and the rows
    (read lazily). A ``COLOUR`` column holds the line's colour code: written as its name, and
    in xlsx as the fill of the row."""

    name: str
    title: str
    headers: list[str]
    rows: Iterable[Sequence]
    kinds: Sequence[str] = ()

    def kind(self, index: int) -> str:
        return self.kinds[index] if index < len(self.kinds) else TEXT


_COLOUR_NAMES = dict(Colour.choices)


def _cell(value):
    # Excel has no time zones: write local wall-clock time.
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return formula_safe(value)  # a typed "=HYPERLINK(…)" is shown, never run


def _colour_name(code) -> str:
    return str(_COLOUR_NAMES.get(code, code or ""))


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as csv, in chunks (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.headers)
    colours = [index for index, kind in enumerate(table.kinds) if kind == COLOUR]
    for count, row in enumerate(table.rows, start=1):
        values = ["" if value is None else _cell(value) for value in row]
        for index in colours:
            values[index] = _colour_name(row[index])
        writer.writerow(values)
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(table: Table):
    """The table as an xlsx workbook in a temporary file (rewound), written row by row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31])
    kinds = [table.kind(index) for index in range(len(table.headers))]
    # Set before the first row: write-only sheets write their layout first.
    sheet.freeze_panes = "A2"
    for index, (header, kind) in enumerate(zip(table.headers, kinds), start=1):
        # A CJK character is two widths wide.
        header_width = sum(2 if ord(char) > 0x2E80 else 1 for char in header) + 4
        sheet.column_dimensions[get_column_letter(index)].width = max(WIDTHS[kind], header_width)
    bold = Font(bold=True)
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    colour_at = kinds.index(COLOUR) if COLOUR in kinds else None
    fills = {code: PatternFill("solid", fgColor=argb) for code, argb in FILLS.items()}
    count = 0
    for row in table.rows:
        fill = fills.get(row[colour_at]) if colour_at is not None else None
        cells = []
        for value, kind in zip(row, kinds):
            cell = WriteOnlyCell(sheet, value=_colour_name(value) if kind == COLOUR else _cell(value))
            if kind == MONEY:
                cell.number_format = MONEY_FORMAT
            elif kind == WHEN:
                cell.number_format = WHEN_FORMAT
            if fill is not None:
                cell.fill = fill
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(kinds))}{count + 1}"
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return spool


def render(table: Table, file_format: str) -> tuple[str, str, Iterable[bytes]]:
    """``(file name, content type, body chunks)`` of the table in ``xlsx`` or ``csv``."""
    if file_format == "xlsx":
        spool = xlsx_file(table)
        body = iter(lambda: spool.read(1024 * 1024), b"")
    else:
        body = csv_chunks(table)
    return f"{table.name}.{file_format}", CONTENT_TYPES[file_format], body


# --- the reports --------------------------------------------------------------------------------
_CAUSES = dict(Cause.choices)
_KINDS = dict(Kind.choices)

_LINE_VALUES = (
    "line_no", "occurred_at", "kind", "payment_serial_no", "merchant_order_no", "order__hub_no",
    "channel__name", "gross_amount", "amount", "fee", "colour", "cause", "explanation",
    "expected_amount", "received_amount", "difference", "currency", "order__cost__commission",
    "order__cost__payment_fee", "order__cost__fulfilment_fee", "order__cost__shipping_cost",
    "order__cost__tax", "order__cost__net_revenue", "reviewed_by__username", "review_reason",
    "statement__file_name",
)
_LINE_KINDS = (
    NUMBER, WHEN, TEXT, TEXT, TEXT, TEXT, TEXT, MONEY, MONEY, MONEY, COLOUR, TEXT, LONG_TEXT,
    MONEY, MONEY, MONEY, TEXT, MONEY, MONEY, MONEY, MONEY, MONEY, MONEY, TEXT, LONG_TEXT, TEXT,
)


def _line_headers() -> list[str]:
    return [
        _("Row"), _("Occurred at"), _("Kind"), _("Payment serial number"),
        _("Merchant order number"), _("Hub order number"), _("Channel"), _("Order amount"),
        _("Cash amount"), _("Fee"), _("Colour"), _("Cause"), _("Explanation"), _("Expected"),
        _("Received"), _("Difference"), _("Currency"), _("Commission"), _("Payment fee"),
        _("Fulfilment fee"), _("Shipping"), _("Tax"), _("Net revenue"),
        _("Confirmed or resolved by"), _("Reason"), _("Statement"),
    ]


def _line_rows(lines, language: str | None) -> Iterator[tuple]:
    # Read lazily, after the view returned (a streamed download): in the language the
    # table was asked in, as its headers are.
    with translation.override(language):
        for row in lines.values_list(*_LINE_VALUES).iterator(chunk_size=CHUNK_ROWS):
            row = list(row)
            row[2] = str(_KINDS.get(row[2], row[2]))
            # WeChat Pay's five-decimal fee, to the cent as it is settled.
            row[9] = fee_in_cents(row[9]) if row[9] is not None else None
            row[11] = str(_CAUSES.get(row[11], row[11]))
            row[12] = render_text(row[12])
            yield row


def _lines_table(name: str, title: str, lines) -> Table:
    return Table(name, title, _line_headers(), _line_rows(lines, translation.get_language()),
                 _LINE_KINDS)


def board_table(*, actor, lines, name: str = "reconciliation-board") -> Table:
    """The lines the board shows (its filters and search applied), as the board shows them."""
    permissions.require(actor, permissions.EXPORT)
    ordered = lines.order_by("-occurred_at", "-id") if isinstance(lines, QuerySet) else lines
    return _lines_table(name, _("Reconciliation"), ordered)


def _period_name(channel: Channel | None, start: dt.date | None, end: dt.date | None) -> str:
    parts = [channel.code if channel else "all"]
    if start or end:
        parts.append(f"{start or ''}_{end or ''}")
    return "-".join(parts)


def reconciliation_table(
    *, actor, statement: Statement | None = None, channel: Channel | None = None,
    start: dt.date | None = None, end: dt.date | None = None,
) -> Table:
    """Every line (of a statement, or of a channel and period) with colour and costs."""
    permissions.require(actor, permissions.EXPORT)
    lines = board_lines(statement=statement, channel=channel, start=start, end=end).order_by("id")
    name = f"reconciliation-statement-{statement.pk}" if statement else (
        f"reconciliation-{_period_name(channel, start, end)}"
    )
    return _lines_table(name, _("Reconciliation"), lines)


def differences_table(
    *, actor, channel: Channel | None = None, start: dt.date | None = None,
    end: dt.date | None = None,
) -> Table:
    """The yellow and red lines of a channel and period, for a look or a refund."""
    permissions.require(actor, permissions.EXPORT)
    lines = board_lines(
        colour=[Colour.YELLOW, Colour.RED], channel=channel, start=start, end=end
    ).order_by("id")
    return _lines_table(f"differences-{_period_name(channel, start, end)}", _("Differences"), lines)


def monthly_table(*, actor, month: dt.date) -> Table:
    """The monthly cross-platform consistency report."""
    permissions.require(actor, permissions.EXPORT)
    rows = [
        (
            row.channel.code, row.channel.name, row.orders, row.paid, row.settled, row.missing,
            row.differences, row.causes_text, row.currencies, row.paid_amount,
            row.received_amount,
            f"{row.worst_deviation:.4%}" if row.worst_deviation is not None else "",
        )
        for row in monthly_consistency(month=month)
    ]
    headers = [
        _("Channel"), _("Channel name"), _("Orders"), _("Paid"), _("Settled (money matched)"),
        _("Missing money"), _("Differences"), _("Commonest causes"), _("Currency"),
        _("Paid amount"), _("Received amount"), _("Worst daily deviation"),
    ]
    return Table(
        f"consistency-{month:%Y-%m}",
        _("Consistency %(month)s") % {"month": f"{month:%Y-%m}"},
        headers,
        rows,
        (TEXT, TEXT, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER, LONG_TEXT, TEXT, MONEY, MONEY,
         TEXT),
    )


def costs_table(
    *, actor, channel: Channel | None = None, start: dt.date | None = None,
    end: dt.date | None = None,
) -> Table:
    """Per order (paid in the period): revenue, commission, payment and fulfilment fees,
    shipping, tax, net."""
    permissions.require(actor, permissions.EXPORT)
    costs = OrderCost.objects.select_related("order", "order__channel").order_by("order_id")
    if channel is not None:
        costs = costs.filter(order__channel=channel)
    if start or end:
        since, until = period_bounds(start or dt.date(2000, 1, 1), end or dt.date(2999, 12, 31))
        costs = costs.filter(order__paid_at__gte=since, order__paid_at__lt=until)
    yes, no = _("Yes"), _("No")
    rows = (
        (*row[:11], yes if row[11] else no, row[12])
        for row in costs.values_list(
            "order__hub_no", "order__channel__name", "order__paid_at", "order__paid_amount",
            "currency", "revenue", "commission", "payment_fee", "fulfilment_fee",
            "shipping_cost", "tax", "tax_from_invoice", "net_revenue",
        ).iterator(chunk_size=CHUNK_ROWS)
    )
    headers = [
        _("Hub order number"), _("Channel"), _("Paid at"), _("Paid amount"), _("Currency"),
        _("Revenue"), _("Commission"), _("Payment fee"), _("Fulfilment fee"), _("Shipping"),
        _("Tax"), _("Tax from invoice"), _("Net revenue"),
    ]
    return Table(
        f"costs-{_period_name(channel, start, end)}", _("Order costs"), headers, rows,
        (TEXT, TEXT, WHEN, MONEY, TEXT, MONEY, MONEY, MONEY, MONEY, MONEY, MONEY, TEXT, MONEY),
    )


def as_bytes(chunks: Iterable[bytes]) -> bytes:
    """All of a rendered body (tests and small reports)."""
    return b"".join(chunks)
