"""The spreadsheets finance files: xlsx (openpyxl, write-only, streamed) and csv (UTF-8 with BOM
so that Excel opens the Chinese text).

- the reconciliation result: every line of a statement, or of a channel and period, with its
  colour, explanation and the order's cost breakdown;
- the difference report: the yellow and red lines of a channel and period;
- the monthly cross-platform consistency report: per channel orders, paid, settled, missing,
  differences and the commonest causes;
- the cost breakdown: per order commission, payment fee, shipping, tax, net revenue.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from finance import permissions
from finance.models import Cause, Colour, Kind, OrderCost, Statement
from finance.selectors import board_lines, monthly_consistency, period_bounds
from orders.models import Channel

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK_ROWS = 5000


@dataclass
class Table:
    """A report before it is written: a file name, headers and rows (read lazily)."""

    name: str
    title: str
    headers: list[str]
    rows: Iterable[Sequence]


def _cell(value):
    # Excel has no time zones: write local wall-clock time.
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as csv, in chunks (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.headers)
    for count, row in enumerate(table.rows, start=1):
        writer.writerow(["" if value is None else _cell(value) for value in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(table: Table):
    """The table as an xlsx workbook in a temporary file (rewound), written row by row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31])
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([_cell(value) for value in row])
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
_COLOURS = dict(Colour.choices)
_CAUSES = dict(Cause.choices)
_KINDS = dict(Kind.choices)

_LINE_VALUES = (
    "line_no", "occurred_at", "kind", "payment_serial_no", "merchant_order_no", "order__hub_no",
    "channel__code", "gross_amount", "amount", "fee", "colour", "cause", "explanation",
    "expected_amount", "received_amount", "difference", "order__cost__commission",
    "order__cost__payment_fee", "order__cost__shipping_cost", "order__cost__tax",
    "order__cost__net_revenue", "reviewed_by__username", "review_reason", "statement_id",
)


def _line_headers() -> list[str]:
    return [
        _("Row"), _("Occurred at"), _("Kind"), _("Payment serial number"),
        _("Merchant order number"), _("Hub order number"), _("Channel"), _("Order amount"),
        _("Cash amount"), _("Fee"), _("Colour"), _("Cause"), _("Explanation"), _("Expected"),
        _("Received"), _("Difference"), _("Commission"), _("Payment fee"), _("Shipping"),
        _("Tax"), _("Net revenue"), _("Confirmed or resolved by"), _("Reason"), _("Statement"),
    ]


def _line_rows(lines) -> Iterator[tuple]:
    for row in lines.values_list(*_LINE_VALUES).iterator(chunk_size=CHUNK_ROWS):
        row = list(row)
        row[2] = str(_KINDS.get(row[2], row[2]))
        row[10] = str(_COLOURS.get(row[10], row[10]))
        row[11] = str(_CAUSES.get(row[11], row[11]))
        yield row


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
    return Table(name, _("Reconciliation"), _line_headers(), _line_rows(lines))


def differences_table(
    *, actor, channel: Channel | None = None, start: dt.date | None = None,
    end: dt.date | None = None,
) -> Table:
    """The yellow and red lines of a channel and period, for a look or a refund."""
    permissions.require(actor, permissions.EXPORT)
    lines = board_lines(
        colour=[Colour.YELLOW, Colour.RED], channel=channel, start=start, end=end
    ).order_by("id")
    return Table(
        f"differences-{_period_name(channel, start, end)}", _("Differences"), _line_headers(),
        _line_rows(lines),
    )


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
    )


def costs_table(
    *, actor, channel: Channel | None = None, start: dt.date | None = None,
    end: dt.date | None = None,
) -> Table:
    """Per order (paid in the period): revenue, commission, payment fee, shipping, tax, net."""
    permissions.require(actor, permissions.EXPORT)
    costs = OrderCost.objects.select_related("order", "order__channel").order_by("order_id")
    if channel is not None:
        costs = costs.filter(order__channel=channel)
    if start or end:
        since, until = period_bounds(start or dt.date(2000, 1, 1), end or dt.date(2999, 12, 31))
        costs = costs.filter(order__paid_at__gte=since, order__paid_at__lt=until)
    rows = costs.values_list(
        "order__hub_no", "order__channel__code", "order__paid_at", "order__paid_amount",
        "currency", "revenue", "commission", "payment_fee", "shipping_cost", "tax",
        "tax_from_invoice", "net_revenue",
    ).iterator(chunk_size=CHUNK_ROWS)
    headers = [
        _("Hub order number"), _("Channel"), _("Paid at"), _("Paid amount"), _("Currency"),
        _("Revenue"), _("Commission"), _("Payment fee"), _("Shipping"), _("Tax"),
        _("Tax from invoice"), _("Net revenue"),
    ]
    return Table(f"costs-{_period_name(channel, start, end)}", _("Order costs"), headers, rows)


def as_bytes(chunks: Iterable[bytes]) -> bytes:
    """All of a rendered body (tests and small reports)."""
    return b"".join(chunks)
