"""The reconciliation rules: given an order (or the orders of one merged payment) and the
statement lines of its money, which colour, why, and the explanation in finance's words.

Pure functions, no database: ``finance.services.matching`` feeds them. All sums are Decimal,
to the cent; WeChat Pay's five-decimal fees are rounded half up to the cent, as WeChat Pay
settles them.

- green: the money received equals what the order says, to the cent (or the order was
  refunded in full and the money went back), or the difference is exactly what the statement
  names as the platform's fee or commission (支付宝/微信支付服务费, 淘宝客佣金, 平台技术服务费)
  and each stays within the channel's ceiling (a share of the order, ``Ceiling``): that is a
  cost of the order, booked in its cost breakdown, not a difference for a person:
  "应收199.00元，实收198.50元，微信手续费0.50元计入订单成本";
- yellow: what needs a person: the difference is explained exactly, but by a partial refund, a
  coupon the order does not show, or a fee or commission above the ceiling:
  "应收199.00元，实收178.50元，差额20.50元为部分退款20.00元、微信手续费0.50元";
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


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The most a platform may take of an order before a person looks, as percentages of the
    order's amount: payment fees (支付宝/微信支付服务费) and commissions (佣金, 技术服务费).

    Finance keeps one per channel in the admin (``finance.FeeCeiling``); the defaults are
    generous enough for normal affiliate commissions (淘宝客 is commonly 1.5 %–20 %)."""

    payment_fee_percent: Decimal = Decimal("3.00")
    commission_percent: Decimal = Decimal("30.00")
    # Fulfilment by the platform (Amazon FBA) is a service apart from its commission: a
    # cheap item's FBA fee alone can be a quarter of its price, so one mixed ceiling would
    # either wave through an inflated commission or flag every small FBA order.
    fulfilment_fee_percent: Decimal = Decimal("35.00")

    def allows(self, cause: str, amount: Decimal, of: Decimal) -> bool:
        return amount <= (of * self.limit(cause) / 100).quantize(CENT, rounding=ROUND_HALF_UP)

    def limit(self, cause: str) -> Decimal:
        if cause == Cause.COMMISSION:
            return self.commission_percent
        if cause == Cause.FULFILMENT_FEE:
            return self.fulfilment_fee_percent
        return self.payment_fee_percent


DEFAULT_CEILING = Ceiling()
COST_CAUSES = frozenset({Cause.FEE, Cause.COMMISSION, Cause.FULFILMENT_FEE})
# Each kind of cost against its own ceiling, with its name in finance's words.
CEILING_NAMES = {Cause.FEE: "手续费", Cause.COMMISSION: "佣金", Cause.FULFILMENT_FEE: "配送费"}
# A deduction the statement does not name as a fee or commission (a fine, say): a person looks.
OTHER_DEDUCTION = "other_deduction"


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


# What a statement calls the platform's cut (commissions, technical service fees) as opposed
# to a payment fee (支付宝服务费, 微信手续费).
COMMISSION_WORDS = ("佣金", "技术服务费", "平台服务费", "配送费", "Commission", "commission")
FEE_WORDS = ("手续费", "服务费", "Fee", "fee")
# Fulfilment by the platform's own warehouse (``finance.parsers.amazon.fee_label``): in the
# cost breakdown it is the platform's cut (it names 配送费), but its ceiling is its own.
FULFILMENT_WORDS = ("平台配送费",)


def is_commission(label: str) -> bool:
    """A platform's cut (佣金, 技术服务费) as opposed to a payment fee, for the cost breakdown."""
    return any(word in label for word in COMMISSION_WORDS)


def fee_cause(label: str) -> str | None:
    """``Cause.COMMISSION`` or ``Cause.FEE`` when the label names a platform fee or commission;
    ``None`` for any other deduction (a fine, a deposit: a person decides)."""
    if any(word in label for word in FULFILMENT_WORDS):
        return Cause.FULFILMENT_FEE
    if is_commission(label):
        return Cause.COMMISSION
    if any(word in label for word in FEE_WORDS):
        return Cause.FEE
    return None


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


def refund_verdict(*, case_no: str, approved: Decimal, refunded: Decimal) -> Verdict:
    """A statement's refund row against the refund after-sales approved (case ``case_no``):
    green to the cent, yellow with the words when they differ."""
    if refunded == approved:
        return Verdict(
            Colour.GREEN, Cause.AFTERSALES_REFUND,
            f"退款{yuan(refunded)}元，与售后单{case_no}批准的退款一致",
            expected=approved, received=refunded, difference=ZERO,
        )
    more_or_less = "多退" if refunded > approved else "少退"
    return Verdict(
        Colour.YELLOW, Cause.AFTERSALES_REFUND,
        f"售后单{case_no}批准退款{yuan(approved)}元，实退{yuan(refunded)}元，"
        f"{more_or_less}{yuan(abs(approved - refunded))}元，请核查",
        expected=approved, received=refunded, difference=approved - refunded,
    )


def evaluate(
    orders: Sequence[OrderFacts], lines: Sequence, *, ceiling: Ceiling = DEFAULT_CEILING,
    approved_refunds: Decimal = ZERO,
) -> Verdict:
    """The verdict on one payment unit: ``orders`` (one, or several paid together) and every
    statement line of their money so far (payments, refunds, fees; any statement), with the
    channel's fee ``ceiling`` and the refunds after-sales approved for the orders (a refund
    that equals them needs nobody)."""
    if len(orders) == 1 and len(lines) == 1:
        verdict = _one_payment(orders[0], lines[0], ceiling)
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
        (fee_cause(label) or OTHER_DEDUCTION, label, amount) for label, amount in fees.items()
    ]
    explained = _explaining(components, difference)
    if explained is not None:
        cause = max(explained, key=lambda component: component[2])[0]
        if cause == OTHER_DEDUCTION:
            cause = Cause.FEE
        over = _over_ceiling(explained, expected, ceiling)
        refund_approved = bool(refunded) and refunded == approved_refunds
        if not over and all(
            component[0] in COST_CAUSES
            or (component[0] == Cause.PARTIAL_REFUND and refund_approved)
            for component in explained
        ):
            # Only the platform's named fees and commissions within the ceiling (costs), and
            # the refunds after-sales approved, to the cent.
            words = [f"售后退款{yuan(refunded)}元已批准"] if refund_approved else []
            costs = "、".join(
                f"{label}{yuan(amount)}元" for cause_of, label, amount in explained
                if cause_of in COST_CAUSES
            )
            words += [f"{costs}计入订单成本"] if costs else []
            verdict.difference = ZERO
            return _set(verdict, Colour.GREEN, cause, f"{head}，{'，'.join(words)}")
        if len(explained) == 1:
            words = explained[0][1]
        else:
            words = "、".join(f"{label}{yuan(amount)}元" for _cause, label, amount in explained)
        if approved_refunds and not refund_approved:
            over += f"（售后批准退款{yuan(approved_refunds)}元，实退{yuan(refunded)}元）"
        return _set(
            verdict, Colour.YELLOW, cause, f"{head}，差额{yuan(difference)}元为{words}{over}"
        )
    if difference < ZERO:
        words = f"多收{yuan(-difference)}元，无法解释，请核查是否需退款"
    else:
        words = f"差额{yuan(difference)}元无法解释，请核查"
    return _set(verdict, Colour.RED, Cause.AMOUNT_MISMATCH, f"金额不符：{head}，{words}", alert=True)


# The common verdicts, shared: a statement repeats its prices and fees over and over, and a
# verdict is never changed once made (``_set`` only touches fresh ones).
_COMMON: dict[tuple, Verdict | None] = {}
_COMMON_LIMIT = 100_000


def _one_payment(order: OrderFacts, line, ceiling: Ceiling) -> Verdict | None:
    """The common case, decided without the general search: one order, one payment row, exact
    or short by the row's own fee. ``None`` when it is anything else."""
    if line.kind != Kind.PAYMENT or line.discount or order.status == Status.CANCELLED:
        return None
    key = (order.paid_amount, line.amount, line.fee, line.fee_label, ceiling)
    try:
        return _COMMON[key]
    except KeyError:
        pass
    verdict = _decide_one_payment(order.paid_amount, line, ceiling)
    if len(_COMMON) >= _COMMON_LIMIT:
        _COMMON.clear()
    _COMMON[key] = verdict
    return verdict


def _decide_one_payment(expected: Decimal, line, ceiling: Ceiling) -> Verdict | None:
    fee = fee_in_cents(line.fee) if line.fee else ZERO
    received = line.amount - fee
    difference = expected - received
    if difference == ZERO and fee == ZERO:
        return Verdict(
            Colour.GREEN, Cause.EXACT, f"金额一致：应收{yuan(expected)}元，实收{yuan(received)}元",
            expected=expected, received=received, difference=difference,
        )
    label = line.fee_label or "手续费"
    cause = fee_cause(label)
    if difference == fee and fee > ZERO and cause is not None:
        commission = fee if cause == Cause.COMMISSION else ZERO
        head = f"应收{yuan(expected)}元，实收{yuan(received)}元"
        over = _over_ceiling([(cause, label, fee)], expected, ceiling)
        if over:
            colour, words = Colour.YELLOW, f"{head}，差额{yuan(difference)}元为{label}{over}"
        else:
            colour, words, difference = Colour.GREEN, f"{head}，{label}{yuan(fee)}元计入订单成本", ZERO
        return Verdict(
            colour, cause, words, expected=expected, received=received, difference=difference,
            commission=commission, payment_fee=fee - commission,
        )
    return None


def _over_ceiling(
    explained: Sequence[tuple[str, str, Decimal]], expected: Decimal, ceiling: Ceiling
) -> str:
    """Words for the fees and commissions above the channel's ceiling ('' when none is); each
    kind (payment fees, commissions, fulfilment fees) is summed and held to its own ceiling."""
    words = []
    for cause, name in CEILING_NAMES.items():
        amount = sum((c[2] for c in explained if c[0] == cause), ZERO)
        if amount and not ceiling.allows(cause, amount, expected):
            words.append(f"{name}{yuan(amount)}元超过上限{ceiling.limit(cause).normalize():f}%")
    return f"（{'，'.join(words)}，请核查）" if words else ""


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
