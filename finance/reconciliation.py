"""The reconciliation rules: given an order (or the orders of one merged payment) and the
statement lines of its money, which colour, why, and the explanation in finance's words.

Pure functions, no database: ``finance.services.matching`` feeds them. All sums are Decimal,
to the cent; WeChat Pay's five-decimal fees are rounded half up to the cent, as WeChat Pay
settles them.

- green: the money received equals what the order says, to the cent (or the order was
  refunded in full and the money went back);
- yellow: there is a difference and it is explained exactly by fees, commissions (e.g.
  淘宝客佣金), a partial refund or a coupon: "应收199.00元，实收198.50元，差额0.50元为微信手续费";
- red: no order has this serial number, money arrived for a cancelled order, or a difference
  that nothing explains; the last two raise an alert at once (a refund or a look is needed);
- grey: withdrawals, transfers and other rows that are not an order's money.

The explanations are data for finance's records and reports, written in Chinese as finance
files them; they are not interface strings.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from finance.models import Cause, Colour, Kind
from orders.state_machine import Status

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# More components than this are not combined (never seen in practice; keeps the search small).
MAX_COMPONENTS = 8

NOT_ORDER_WORDS = {Kind.WITHDRAWAL: "提现", Kind.TRANSFER: "转账", Kind.OTHER: "其他款项"}


@dataclass(slots=True)
class OrderFacts:
    """What reconciliation needs to know about an order."""

    id: int
    hub_no: str
    channel_id: int
    status: str
    paid_amount: Decimal
    currency: str = "CNY"
    # Whether statement lines already point to the order (so that they are read and re-judged).
    has_lines: bool = False


@dataclass(slots=True)
class Verdict:
    colour: str
    cause: str
    explanation: str
    expected: Decimal | None = None
    received: Decimal | None = None
    difference: Decimal | None = None
    # Set when the line needs someone now (an alert), not after the 2-hour escalation.
    alert: bool = False
    # For the cost breakdown.
    refunded: Decimal = ZERO
    commission: Decimal = ZERO
    payment_fee: Decimal = ZERO


def yuan(amount: Decimal) -> str:
    return f"{amount:.2f}"


def fee_in_cents(fee: Decimal) -> Decimal:
    return fee.quantize(CENT, rounding=ROUND_HALF_UP)


def is_commission(label: str) -> bool:
    """A platform's cut (佣金) as opposed to a payment fee, for the cost breakdown."""
    return "佣金" in label


def not_order_verdict(*, kind: str, amount: Decimal, business_type: str = "") -> Verdict:
    word = NOT_ORDER_WORDS.get(kind) or business_type or "其他款项"
    return Verdict(
        Colour.GREY, Cause.NOT_ORDER, f"{word}{yuan(abs(amount))}元，非订单款项",
    )


def unmatched_verdict(*, payment_serial_no: str, merchant_order_no: str) -> Verdict:
    keys = []
    if payment_serial_no:
        keys.append(f"支付流水号{payment_serial_no}")
    if merchant_order_no:
        keys.append(f"商户订单号{merchant_order_no}")
    return Verdict(
        Colour.RED, Cause.UNKNOWN_SERIAL,
        f"未找到对应订单（{'，'.join(keys) or '无流水号'}）",
    )


def unreferenced_fee_verdict(*, label: str, amount: Decimal) -> Verdict:
    """A fee that names no order (e.g. a monthly software fee): not an order's money."""
    return Verdict(Colour.GREY, Cause.NOT_ORDER, f"{label or '费用'}{yuan(abs(amount))}元，非单笔订单费用")


def no_money_verdict(*, order: OrderFacts, days: int) -> Verdict:
    return Verdict(
        Colour.RED, Cause.NO_MONEY,
        f"订单已完成，付款{days}天后仍未收到回款（应收{yuan(order.paid_amount)}元）",
        expected=order.paid_amount, received=ZERO, difference=order.paid_amount,
    )


def evaluate(orders: Sequence[OrderFacts], lines: Sequence) -> Verdict:
    """The verdict on one payment unit: ``orders`` (one, or several paid together) and every
    statement line of their money so far (payments, refunds, fees; any statement)."""
    if len(orders) == 1 and len(lines) == 1:
        verdict = _one_payment(orders[0], lines[0])
        if verdict is not None:
            return verdict
    expected = sum((order.paid_amount for order in orders), ZERO)
    gross = cash = discount = refunded = ZERO
    fees: dict[str, Decimal] = {}
    payments = 0
    for line in lines:
        kind = line.kind
        if kind == Kind.PAYMENT:
            payments += 1
            gross += line.gross_amount
            cash += line.amount
            discount += line.discount
        elif kind == Kind.REFUND:
            refunded += line.refund_amount
        if kind == Kind.FEE:
            label = line.fee_label or "手续费"
            fees[label] = fees.get(label, ZERO) - line.amount
        elif line.fee:
            label = line.fee_label or "手续费"
            fees[label] = fees.get(label, ZERO) + fee_in_cents(line.fee)
    total_fees = sum(fees.values(), ZERO)
    commission = sum((v for label, v in fees.items() if is_commission(label)), ZERO)
    received = cash - refunded - total_fees
    difference = expected - received
    verdict = Verdict(
        Colour.GREEN, Cause.EXACT, "", expected=expected, received=received,
        difference=difference, refunded=refunded, commission=commission,
        payment_fee=total_fees - commission,
    )
    statuses = {order.status for order in orders}
    prefix = f"合并付款{len(orders)}笔订单，" if len(orders) > 1 else ""
    kept = cash - refunded
    if Status.CANCELLED in statuses and kept > ZERO:
        return _set(
            verdict, Colour.RED, Cause.CANCELLED_WITH_MONEY,
            f"{prefix}订单已取消，仍收到{yuan(kept)}元，需退款或核查", alert=True,
        )
    if payments == 0:
        seen = [f"退款{yuan(refunded)}元"] if refunded else []
        seen += [f"{label}{yuan(amount)}元" for label, amount in fees.items() if amount]
        return _set(
            verdict, Colour.YELLOW, Cause.NO_PAYMENT_SEEN,
            f"{prefix}仅见{'、'.join(seen) or '零金额记录'}，未见收款记录（应收{yuan(expected)}元）",
        )
    if refunded and refunded == cash:
        if statuses <= {Status.REFUNDED, Status.CANCELLED}:
            return _set(verdict, Colour.GREEN, Cause.FULL_REFUND, f"{prefix}已全额退款{yuan(refunded)}元")
        return _set(
            verdict, Colour.YELLOW, Cause.FULL_REFUND,
            f"{prefix}已全额退款{yuan(refunded)}元，但订单状态不是已退款，请核对",
        )
    head = f"{prefix}应收{yuan(expected)}元，实收{yuan(received)}元"
    if difference == ZERO:
        return _set(
            verdict,
            Colour.GREEN,
            Cause.EXACT,
            f"{prefix}金额一致：应收{yuan(expected)}元，实收{yuan(received)}元",
        )
    components = [(Cause.PARTIAL_REFUND, "部分退款", refunded), (Cause.COUPON, "优惠券", discount)]
    components += [
        (Cause.COMMISSION if is_commission(label) else Cause.FEE, label, amount)
        for label, amount in fees.items()
    ]
    explained = _explaining(components, difference)
    if explained is not None:
        if len(explained) == 1:
            words = explained[0][1]
        else:
            words = "、".join(f"{label}{yuan(amount)}元" for _cause, label, amount in explained)
        cause = max(explained, key=lambda component: component[2])[0]
        return _set(verdict, Colour.YELLOW, cause, f"{head}，差额{yuan(difference)}元为{words}")
    if difference < ZERO:
        words = f"多收{yuan(-difference)}元，无法解释，请核查是否需退款"
    else:
        words = f"差额{yuan(difference)}元无法解释，请核查"
    return _set(verdict, Colour.RED, Cause.AMOUNT_MISMATCH, f"金额不符：{head}，{words}", alert=True)


# The common verdicts, shared: a statement repeats its prices and fees over and over, and a
# verdict is never changed once made (``_set`` only touches fresh ones).
_COMMON: dict[tuple, Verdict | None] = {}
_COMMON_LIMIT = 100_000


def _one_payment(order: OrderFacts, line) -> Verdict | None:
    """The common case, decided without the general search: one order, one payment row, exact
    or short by the row's own fee. ``None`` when it is anything else."""
    if line.kind != Kind.PAYMENT or line.discount or order.status == Status.CANCELLED:
        return None
    key = (order.paid_amount, line.amount, line.fee, line.fee_label)
    try:
        return _COMMON[key]
    except KeyError:
        pass
    verdict = _decide_one_payment(order.paid_amount, line)
    if len(_COMMON) >= _COMMON_LIMIT:
        _COMMON.clear()
    _COMMON[key] = verdict
    return verdict


def _decide_one_payment(expected: Decimal, line) -> Verdict | None:
    fee = fee_in_cents(line.fee) if line.fee else ZERO
    received = line.amount - fee
    difference = expected - received
    if difference == ZERO and fee == ZERO:
        return Verdict(
            Colour.GREEN, Cause.EXACT, f"金额一致：应收{yuan(expected)}元，实收{yuan(received)}元",
            expected=expected, received=received, difference=difference,
        )
    if difference == fee and fee > ZERO:
        label = line.fee_label or "手续费"
        commission = fee if is_commission(label) else ZERO
        return Verdict(
            Colour.YELLOW, Cause.COMMISSION if commission else Cause.FEE,
            f"应收{yuan(expected)}元，实收{yuan(received)}元，差额{yuan(difference)}元为{label}",
            expected=expected, received=received, difference=difference,
            commission=commission, payment_fee=fee - commission,
        )
    return None


def _set(
    verdict: Verdict, colour: str, cause: str, explanation: str, *, alert: bool = False
) -> Verdict:
    verdict.colour = colour
    verdict.cause = cause
    verdict.explanation = explanation[:255]
    verdict.alert = alert
    return verdict


def _explaining(
    components: list[tuple[str, str, Decimal]], difference: Decimal
) -> list[tuple[str, str, Decimal]] | None:
    """The smallest set of components (fees, refunds, coupons) that adds up to the difference."""
    present = [component for component in components if component[2]][:MAX_COMPONENTS]
    for size in range(1, len(present) + 1):
        for chosen in combinations(present, size):
            if sum((component[2] for component in chosen), ZERO) == difference:
                return list(chosen)
    return None
