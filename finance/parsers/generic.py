"""Any other statement, as xlsx or csv, through django-import-export and a column template.

Finance downloads the template (admin → payment statements → upload → template), fills one row
per movement of money and uploads it with ``source=generic``. The resource below parses and
validates the cells (its widgets turn text into decimals and times); persistence is the
import service's, like for every other statement.

Columns: ``kind`` (payment, refund, fee, withdrawal, transfer, other; Chinese words such as
收款/退款/手续费/佣金/提现/转账 are understood), ``payment_serial_no``, ``merchant_order_no``,
``occurred_at`` (local time), ``amount`` (yuan, positive: what was received, refunded, charged
or withdrawn), ``order_amount`` (the order's amount if it differs, e.g. after a coupon), ``fee``,
``fee_label``, ``line_id`` (the platform's own row id, if any, so that overlapping files are
imported once) and ``note``.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal, InvalidOperation

import tablib
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX

from finance import texts
from finance.models import Kind, Source
from finance.parsers.base import (
    FEE_PLACES,
    HUB_TZ,
    MAX_AMOUNT,
    ZERO,
    ParsedLine,
    ParsedStatement,
    RowError,
    StatementRejected,
    decode_text,
    line_key,
    truncate,
)

KIND_WORDS = {
    "payment": Kind.PAYMENT, "收款": Kind.PAYMENT, "支付": Kind.PAYMENT, "交易": Kind.PAYMENT,
    "refund": Kind.REFUND, "退款": Kind.REFUND,
    "fee": Kind.FEE, "手续费": Kind.FEE, "服务费": Kind.FEE, "佣金": Kind.FEE,
    "withdrawal": Kind.WITHDRAWAL, "提现": Kind.WITHDRAWAL,
    "transfer": Kind.TRANSFER, "转账": Kind.TRANSFER,
    "other": Kind.OTHER, "其他": Kind.OTHER,
}
REQUIRED_COLUMNS = ("kind", "payment_serial_no", "occurred_at", "amount")


class LocalDateTimeWidget(widgets.DateTimeWidget):
    """Times in the file are the hub's local time (Asia/Shanghai), whatever the server's."""

    def clean(self, value, row=None, **kwargs):
        parsed = self._parse_value(value, dt.datetime)
        if parsed is None:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=HUB_TZ)


class GenericStatementResource(resources.Resource):
    """The column template of a generic statement (one row per movement of money)."""

    kind = Field(attribute="kind", column_name="kind", widget=widgets.CharWidget())
    payment_serial_no = Field(
        attribute="payment_serial_no", column_name="payment_serial_no", widget=widgets.CharWidget()
    )
    merchant_order_no = Field(
        attribute="merchant_order_no", column_name="merchant_order_no", widget=widgets.CharWidget()
    )
    occurred_at = Field(
        attribute="occurred_at", column_name="occurred_at",
        widget=LocalDateTimeWidget(format="%Y-%m-%d %H:%M:%S"),
    )
    amount = Field(attribute="amount", column_name="amount", widget=widgets.DecimalWidget())
    order_amount = Field(
        attribute="order_amount", column_name="order_amount", widget=widgets.DecimalWidget()
    )
    fee = Field(attribute="fee", column_name="fee", widget=widgets.DecimalWidget())
    fee_label = Field(attribute="fee_label", column_name="fee_label", widget=widgets.CharWidget())
    line_id = Field(attribute="line_id", column_name="line_id", widget=widgets.CharWidget())
    note = Field(attribute="note", column_name="note", widget=widgets.CharWidget())

    class Meta:
        fields = (
            "kind", "payment_serial_no", "merchant_order_no", "occurred_at", "amount",
            "order_amount", "fee", "fee_label", "line_id", "note",
        )
        export_order = fields


def read_dataset(content: bytes, *, file_name: str) -> tablib.Dataset:
    """The first sheet of an xlsx file, or a csv file (UTF-8 or GBK), as a tablib dataset."""
    if file_name.lower().endswith(".xlsx"):
        try:
            return XLSX().create_dataset(content)
        except Exception as problem:  # openpyxl raises many kinds for a damaged file
            raise StatementRejected(
                texts.NOT_XLSX.encode(file=file_name, why=truncate(str(problem), 200))
            ) from None
    try:
        return CSV().create_dataset(decode_text(content))
    except Exception as problem:  # tablib's csv reader: ragged or binary content
        raise StatementRejected(
            texts.NOT_CSV.encode(file=file_name, why=truncate(str(problem), 200))
        ) from None


def template_dataset() -> tablib.Dataset:
    """An empty sheet with the template's columns, for finance to fill in."""
    return GenericStatementResource().export(queryset=[])


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_generic(content: bytes, *, file_name: str = "") -> ParsedStatement:
    """Read a filled-in column template into statement lines (nothing is saved)."""
    dataset = read_dataset(content, file_name=file_name)
    headers = [_text(header) for header in (dataset.headers or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in headers]
    if missing:
        raise StatementRejected(texts.NOT_TEMPLATE.encode(
            file=file_name, missing=", ".join(missing),
            columns=", ".join(GenericStatementResource.Meta.fields)))
    resource = GenericStatementResource()
    statement = ParsedStatement(source=Source.GENERIC)
    seen: Counter[str] = Counter()
    for index, row in enumerate(dataset.dict):
        line_no = index + 2  # the header is row 1
        values = {name: row.get(name, "") for name in GenericStatementResource.Meta.fields}
        try:
            cleaned = {
                field.attribute: field.clean(values)
                for field in resource.get_import_fields()
            }
        except (ValueError, InvalidOperation, TypeError) as problem:
            statement.errors.append(RowError(line_no, _cell_problem(problem)))
            continue
        try:
            parsed = _line(line_no, cleaned, seen)
        except ValueError as problem:
            statement.errors.append(RowError(line_no, str(problem)))
            continue
        statement.lines.append(parsed)
    times = [line.occurred_at for line in statement.lines if line.occurred_at]
    if times:
        statement.period_start, statement.period_end = min(times), max(times)
    return statement


def _cell_problem(problem: Exception) -> str:
    # The widgets' own messages (django-import-export's words) are kept as they are.
    if isinstance(problem, InvalidOperation):
        return texts.NOT_A_NUMBER.encode()
    return str(problem) or texts.UNREADABLE.encode()


def _amount(value, column: str, *, places: int = 2) -> Decimal:
    if value is None:
        return ZERO
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise ValueError(texts.NOT_IN_RANGE.encode(column=column, value=value))
    if value != round(value, places):
        raise ValueError(texts.DECIMALS.encode(column=column, value=value))
    return value


def _line(line_no: int, cleaned: dict, seen: Counter[str]) -> ParsedLine:
    word = _text(cleaned["kind"]).lower()
    kind = KIND_WORDS.get(word) if word else None
    if word and kind is None:
        raise ValueError(texts.BAD_KIND.encode(
            value=truncate(_text(cleaned["kind"]), 60), kinds=", ".join(sorted(set(KIND_WORDS)))))
    amount = _amount(cleaned["amount"], "amount").copy_abs()
    kind = kind or Kind.PAYMENT
    serial = _text(cleaned["payment_serial_no"])
    merchant_no = _text(cleaned["merchant_order_no"])
    if kind in (Kind.PAYMENT, Kind.REFUND) and not (serial or merchant_no):
        raise ValueError(texts.NO_SERIALS.encode())
    if cleaned["occurred_at"] is None:
        raise ValueError(texts.EMPTY.encode(column="occurred_at"))
    fee = _amount(cleaned["fee"], "fee", places=FEE_PLACES)
    identity = _text(cleaned["line_id"]) or "|".join(
        [kind, serial, merchant_no, cleaned["occurred_at"].isoformat(), str(amount), str(fee)]
    )
    seen[identity] += 1
    parsed = ParsedLine(
        line_no=line_no,
        # Identical rows without a line_id are told apart by their order in the file.
        line_key=line_key(Source.GENERIC, identity, str(seen[identity])),
        kind=kind,
        payment_serial_no=truncate(serial, 64),
        merchant_order_no=truncate(merchant_no, 64),
        business_serial_no=truncate(_text(cleaned["line_id"]), 64),
        occurred_at=cleaned["occurred_at"],
        remark=truncate(_text(cleaned["note"]), 255),
        fee_label=truncate(_text(cleaned["fee_label"]), 40),
    )
    if kind == Kind.PAYMENT:
        order_amount = _amount(cleaned["order_amount"], "order_amount")
        parsed.amount = amount
        parsed.gross_amount = order_amount or amount
        parsed.discount = max(parsed.gross_amount - amount, ZERO)
        parsed.fee = fee
        parsed.fee_label = parsed.fee_label or "手续费"
    elif kind == Kind.REFUND:
        parsed.refund_amount = amount
        parsed.amount = -amount
        parsed.fee = -fee.copy_abs()
        parsed.fee_label = parsed.fee_label or "手续费"
    elif kind == Kind.FEE:
        parsed.amount = -(amount or fee.copy_abs())
        parsed.fee_label = parsed.fee_label or "手续费"
    else:
        parsed.amount = -amount if kind == Kind.WITHDRAWAL else amount
    return parsed


def dataset_bytes(dataset: tablib.Dataset, *, file_format: str) -> bytes:
    """A dataset as xlsx or csv bytes (the template download)."""
    if file_format == "xlsx":
        return XLSX().export_data(dataset)
    buffer = io.StringIO()
    buffer.write(CSV().export_data(dataset))
    return buffer.getvalue().encode("utf-8-sig")
