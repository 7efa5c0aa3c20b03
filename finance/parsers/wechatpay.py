"""The WeChat Pay trade bill (交易账单), bill type ALL, as the download-bill API returns it.

The first line is the header (交易时间,公众账号ID,商户号,…,费率备注). Every value is prefixed with
a backtick so that Excel keeps long numbers as text. A payment row has 交易状态 ``SUCCESS``; a
refund is a row of its own with ``REFUND``, the original 微信订单号, its 微信退款单号 and 退款金额,
0.00 as 应结订单金额 and the fee given back as a negative 手续费. Fees have five decimals
(``0.60000``). The bill ends with the summary header (总交易单数,应结订单总金额,…) and one
backtick row; 总交易单数 must equal the rows read, or the file is refused as cut short.

A bill can hold a million rows, so rows are split on commas (WeChat Pay quotes nothing; a row
with a quote goes through the csv module) and read by column position.
"""
from __future__ import annotations

import csv
from operator import itemgetter

from finance import texts
from finance.models import Kind, Source
from finance.parsers.base import (
    FEE_PLACES,
    ZERO,
    CellCache,
    CellError,
    ParsedLine,
    ParsedStatement,
    RowError,
    StatementRejected,
    decode_text,
    header_name,
    line_key,
)

COLUMNS = (
    "交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识",
    "交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号",
    "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包",
    "手续费", "费率", "订单金额", "申请退款金额", "费率备注",
)
REQUIRED = (
    "交易时间", "商户号", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "代金券金额",
    "微信退款单号", "退款金额", "手续费",
)
# What a row is read for, in this order (see _line).
ROW_COLUMNS = (
    "交易时间", "商户号", "微信订单号", "商户订单号", "用户标识", "交易状态", "货币种类", "应结订单金额",
    "微信退款单号", "商户退款单号", "退款金额", "商品名称", "商户数据包", "手续费", "订单金额",
)
SUMMARY_FIRST_COLUMN = "总交易单数"
FEE_LABEL = "微信手续费"
# Lines allowed above the header (a title some exports add).
PREAMBLE_LINES = 3


def _cells(raw: str) -> list[str]:
    text = raw.replace("`", "")
    if '"' in text:
        return next(csv.reader([text]))
    return text.split(",")


class _Columns:
    """Column positions by name, looked up once per file."""

    def __init__(self, names: list[str]) -> None:
        self.index = {name: position for position, name in enumerate(names) if name}
        self.width = len(names)
        # The columns every row reads, fetched in one call; a missing optional one reads as "".
        self.read = itemgetter(*(self.index.get(name, -1) for name in ROW_COLUMNS))

    def value(self, cells: list[str], name: str) -> str:
        position = self.index.get(name)
        return cells[position].strip() if position is not None else ""


def parse_trade_bill(content: bytes, *, file_name: str = "") -> ParsedStatement:
    """Read a WeChat Pay ALL trade bill into statement lines (nothing is saved)."""
    raw_lines = decode_text(content).splitlines()
    statement = ParsedStatement(source=Source.WECHATPAY)
    columns: _Columns | None = None
    start = 0
    for position, raw in enumerate(raw_lines[: PREAMBLE_LINES + 1]):
        names = [header_name(cell) for cell in _cells(raw)]
        if all(name in names for name in REQUIRED):
            columns, start = _Columns(names), position + 1
            break
    if columns is None:
        raise StatementRejected(texts.NOT_WECHATPAY.encode(columns=", ".join(REQUIRED)))
    summary_at = None
    rows = 0
    lines = statement.lines
    errors = statement.errors
    cache = CellCache()
    for position in range(start, len(raw_lines)):
        raw = raw_lines[position]
        if not raw.strip():
            continue
        if raw.startswith(SUMMARY_FIRST_COLUMN):
            summary_at = position
            break
        rows += 1
        cells = _cells(raw)
        if len(cells) < columns.width - 1:
            errors.append(
                RowError(
                    position + 1, texts.WIDTH.encode(cells=len(cells), width=columns.width)
                )
            )
            continue
        try:
            lines.append(_line(position + 1, cells, columns, cache))
            if not statement.account:
                statement.account = columns.value(cells, "商户号")
        except CellError as problem:
            errors.append(RowError(position + 1, str(problem)))
    _read_summary(statement, raw_lines, summary_at, rows)
    if lines:
        times = [line.occurred_at for line in lines]
        statement.period_start, statement.period_end = min(times), max(times)
    return statement


def _read_summary(
    statement: ParsedStatement, raw_lines: list[str], at: int | None, rows: int
) -> None:
    values_at = (
        next(
            (position for position in range(at + 1, len(raw_lines)) if raw_lines[position].strip()),
            None,
        )
        if at is not None
        else None
    )
    if values_at is None:
        statement.errors.append(
            RowError(
                0,
                texts.SUMMARY_MISSING.encode(),
            )
        )
        return
    names = [header_name(cell) for cell in _cells(raw_lines[at])]
    statement.summary = dict(zip(names, (cell.strip() for cell in _cells(raw_lines[values_at]))))
    declared = statement.summary.get(SUMMARY_FIRST_COLUMN, "")
    if not declared.isdigit() or int(declared) != rows:
        statement.errors.append(
            RowError(
                values_at + 1,
                texts.SUMMARY_COUNT.encode(declared=declared or "—", rows=rows),
            )
        )


def _line(line_no: int, cells: list[str], columns: _Columns, cache: CellCache) -> ParsedLine:
    # One row of a million: read by position, not by name.
    cells.append("")  # position -1: an optional column the file lacks
    (at, merchant_id, transaction_id, merchant_no, user, status, currency, settled_text,
     refund_no, merchant_refund_no, refund_text, item, attach, fee_text, order_text) = (
        value.strip() for value in columns.read(cells)
    )
    if not transaction_id:
        raise CellError(texts.EMPTY.encode(column="微信订单号"))
    status = status.upper()
    settled = cache.money(settled_text, "应结订单金额")
    fee = cache.money(fee_text, "手续费", places=FEE_PLACES)
    business_serial_no = ""
    gross = discount = refunded = ZERO
    if status == "SUCCESS":
        kind, amount, fee_label = Kind.PAYMENT, settled, FEE_LABEL
        gross = cache.money(order_text, "订单金额") or settled
        # Coupons paid by the merchant (免充值券) are in 订单金额 but never settled.
        discount = gross - settled if gross > settled else ZERO
    elif status == "REFUND":
        # WeChat Pay prints the fee it gives back as negative; it stays as printed.
        kind, fee_label = Kind.REFUND, FEE_LABEL
        business_serial_no = (refund_no if refund_no != "0" else merchant_refund_no)[:64]
        refunded = cache.money(refund_text, "退款金额").copy_abs()
        amount = -refunded
    else:
        # Revoked and other states move no money of an order.
        kind, amount, fee, fee_label = Kind.OTHER, ZERO, ZERO, ""
    # Positional: a million of these are made per bill.
    return ParsedLine(
        line_no,
        line_key(Source.WECHATPAY, merchant_id, transaction_id, status, refund_no),
        kind, transaction_id[:64], merchant_no[:64], business_serial_no,
        cache.time(at, "交易时间"), gross, amount, fee, fee_label, discount, refunded,
        status[:40], item[:255], user[:128], attach[:255], (currency or "CNY")[:3],
    )
