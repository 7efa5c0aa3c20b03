"""Amazon's settlement report, Flat File V2 (report type
``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``), as Seller Central and the Selling Partner
Reports API deliver it.

Tab-separated, UTF-8, one header line with the documented columns (``settlement-id``,
``settlement-start-date``, ``settlement-end-date``, ``deposit-date``, ``total-amount``,
``currency``, ``transaction-type``, ``order-id``, ``merchant-order-id``, ``adjustment-id``,
``shipment-id``, ``marketplace-name``, ``amount-type``, ``amount-description``, ``amount``,
``fulfillment-id``, ``posted-date``, ``posted-date-time``, ``order-item-code``,
``merchant-order-item-id``, ``merchant-adjustment-item-id``, ``sku``, ``quantity-purchased``,
``promotion-id``). The first data row is the settlement's summary (its id, period, deposit
date, ``total-amount`` deposited and currency; no transaction); every other row is one amount
of one transaction, its kind in ``amount-type`` / ``amount-description`` and its signed value
in the single ``amount`` column (marketplaces in Europe write ``95,00``). ``posted-date-time``
is UTC (``2026-10-02 07:15:30 UTC``).

In the hub's terms (the channel ``amazon``; ``order-id`` is the channel order number):
- ``Order`` rows of ``ItemPrice`` (Principal, Shipping, Tax, GiftWrap…), ``Promotion`` and
  ``ItemWithheldTax`` (the tax Amazon collects and remits, which cancels the tax rows) are the
  order's money (payment rows), matched to the order's amount to the cent;
- ``ItemFees`` (Commission, FBAPerUnitFulfillmentFee, closing fees…) are the platform's cut:
  fee rows, costs of the order, the commission (and closing fees) within the channel's
  commission ceiling and the FBA fees within its fulfilment fee ceiling, each on its own
  (``fee_label`` names the kind);
- ``Refund`` rows of ``ItemPrice`` are refunds (matched to the refunds after-sales approved),
  ``ItemFees`` on a refund (RefundCommission, the refund administration fee) fee rows;
- rows of no order (subscription, storage, reserve) are not an order's money.
The deposit, ``total-amount``, must equal the sum of every row's ``amount``: a file that does
not add up is refused.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal, InvalidOperation

from finance import texts
from finance.models import Kind, Source
from finance.parsers.base import (
    CellError,
    ParsedLine,
    ParsedStatement,
    RowError,
    StatementRejected,
    ZERO,
    cell_text,
    decode_text,
    line_key,
    truncate,
)

CHANNEL_CODE = "amazon"
REQUIRED = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "amount-type",
    "amount-description", "amount", "posted-date",
)
IDENTITY = (
    "transaction-type", "order-id", "adjustment-id", "shipment-id", "amount-type",
    "amount-description", "order-item-code", "merchant-adjustment-item-id", "sku",
    "posted-date-time", "posted-date", "amount",
)
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y", "%m/%d/%Y",
                 "%m/%d/%y", "%Y/%m/%d")
UTC = dt.timezone.utc


def amazon_amount(text: str, column: str) -> Decimal:
    """An Amazon amount: ``-4.05``, ``1,234.56``, or the European ``95,00`` / ``1.234,56``."""
    value = text.strip()
    if not value:
        return ZERO
    if "," in value and "." in value:
        value = value.replace(".", "").replace(",", ".") if value.rfind(",") > value.rfind(
            ".") else value.replace(",", "")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CellError(cell_text(texts.NOT_AN_AMOUNT, column, text)) from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e12") or amount != round(amount, 2):
        raise CellError(cell_text(texts.NOT_CENTS, column, text))
    return amount


def amazon_time(text: str, column: str) -> dt.datetime | None:
    """A settlement report time: UTC, written with or without ``UTC``, or a bare date."""
    value = text.strip().removesuffix("UTC").removesuffix("+00:00").strip()
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CellError(cell_text(texts.NOT_A_TIME, column, text)) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ``ItemFees`` descriptions that are Amazon's selling fees (the referral fee, reported as
# ``Commission``, its refund counterpart and the closing fees of media items) ...
SELLING_FEES = frozenset({"Commission", "ReferralFee", "RefundCommission", "VariableClosingFee",
                          "FixedClosingFee", "PerItemFee"})
# ... and those of Fulfilment by Amazon (``FBAPerUnitFulfillmentFee``, ``FBAWeightBasedFee``,
# ``FBAPerOrderFulfillmentFee``, ``FBAPickAndPackFee``…) and Amazon's shipping charges.
FULFILMENT_PREFIXES = ("FBA", "ShippingChargeback", "ShippingHB")


def fee_label(description: str) -> str:
    """An ``ItemFees`` row's name, by kind: Amazon's commission (held to the channel's
    commission ceiling), its fulfilment fees (to the fulfilment fee ceiling), or another fee
    (to the payment fee ceiling, or a look when the name says nothing)."""
    description = description or "ItemFees"
    if description in SELLING_FEES:
        return truncate(f"亚马逊佣金({description})", 40)
    if description.startswith(FULFILMENT_PREFIXES) or "Fulfillment" in description:
        return truncate(f"亚马逊平台配送费({description})", 40)
    return truncate(f"亚马逊其他费用({description})", 40)


def _kind(transaction: str, amount_type: str, order_id: str, amount: Decimal) -> str:
    transaction, amount_type = transaction.lower(), amount_type.lower()
    if not order_id:
        return Kind.FEE if amount < ZERO else Kind.OTHER
    if amount_type == "itemfees" or amount_type.endswith("fees"):
        return Kind.FEE
    if transaction == "order" and amount_type in ("itemprice", "promotion", "itemwithheldtax"):
        # The tax Amazon collects and remits itself (marketplace facilitator) cancels the
        # order's tax rows: what is left is the order's own money.
        return Kind.PAYMENT
    if transaction == "refund" and amount_type in ("itemprice", "promotion", "itemwithheldtax"):
        return Kind.REFUND
    # Withheld taxes, chargebacks, reimbursements…: an order's money a person looks at.
    return Kind.FEE if amount < ZERO else Kind.OTHER


def parse_settlement_report(content: bytes, *, file_name: str = "") -> ParsedStatement:
    """Read a Flat File V2 settlement report into statement lines (nothing is saved)."""
    raw_lines = [line for line in decode_text(content).splitlines() if line.strip()]
    header = [cell.strip().lower() for cell in raw_lines[0].split("\t")] if raw_lines else []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise StatementRejected(texts.NOT_AMAZON.encode(columns=", ".join(missing)))
    position = {name: index for index, name in enumerate(header)}
    statement = ParsedStatement(source=Source.AMAZON_SETTLEMENT)
    total = None
    seen: Counter[tuple] = Counter()
    summed = ZERO
    for line_no, raw in enumerate(raw_lines[1:], start=2):
        cells = raw.split("\t")

        def get(name: str) -> str:
            index = position.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            if total is None and get("total-amount") and not get("amount-type"):
                _read_summary(statement, get)
                total = amazon_amount(get("total-amount"), "total-amount")
                continue
            amount = amazon_amount(get("amount"), "amount")
            occurred_at = amazon_time(get("posted-date-time") or get("posted-date"), "posted-date")
        except CellError as problem:
            statement.errors.append(RowError(line_no, str(problem)))
            continue
        if not get("amount-type"):
            statement.errors.append(RowError(line_no, texts.EMPTY.encode(column="amount-type")))
            continue
        summed += amount
        statement.lines.append(_line(line_no, get, amount, occurred_at, statement, seen))
    if total is None:
        statement.errors.append(RowError(2, texts.AMAZON_SUMMARY_MISSING.encode()))
    elif summed != total and not statement.errors:
        statement.errors.append(RowError(0, texts.AMAZON_TOTAL.encode(
            summed=summed.quantize(Decimal("0.01")),
            currency=statement.summary.get("currency", ""),
            total=total.quantize(Decimal("0.01")))))
    return statement


def _read_summary(statement: ParsedStatement, get) -> None:
    statement.account = get("settlement-id")
    statement.period_start = amazon_time(get("settlement-start-date"), "settlement-start-date")
    statement.period_end = amazon_time(get("settlement-end-date"), "settlement-end-date")
    statement.summary = {
        "settlement-id": get("settlement-id"), "deposit-date": get("deposit-date"),
        "total-amount": get("total-amount"), "currency": get("currency"),
    }


def _line(line_no: int, get, amount: Decimal, occurred_at, statement: ParsedStatement,
          seen: Counter) -> ParsedLine:
    order_id = get("order-id")
    amount_type, description = get("amount-type"), get("amount-description")
    kind = _kind(get("transaction-type"), amount_type, order_id, amount)
    identity = tuple(get(name) for name in IDENTITY)
    seen[identity] += 1
    parsed = ParsedLine(
        line_no=line_no,
        # The same row in a re-downloaded report has the same key (identical rows of one
        # report are told apart by their order in it).
        line_key=line_key(Source.AMAZON_SETTLEMENT, statement.account, *identity,
                          str(seen[identity])),
        kind=kind,
        merchant_order_no=truncate(order_id, 64),
        business_serial_no=truncate(get("adjustment-id") or get("shipment-id"), 64),
        occurred_at=occurred_at,
        amount=amount,
        business_type=truncate(f"{get('transaction-type')}/{amount_type}", 40),
        item_name=truncate(get("sku"), 255),
        remark=truncate(description, 255),
        currency=(get("currency") or statement.summary.get("currency") or "USD")[:3],
        channel_code=CHANNEL_CODE if order_id else "",
    )
    if kind == Kind.PAYMENT:
        parsed.gross_amount = amount
    elif kind == Kind.REFUND:
        parsed.refund_amount = -amount
    elif kind == Kind.FEE:
        parsed.fee_label = fee_label(description) if amount_type.lower().endswith(
            "fees") else truncate(description or amount_type, 40)
    return parsed
