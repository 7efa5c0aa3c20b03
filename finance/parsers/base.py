"""What every statement parser returns, and the cell readers they share.

Parsers read bytes and return a :class:`ParsedStatement`; they never touch the database. A
row that cannot be read (a bad amount, a bad time, a missing serial number, the wrong number of
columns) becomes a :class:`RowError` naming the row as the file numbers it, and the whole
import is refused: a statement is taken whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings

from finance import texts
from orderhub.core.errors import ValidationFailed
from orderhub.core.texts import render

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The money columns hold 12 digits before the point (max_digits=14); a larger amount is refused
# as a cell error rather than overflowing the column.
MAX_AMOUNT = Decimal("1e11")
# WeChat Pay prints fees with five decimals.
FEE_PLACES = 5
HUB_TZ = ZoneInfo(settings.TIME_ZONE)
# Shown in the refusal; the rest are counted.
MAX_REPORTED_ERRORS = 50


@dataclass(slots=True)
class ParsedLine:
    """One statement row in the hub's terms (see ``finance.models.StatementLine``)."""

    line_no: int
    line_key: str
    kind: str
    payment_serial_no: str = ""
    merchant_order_no: str = ""
    business_serial_no: str = ""
    occurred_at: dt.datetime | None = None
    gross_amount: Decimal = ZERO
    amount: Decimal = ZERO
    fee: Decimal = ZERO
    fee_label: str = ""
    discount: Decimal = ZERO
    refund_amount: Decimal = ZERO
    business_type: str = ""
    item_name: str = ""
    counterparty: str = ""
    remark: str = ""
    currency: str = "CNY"
    # The channel whose order number ``merchant_order_no`` is, when the statement says so
    # (Amazon's settlement report: ``amazon``); matching then looks on that channel only.
    channel_code: str = ""


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that cannot be imported; ``message`` is a stored text (``finance.texts``)."""

    line_no: int
    message: str

    def as_dict(self) -> dict:
        """The row and its problem in the active language (shown to whoever uploaded)."""
        return {"row": self.line_no, "message": render(self.message)}


@dataclass
class ParsedStatement:
    source: str
    lines: list[ParsedLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    account: str = ""
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    summary: dict = field(default_factory=dict)


class StatementRejected(ValidationFailed):
    """The file is not a readable statement of the chosen kind; nothing was imported.

    Raised with a stored text (``finance.texts``): ``message`` is its words in the active
    language (for whoever waits on the upload), ``stored`` the code to keep (an import that ran
    off the request tells finance through an alert, read later in the reader's language)."""

    code = "statement_rejected"

    def __init__(self, text: str, *, extra: dict | None = None) -> None:
        super().__init__(render(text), extra=extra)
        self.stored = text

    @classmethod
    def from_errors(cls, errors: list[RowError], *, file_name: str) -> StatementRejected:
        shown = errors[:MAX_REPORTED_ERRORS]
        first = shown[0]
        where = texts.AT_ROW.encode(row=first.line_no) if first.line_no else ""
        more = texts.MORE_PROBLEMS.encode(count=len(errors) - 1) if len(errors) > 1 else ""
        return cls(
            texts.NOTHING_IMPORTED.encode(file=file_name, where=where, problem=first.message,
                                          more=more),
            extra={"errors": [error.as_dict() for error in shown], "error_count": len(errors)},
        )


class CellError(ValueError):
    """A cell that cannot be read; the parser turns it into a RowError for its row. Its one
    argument is a stored text (``finance.texts``)."""


def decode_text(content: bytes) -> str:
    """UTF-8 (WeChat Pay, most spreadsheets) or GBK (Alipay); GB18030 is GBK's superset."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError:
            raise StatementRejected(texts.NOT_TEXT.encode()) from None


def clean_cell(value: str) -> str:
    """A cell without the padding platforms add so that Excel keeps long numbers as text:
    Alipay's trailing tab, WeChat Pay's leading backtick, an ``="…"`` wrapper."""
    value = value.strip().lstrip("`").strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1].strip()
    return value


_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "　": " "})


def header_name(value: str) -> str:
    """A column heading compared loosely: full-width brackets and spaces do not matter."""
    return clean_cell(value).translate(_FULL_WIDTH).replace(" ", "")


def money(value: str, column: str, *, places: int = 2) -> Decimal:
    """A yuan amount to the cent (or to ``places`` decimals); empty means zero.

    On the hot path of a million-row import: no regular expressions, one Decimal.
    """
    text = value.strip().lstrip("`").strip()
    if not text or text == "-":
        return ZERO
    if text[0] in "¥￥":
        text = text[1:]
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(cell_text(texts.NOT_AN_AMOUNT, column, value)) from None
    if not amount.is_finite():
        raise CellError(cell_text(texts.NOT_AN_AMOUNT, column, value))
    if abs(amount) >= MAX_AMOUNT:
        raise CellError(cell_text(texts.OUT_OF_RANGE, column, value))
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 > places and amount != round(amount, places):
        raise CellError(cell_text(texts.TOO_MANY_DECIMALS, column, value))
    return amount


# A cell's value quoted in a problem is cut: a row's problem is read, not a dump of the row.
QUOTED_LENGTH = 60


def cell_text(text: texts.Text, column: str, value) -> str:
    """The problem ``text`` of the ``column`` cell holding ``value`` (a stored text)."""
    return text.encode(column=column, value=truncate(str(value).strip(), QUOTED_LENGTH))


_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M:%S")


def local_datetime(value: str, column: str, *, required: bool = True) -> dt.datetime | None:
    """A platform time: local (Asia/Shanghai) wall-clock time without an offset."""
    text = clean_cell(value)
    if not text:
        if required:
            raise CellError(texts.EMPTY.encode(column=column))
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            raise CellError(cell_text(texts.NOT_A_TIME, column, text)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=HUB_TZ)
    return parsed


class CellCache:
    """Amounts and times of one file, each text read once: a daily bill of a million rows
    repeats its prices and its seconds many times over."""

    def __init__(self) -> None:
        self._money: dict[tuple[str, int], Decimal] = {}
        self._times: dict[str, dt.datetime | None] = {}

    def money(self, value: str, column: str, *, places: int = 2) -> Decimal:
        key = (value, places)
        found = self._money.get(key)
        if found is None:
            found = self._money[key] = money(value, column, places=places)
        return found

    def time(self, value: str, column: str) -> dt.datetime | None:
        found = self._times.get(value)
        if found is None:
            found = self._times[value] = local_datetime(value, column)
        return found


def line_key(*parts: str) -> str:
    """A row's identity as 40 hex digits: equal for the same row in any file."""
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()


def truncate(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


_TAOBAO_MERCHANT_NO = re.compile(r"^T\d+P(\d+)$")


def taobao_order_no(merchant_order_no: str) -> str:
    """The Taobao/Tmall order (tid) inside an Alipay merchant order number such as
    ``T200P3012345678901`` (the settlement of trade 3012345678901); empty if none."""
    found = _TAOBAO_MERCHANT_NO.match(merchant_order_no)
    return found.group(1) if found else ""
