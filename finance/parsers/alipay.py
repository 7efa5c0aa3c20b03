"""Alipay merchant bills as downloaded: the account bill (账务明细) and the trade bill (业务明细).

Both are GBK-encoded CSV with ``#`` comment lines above the table (title, ``#账号：[…]``,
``#起始日期：[…]   终止日期：[…]``, a dashed rule) and below it (the closing rule, the totals
``#收入合计：N笔，共X元`` / ``#交易合计：N笔…`` and ``#导出时间：[…]``). Values carry a trailing
tab so that Excel keeps long numbers as text. The totals are checked against the rows: a file
cut short is refused rather than half imported.

Taobao and Tmall settle through the seller's Alipay account: the account bill's merchant order
number is ``T200P<tid>`` for the payment of Taobao trade ``<tid>``, and its business serial
number is the trade's Alipay number (the order's ``alipay_no``).
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

from finance import texts
from finance.models import Kind, Source
from finance.parsers.base import (
    FEE_PLACES,
    CellCache,
    CellError,
    ParsedLine,
    ParsedStatement,
    RowError,
    StatementRejected,
    ZERO,
    clean_cell,
    decode_text,
    header_name,
    line_key,
    local_datetime,
    truncate,
)

ACCOUNT_COLUMNS = (
    "账务流水号", "业务流水号", "商户订单号", "商品名称", "发生时间", "对方账号",
    "收入金额(+元)", "支出金额(-元)", "账户余额(元)", "交易渠道", "业务类型", "备注",
)
TRADE_COLUMNS = (
    "支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号",
    "门店名称", "操作员", "终端号", "对方账户", "订单金额(元)", "商家实收(元)", "支付宝红包(元)",
    "集分宝(元)", "支付宝优惠(元)", "商家优惠(元)", "券核销金额(元)", "券名称",
    "商家红包消费金额(元)", "卡消费金额(元)", "退款批次号/请求号", "服务费(元)", "分润(元)", "备注",
)
# Columns a file must have to be read at all (the file itself is kept with the statement).
ACCOUNT_REQUIRED = (
    "账务流水号", "业务流水号", "商户订单号", "发生时间", "收入金额(+元)", "支出金额(-元)", "业务类型",
)
TRADE_REQUIRED = (
    "支付宝交易号", "商户订单号", "业务类型", "完成时间", "订单金额(元)", "商家实收(元)", "服务费(元)",
)

_ACCOUNT_ID = re.compile(r"账号[:：]\s*\[([^\]]*)\]")
_PERIOD = re.compile(r"起始日期[:：]\s*\[([^\]]+)\].*终止日期[:：]\s*\[([^\]]+)\]")
_TOTAL = re.compile(r"(收入|支出|交易|退款)合计[:：]\s*(\d+)\s*笔")
_EXPORTED = re.compile(r"导出时间[:：]\s*\[([^\]]+)\]")


class _Table:
    """The rows of a ``#``-commented Alipay CSV: comments, the header and the data rows."""

    def __init__(self, text: str, *, required: tuple[str, ...], bill: Source) -> None:
        self.comments: list[tuple[int, str]] = []
        self.rows: list[tuple[int, list[str]]] = []
        self.columns: dict[str, int] = {}
        raw_lines = text.splitlines()
        reader = csv.reader(raw_lines)
        for cells in reader:
            line_no = reader.line_num
            first = cells[0].strip() if cells else ""
            if not any(cell.strip() for cell in cells):
                continue
            if first.startswith("#"):
                # Footers are sometimes padded with commas: keep the comment text only.
                self.comments.append((line_no, ",".join(cells).rstrip(", \t")))
                continue
            if not self.columns:
                names = [header_name(cell) for cell in cells]
                if all(name in names for name in required):
                    self.columns = {name: index for index, name in enumerate(names) if name}
                    self.width = len(cells)
                    continue
                # Still in the preamble: a title line that lacks the '#'.
                self.comments.append((line_no, ",".join(cells)))
                continue
            self.rows.append((line_no, cells))
        if not self.columns:
            raise StatementRejected(
                texts.NOT_ALIPAY.encode(bill=bill, columns=", ".join(required)))

    def cell(self, cells: list[str], name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return ""
        return clean_cell(cells[index])

    def header_facts(self, statement: ParsedStatement) -> None:
        """Account, period and the footer totals from the comment lines."""
        for line_no, comment in self.comments:
            if found := _ACCOUNT_ID.search(comment):
                statement.account = found.group(1).strip()
            elif found := _PERIOD.search(comment):
                statement.period_start = _comment_time(found.group(1))
                statement.period_end = _comment_time(found.group(2))
            elif found := _TOTAL.search(comment):
                statement.summary[f"{found.group(1)}笔数"] = int(found.group(2))
                statement.summary[f"{found.group(1)}合计"] = comment.lstrip("#").strip()
                statement.summary.setdefault("_lines", {})[found.group(1)] = line_no
            elif found := _EXPORTED.search(comment):
                statement.summary["导出时间"] = found.group(1).strip()


def _open(
    content: bytes, required: tuple[str, ...], source: Source
) -> tuple[_Table, ParsedStatement]:
    table = _Table(decode_text(content), required=required, bill=source)
    statement = ParsedStatement(source=source)
    table.header_facts(statement)
    return table, statement


def _comment_time(text: str) -> dt.datetime | None:
    try:
        return local_datetime(text, "period")
    except CellError:
        return None


def _check_total(statement: ParsedStatement, label: str, counted: int) -> None:
    """The footer's row count must equal the rows read: otherwise the file was cut short."""
    expected = statement.summary.get(f"{label}笔数")
    if expected is None or expected == counted:
        return
    statement.errors.append(
        RowError(
            statement.summary.get("_lines", {}).get(label, 0),
            texts.FOOTER_COUNT.encode(expected=expected, label=label, counted=counted),
        )
    )


def _checked_rows(table: _Table, statement: ParsedStatement) -> Iterator[tuple[int, list[str]]]:
    for line_no, cells in table.rows:
        if len(cells) < len(table.columns):
            statement.errors.append(
                RowError(line_no, texts.WIDTH.encode(cells=len(cells), width=table.width))
            )
            continue
        yield line_no, cells


# --- account bill (账务明细) ------------------------------------------------------------------
def _fee_label(text: str) -> str:
    """The fee's name as finance says it (commissions contain 佣金, see reconciliation)."""
    if "淘宝客" in text:
        return "淘宝客佣金"
    if "天猫" in text and "佣金" in text:
        return "天猫佣金"
    if "佣金" in text:
        return "平台佣金"
    if "花呗" in text:
        return "花呗服务费"
    if "信用卡" in text:
        return "信用卡支付服务费"
    return "支付宝服务费"


def _account_kind(business_type: str, text: str, income: Decimal, expense: Decimal) -> str:
    if "提现" in business_type:
        return Kind.WITHDRAWAL
    if "转账" in business_type or "充值" in business_type:
        return Kind.TRANSFER
    if "退款" in business_type:
        return Kind.REFUND
    if "佣金" in text or "服务费" in text or "手续费" in text or business_type == "收费":
        return Kind.FEE
    if income > ZERO:
        return Kind.PAYMENT
    if expense > ZERO:
        return Kind.FEE
    return Kind.OTHER


def parse_account_bill(content: bytes, *, file_name: str = "") -> ParsedStatement:
    """An Alipay account bill (账务明细): one row per movement of the account's balance."""
    table, statement = _open(
        content, ACCOUNT_REQUIRED, Source.ALIPAY_ACCOUNT
    )
    incomes = expenses = 0
    cache = CellCache()
    for line_no, cells in _checked_rows(table, statement):
        get = lambda name: table.cell(cells, name)  # noqa: E731
        try:
            entry_no = get("账务流水号")
            if not entry_no:
                raise CellError(texts.EMPTY.encode(column="账务流水号"))
            income = cache.money(get("收入金额(+元)"), "收入金额").copy_abs()
            expense = cache.money(get("支出金额(-元)"), "支出金额").copy_abs()
            occurred_at = cache.time(get("发生时间"), "发生时间")
        except CellError as problem:
            statement.errors.append(RowError(line_no, str(problem)))
            continue
        incomes += income > ZERO
        expenses += expense > ZERO
        business_type = get("业务类型")
        item_name = get("商品名称")
        remark = get("备注")
        kind = _account_kind(
            business_type, f"{business_type} {item_name} {remark}", income, expense
        )
        parsed = ParsedLine(
            line_no=line_no,
            line_key=line_key(Source.ALIPAY_ACCOUNT, statement.account, entry_no),
            kind=kind,
            payment_serial_no=get("业务流水号"),
            merchant_order_no=get("商户订单号"),
            business_serial_no=entry_no,
            occurred_at=occurred_at,
            amount=income - expense,
            business_type=truncate(business_type, 40),
            item_name=truncate(item_name, 255),
            counterparty=truncate(get("对方账号"), 128),
            remark=truncate(remark, 255),
        )
        if kind == Kind.PAYMENT:
            parsed.gross_amount = income
        elif kind == Kind.REFUND:
            parsed.refund_amount = expense - income
        elif kind == Kind.FEE:
            parsed.fee_label = _fee_label(f"{business_type} {item_name} {remark}")
        statement.lines.append(parsed)
    _check_total(statement, "收入", incomes)
    _check_total(statement, "支出", expenses)
    statement.summary.pop("_lines", None)
    return statement


# --- trade bill (业务明细) --------------------------------------------------------------------
def parse_trade_bill(content: bytes, *, file_name: str = "") -> ParsedStatement:
    """An Alipay trade bill (业务明细): one row per trade (交易) or refund (退款)."""
    table, statement = _open(content, TRADE_REQUIRED, Source.ALIPAY_TRADE)
    trades = refunds = 0
    cache = CellCache()
    for line_no, cells in _checked_rows(table, statement):
        get = lambda name: table.cell(cells, name)  # noqa: E731
        try:
            trade_no = get("支付宝交易号")
            if not trade_no:
                raise CellError(texts.EMPTY.encode(column="支付宝交易号"))
            order_amount = cache.money(get("订单金额(元)"), "订单金额")
            received = cache.money(get("商家实收(元)"), "商家实收")
            fee = cache.money(get("服务费(元)"), "服务费", places=FEE_PLACES).copy_abs()
            occurred_at = cache.time(get("完成时间") or get("创建时间"), "完成时间")
        except CellError as problem:
            statement.errors.append(RowError(line_no, str(problem)))
            continue
        business_type = get("业务类型")
        batch = get("退款批次号/请求号")
        parsed = ParsedLine(
            line_no=line_no,
            line_key=line_key(Source.ALIPAY_TRADE, trade_no, business_type, batch),
            kind=Kind.OTHER,
            payment_serial_no=trade_no,
            merchant_order_no=get("商户订单号"),
            business_serial_no=batch,
            occurred_at=occurred_at,
            business_type=truncate(business_type, 40),
            item_name=truncate(get("商品名称"), 255),
            counterparty=truncate(get("对方账户"), 128),
            remark=truncate(get("备注"), 255),
        )
        if "退款" in business_type:
            refunds += 1
            parsed.kind = Kind.REFUND
            parsed.refund_amount = received.copy_abs()
            parsed.amount = -parsed.refund_amount
            # The service fee of a refunded trade is given back.
            parsed.fee = -fee
            parsed.fee_label = "支付宝服务费"
        elif "交易" in business_type:
            trades += 1
            parsed.kind = Kind.PAYMENT
            parsed.gross_amount = order_amount
            parsed.amount = received
            parsed.discount = max(order_amount - received, ZERO)
            parsed.fee = fee
            parsed.fee_label = "支付宝服务费"
        statement.lines.append(parsed)
    _check_total(statement, "交易", trades)
    _check_total(statement, "退款", refunds)
    statement.summary.pop("_lines", None)
    return statement
