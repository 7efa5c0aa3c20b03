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

Each explanation is stored as a code with parameters (``finance.texts``, amounts to the cent)
and read in the reader's language: in Chinese as finance files it, in English for others.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from django.conf import settings
from django.utils import translation

from finance import texts
from finance.models import Cause, Colour, Kind
from orderhub.core.texts import fit, is_encoded, render_param
from orders.state_machine import Status

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# More components than this are not combined (never seen in practice; keeps the search small).
MAX_COMPONENTS = 8

# A row that is no order's money, named by its kind (withdrawals and transfers by their label).
NOT_ORDER_NAMES = {Kind.OTHER: texts.OTHER_MONEY.encode()}
# A fee row the statement gives no label.
DEFAULT_FEE = texts.FEE.encode()
EXPLANATION_MAX_LENGTH = 1000  # StatementLine.explanation


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
CEILING_NAMES = {cause: texts.CEILING_KINDS[cause].encode() for cause in
                 (Cause.FEE, Cause.COMMISSION, Cause.FULFILMENT_FEE)}
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
    fulfilment_fee: Decimal = ZERO


def yuan(amount: Decimal) -> Decimal:
    """An amount as an explanation shows it: to the cent."""
    return amount.quantize(CENT)


def _fee_name(label: str) -> str:
    """A fee as the statement names it (its label is data), or "fee" when it names none."""
    return label or DEFAULT_FEE


def _amounts(items) -> list[str]:
    """``(label, amount)`` pairs as the parts of an explanation ("微信手续费0.50元、…")."""
    return [texts.AMOUNT.encode(label=_fee_name(label), amount=yuan(amount))
            for label, amount in items]


def _prefix(orders: Sequence) -> str:
    return texts.MERGED.encode(count=len(orders)) if len(orders) > 1 else ""


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
    """``Cause.FULFILMENT_FEE``, ``Cause.COMMISSION`` or ``Cause.FEE`` when the label names a
    platform fee or commission (a row without a label is a fee, as the statements print it);
    ``None`` for any other deduction (a fine, a deposit: a person decides)."""
    if not label:
        return Cause.FEE
    if any(word in label for word in FULFILMENT_WORDS):
        return Cause.FULFILMENT_FEE
    if is_commission(label):
        return Cause.COMMISSION
    if any(word in label for word in FEE_WORDS):
        return Cause.FEE
    return None


def explanation(text: texts.Text, **params) -> str:
    """The stored explanation: ``text`` with ``params``, fitted to the column.

    Too long as codes (many fees with long labels), its lists of parts are kept as words in
    the hub's language, so that the amounts stay whole (``fit`` would shorten them first)."""
    value = text.encode(**params)
    if len(value) <= EXPLANATION_MAX_LENGTH:
        return value
    with translation.override(settings.LANGUAGE_CODE):
        for name, param in params.items():
            if isinstance(param, list) or is_encoded(param):
                params[name] = render_param(param)
    return fit(text.encode(**params), EXPLANATION_MAX_LENGTH)


def not_order_verdict(*, kind: str, amount: Decimal, business_type: str = "") -> Verdict:
    if kind in (Kind.WITHDRAWAL, Kind.TRANSFER):
        what = Kind(kind)
    else:
        what = NOT_ORDER_NAMES.get(kind) or business_type or NOT_ORDER_NAMES[Kind.OTHER]
    return Verdict(
        Colour.GREY, Cause.NOT_ORDER,
        explanation(texts.NOT_ORDER, what=what, amount=yuan(abs(amount))),
    )


def unmatched_verdict(*, payment_serial_no: str, merchant_order_no: str) -> Verdict:
    if payment_serial_no and merchant_order_no:
        words = explanation(texts.UNMATCHED_BOTH, serial=payment_serial_no,
                            merchant=merchant_order_no)
    elif payment_serial_no:
        words = explanation(texts.UNMATCHED_SERIAL, serial=payment_serial_no)
    elif merchant_order_no:
        words = explanation(texts.UNMATCHED_MERCHANT, merchant=merchant_order_no)
    else:
        words = explanation(texts.UNMATCHED_NONE)
    return Verdict(Colour.RED, Cause.UNKNOWN_SERIAL, words)


def unreferenced_fee_verdict(*, label: str, amount: Decimal) -> Verdict:
    """A fee that names no order (e.g. a monthly software fee): not an order's money."""
    return Verdict(
        Colour.GREY, Cause.NOT_ORDER,
        explanation(texts.UNREFERENCED_FEE, what=label or texts.CHARGE.encode(),
                    amount=yuan(abs(amount))),
    )


def no_money_verdict(*, order: OrderFacts, days: int) -> Verdict:
    return Verdict(
        Colour.RED, Cause.NO_MONEY,
        explanation(texts.NO_MONEY, days=days, expected=yuan(order.paid_amount)),
        expected=order.paid_amount, received=ZERO, difference=order.paid_amount,
    )


def refund_verdict(*, case_no: str, approved: Decimal, refunded: Decimal) -> Verdict:
    """A statement's refund row against the refund after-sales approved (case ``case_no``):
    green to the cent, yellow with the words when they differ."""
    if refunded == approved:
        return Verdict(
            Colour.GREEN, Cause.AFTERSALES_REFUND,
            explanation(texts.REFUND_AGREES, refunded=yuan(refunded), case=case_no),
            expected=approved, received=refunded, difference=ZERO,
        )
    more_or_less = texts.REFUND_MORE if refunded > approved else texts.REFUND_LESS
    return Verdict(
        Colour.YELLOW, Cause.AFTERSALES_REFUND,
        explanation(more_or_less, case=case_no, approved=yuan(approved),
                    refunded=yuan(refunded), gap=yuan(abs(approved - refunded))),
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
            label = line.fee_label
            fees[label] = fees.get(label, ZERO) - line.amount
        elif line.fee:
            label = line.fee_label
            fees[label] = fees.get(label, ZERO) + fee_in_cents(line.fee)
    total_fees = sum(fees.values(), ZERO)
    causes = {label: fee_cause(label) for label in fees}
    commission = sum((v for label, v in fees.items() if causes[label] == Cause.COMMISSION), ZERO)
    fulfilment = sum(
        (v for label, v in fees.items() if causes[label] == Cause.FULFILMENT_FEE), ZERO)
    received = cash - refunded - total_fees
    difference = expected - received
    verdict = Verdict(
        Colour.GREEN, Cause.EXACT, "", expected=expected, received=received,
        difference=difference, refunded=refunded, commission=commission,
        payment_fee=total_fees - commission - fulfilment, fulfilment_fee=fulfilment,
    )
    statuses = {order.status for order in orders}
    prefix = _prefix(orders)
    kept = cash - refunded
    if Status.CANCELLED in statuses and kept > ZERO:
        return _set(
            verdict, Colour.RED, Cause.CANCELLED_WITH_MONEY,
            explanation(texts.CANCELLED_MONEY, prefix=prefix, amount=yuan(kept)), alert=True,
        )
    if payments == 0:
        seen = [texts.REFUND.encode(amount=yuan(refunded))] if refunded else []
        seen += _amounts((label, amount) for label, amount in fees.items() if amount)
        return _set(
            verdict, Colour.YELLOW, Cause.NO_PAYMENT_SEEN,
            explanation(texts.NO_PAYMENT_SEEN, prefix=prefix,
                        seen=seen or texts.ZERO_ROWS.encode(), expected=yuan(expected)),
        )
    if refunded and refunded == cash:
        if statuses <= {Status.REFUNDED, Status.CANCELLED}:
            return _set(verdict, Colour.GREEN, Cause.FULL_REFUND,
                        explanation(texts.FULL_REFUND, prefix=prefix, refunded=yuan(refunded)))
        return _set(
            verdict, Colour.YELLOW, Cause.FULL_REFUND,
            explanation(texts.FULL_REFUND_OPEN, prefix=prefix, refunded=yuan(refunded)),
        )
    head = {"prefix": prefix, "expected": yuan(expected), "received": yuan(received)}
    if difference == ZERO:
        return _set(verdict, Colour.GREEN, Cause.EXACT, explanation(texts.EXACT, **head))
    components = [
        (Cause.PARTIAL_REFUND, texts.PARTIAL_REFUND.encode(), refunded),
        (Cause.COUPON, texts.COUPON.encode(), discount),
    ]
    components += [
        (causes[label] or OTHER_DEDUCTION, label, amount) for label, amount in fees.items()
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
            costs = _amounts(
                (label, amount) for cause_of, label, amount in explained
                if cause_of in COST_CAUSES
            )
            verdict.difference = ZERO
            if not refund_approved:
                words = explanation(texts.COSTS, costs=costs, **head)
            elif costs:
                words = explanation(texts.REFUND_APPROVED_COSTS, refunded=yuan(refunded),
                                    costs=costs, **head)
            else:
                words = explanation(texts.REFUND_APPROVED, refunded=yuan(refunded), **head)
            return _set(verdict, Colour.GREEN, cause, words)
        if len(explained) == 1:
            what = _fee_name(explained[0][1])
        else:
            what = _amounts((label, amount) for _cause, label, amount in explained)
        note = ""
        if approved_refunds and not refund_approved:
            note = texts.REFUND_NOTE.encode(approved=yuan(approved_refunds),
                                            refunded=yuan(refunded))
        return _set(verdict, Colour.YELLOW, cause, explanation(
            texts.EXPLAINED, difference=yuan(difference), what=what, over=over, note=note,
            **head))
    if difference < ZERO:
        words = explanation(texts.SURPLUS, surplus=yuan(-difference), **head)
    else:
        words = explanation(texts.SHORTFALL, difference=yuan(difference), **head)
    return _set(verdict, Colour.RED, Cause.AMOUNT_MISMATCH, words, alert=True)


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
    head = {"prefix": "", "expected": yuan(expected), "received": yuan(received)}
    if difference == ZERO and fee == ZERO:
        return Verdict(
            Colour.GREEN, Cause.EXACT, explanation(texts.EXACT, **head),
            expected=expected, received=received, difference=difference,
        )
    label = line.fee_label
    cause = fee_cause(label)
    if difference == fee and fee > ZERO and cause is not None:
        commission = fee if cause == Cause.COMMISSION else ZERO
        fulfilment = fee if cause == Cause.FULFILMENT_FEE else ZERO
        over = _over_ceiling([(cause, label, fee)], expected, ceiling)
        if over:
            colour = Colour.YELLOW
            words = explanation(texts.EXPLAINED, difference=yuan(difference),
                                what=_fee_name(label), over=over, note="", **head)
        else:
            colour, difference = Colour.GREEN, ZERO
            words = explanation(texts.COSTS, costs=_amounts([(label, fee)]), **head)
        return Verdict(
            colour, cause, words, expected=expected, received=received, difference=difference,
            commission=commission, payment_fee=fee - commission - fulfilment,
            fulfilment_fee=fulfilment,
        )
    return None


def _over_ceiling(
    explained: Sequence[tuple[str, str, Decimal]], expected: Decimal, ceiling: Ceiling
) -> str:
    """The fees and commissions above the channel's ceiling, as a part of an explanation (''
    when none is); each kind (payment fees, commissions, fulfilment fees) is summed and held to
    its own ceiling."""
    items = []
    for cause, name in CEILING_NAMES.items():
        amount = sum((c[2] for c in explained if c[0] == cause), ZERO)
        if amount and not ceiling.allows(cause, amount, expected):
            items.append(texts.OVER_ITEM.encode(
                kind=name, amount=yuan(amount), limit=f"{ceiling.limit(cause).normalize():f}"))
    return texts.OVER.encode(items=items) if items else ""


def _set(
    verdict: Verdict, colour: str, cause: str, words: str, *, alert: bool = False
) -> Verdict:
    verdict.colour = colour
    verdict.cause = cause
    verdict.explanation = words
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
