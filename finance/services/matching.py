"""Matching statement lines to orders and colouring them, set-based.

A batch of lines is matched with a handful of queries whatever its size: orders are looked up
by payment serial number (Taobao ``alipay_no``, WeChat transaction id), then, for the lines
still without an order, by merchant order number (``T200P<tid>`` → the Taobao order ``<tid>``;
otherwise the channel order number or the hub number). On PostgreSQL many keys go into a
temporary table and one semi-join answers them all; elsewhere ``IN`` lists in chunks. The lines
of one payment (the orders paid together, usually one) form a unit; the unit's earlier lines
(from earlier statements) are read the same way, and the verdict of ``finance.reconciliation``
is given to every line of the unit, old and new. Nothing here runs a query per line.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from finance.events import refunds_matched_record
from finance.models import Colour, ExpectedRefund, Kind, NOT_ORDER_KINDS, StatementLine
from finance.parsers.base import taobao_order_no
from finance.reconciliation import (
    CENT,
    DEFAULT_CEILING,
    ZERO,
    OrderFacts,
    Verdict,
    evaluate,
    not_order_verdict,
    refund_verdict,
    unmatched_verdict,
    unreferenced_fee_verdict,
)
from finance.selectors import fee_ceilings
from finance.services.bulk import querysets_in, upsert_costs, value_rows
from orders.models import Channel, Order

ORDER_KINDS = frozenset({Kind.PAYMENT, Kind.REFUND, Kind.FEE, Kind.MISSING})
DEFAULT_VAT_RATE = Decimal("0.13")
# The fields of earlier lines that reconciliation reads or rewrites.
EARLIER_LINE_FIELDS = (
    "id", "line_key", "statement_id", "kind", "gross_amount", "amount", "fee", "fee_label",
    "discount", "refund_amount", "order_id", "channel_id", "colour", "cause", "explanation",
    "expected_amount", "received_amount", "difference", "red_since", "escalated_at",
    "reviewed_at", "reviewed_by", "review_reason", "payment_serial_no", "merchant_order_no",
)
# A person's review is never among them: a reviewed line keeps its verdict (apply_verdict).
VERDICT_FIELDS = (
    "order", "channel", "colour", "cause", "explanation", "expected_amount", "received_amount",
    "difference", "red_since", "escalated_at",
)


def _orders_where(field_name: str, values: set[str], **filters) -> dict[str, list[OrderFacts]]:
    """Orders whose ``field_name`` is one of ``values``, by that value (set-based)."""
    found: dict[str, list[OrderFacts]] = defaultdict(list)
    # Whether an order has lines already comes with it (an index probe in the database), so
    # that earlier lines are read only for the few orders that have them.
    orders = Order.objects.filter(**filters).order_by().annotate(
        has_lines=Exists(StatementLine.objects.filter(order_id=OuterRef("pk")))
    )
    for queryset in querysets_in(orders, field_name, values):
        rows = value_rows(
            queryset, "id", "hub_no", "channel_id", "status", "paid_amount", "currency",
            "has_lines", field_name,
        )
        for order_id, hub_no, channel_id, status, paid, currency, has_lines, key in rows:
            found[key].append(
                OrderFacts(order_id, hub_no, channel_id, status, paid, currency, has_lines)
            )
    for orders in found.values():
        if len(orders) > 1:
            # Paid together: the lines point to the first order.
            orders.sort(key=lambda order: order.id)
    return found


class OrderIndex:
    """The orders a batch of lines can belong to, found with a few chunked queries."""

    def __init__(self, lines: Sequence) -> None:
        candidates = [line for line in lines if line.kind in ORDER_KINDS]
        self.by_serial = _orders_where(
            "payment_serial_no",
            {line.payment_serial_no for line in candidates if line.payment_serial_no},
        )
        rest = {
            line.merchant_order_no for line in candidates
            if line.merchant_order_no and line.payment_serial_no not in self.by_serial
            and not getattr(line, "channel_code", "")
        }
        tids = {taobao_order_no(number) for number in rest} - {""}
        plain = {number for number in rest if not taobao_order_no(number)}
        self.by_taobao_tid = _orders_where(
            "channel_order_no", tids,
            channel__platform__in=[Channel.Platform.TAOBAO, Channel.Platform.TMALL],
        )
        self.by_channel_no = _orders_where("channel_order_no", plain)
        self.by_hub_no = _orders_where("hub_no", {number.upper() for number in plain})
        # Statements that name the channel (Amazon's settlement report): its order numbers only.
        self.on_channel: dict[str, dict[str, list[OrderFacts]]] = {}
        for code in {getattr(line, "channel_code", "") for line in candidates} - {""}:
            self.on_channel[code] = _orders_where(
                "channel_order_no",
                {line.merchant_order_no for line in candidates
                 if line.channel_code == code and line.merchant_order_no},
                channel__code=code,
            )

    def match(self, line) -> tuple[OrderFacts, ...]:
        """The orders of the line's payment (several when paid together), or none."""
        if line.payment_serial_no:
            orders = self.by_serial.get(line.payment_serial_no)
            if orders:
                return tuple(orders)
        number = line.merchant_order_no
        if not number:
            return ()
        code = getattr(line, "channel_code", "")
        if code:
            return tuple(self.on_channel.get(code, {}).get(number, ())[:1])
        tid = taobao_order_no(number)
        if tid:
            candidates = self.by_taobao_tid.get(tid, [])
        else:
            candidates = self.by_channel_no.get(number) or self.by_hub_no.get(number.upper(), [])
        # The same channel order number on two channels: not ours to guess.
        return (candidates[0],) if len(candidates) == 1 else ()


@dataclass(slots=True)
class Unit:
    """One payment: its orders (the first is the one lines point to) and its lines."""

    orders: tuple[OrderFacts, ...]
    new: list[int] = field(default_factory=list)
    earlier: list[StatementLine] = field(default_factory=list)
    verdict: Verdict | None = None

    @property
    def primary(self) -> OrderFacts:
        return self.orders[0]


@dataclass(frozen=True, slots=True)
class RefundPair:
    """A statement's refund row newly matched to the refund after-sales approved."""

    refund: ExpectedRefund
    line_key: str
    colour: str


@dataclass
class Reconciliation:
    """The result for a batch: per line its verdict and order, per unit its verdict, and the
    refund rows newly matched to approved refunds (saved by ``refund_pairs_save``)."""

    verdicts: list[Verdict]
    matches: list[OrderFacts | None]
    units: dict[int, Unit]
    changed_earlier: list[StatementLine]
    refund_pairs: list[RefundPair] = field(default_factory=list)


def _expected_refunds(order_ids: list[int]) -> dict[int, list[ExpectedRefund]]:
    found: dict[int, list[ExpectedRefund]] = defaultdict(list)
    if not ExpectedRefund.objects.exists():
        return found  # no refund approved yet: nothing to read for a million orders
    refunds = ExpectedRefund.objects.order_by("id")
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        refunds = refunds.select_for_update()  # a pairing is written once
    for queryset in querysets_in(refunds, "order_id", order_ids):
        for refund in queryset:
            found[refund.order_id].append(refund)
    return found


def _pair_refunds(
    refunds: list[ExpectedRefund], lines: Sequence, pairs: list[RefundPair]
) -> dict[int, Verdict]:
    """Each refund row of a unit against the approved refund it pays out: the one it was
    matched to before, else the first unmatched one of the same amount, else the oldest
    unmatched one. Returns the rows' own verdicts by ``id(line)``; new pairs go to ``pairs``."""
    if not refunds:
        return {}
    by_line = {refund.statement_line_id: refund for refund in refunds if refund.statement_line_id}
    free = [refund for refund in refunds if not refund.statement_line_id]
    verdicts = {}
    for line in lines:
        if line.kind != Kind.REFUND or getattr(line, "reviewed_at", None) is not None:
            continue
        refund = by_line.get(getattr(line, "id", None))
        if refund is None:
            refund = next((r for r in free if r.amount == line.refund_amount), None) or (
                free[0] if free else None
            )
            if refund is None:
                continue
            free.remove(refund)
        verdict = refund_verdict(
            case_no=refund.case_no, approved=refund.amount, refunded=line.refund_amount
        )
        if not refund.statement_line_id:
            pairs.append(RefundPair(refund, line.line_key, verdict.colour))
        verdicts[id(line)] = verdict
    return verdicts


def reconcile(lines: Sequence, *, skip_earlier_ids: frozenset[int] = frozenset()) -> Reconciliation:
    """Match ``lines`` (parsed rows or unsaved/saved StatementLines) and give each a verdict.

    Earlier lines of the same orders are re-judged with them; those whose verdict changed are
    returned in ``changed_earlier`` (updated in memory, not saved).
    """
    index = OrderIndex(lines)
    verdicts: list[Verdict | None] = [None] * len(lines)
    matches: list[OrderFacts | None] = [None] * len(lines)
    units: dict[int, Unit] = {}
    for position, line in enumerate(lines):
        kind = line.kind
        if kind in NOT_ORDER_KINDS:
            verdicts[position] = not_order_verdict(
                kind=kind, amount=line.amount, business_type=line.business_type
            )
            continue
        if kind == Kind.FEE and not (line.payment_serial_no or line.merchant_order_no):
            verdicts[position] = unreferenced_fee_verdict(label=line.fee_label, amount=line.amount)
            continue
        orders = index.match(line)
        if not orders:
            verdicts[position] = unmatched_verdict(
                payment_serial_no=line.payment_serial_no, merchant_order_no=line.merchant_order_no
            )
            continue
        unit = units.get(orders[0].id)
        if unit is None:
            unit = units[orders[0].id] = Unit(orders)
        unit.new.append(position)
        matches[position] = orders[0]
    lines_of_units = StatementLine.objects.order_by().only(*EARLIER_LINE_FIELDS)
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Earlier lines may be re-judged and saved: a person reviewing one of them at the same
        # moment waits (their review locks the line too) and then sees the new verdict.
        lines_of_units = lines_of_units.select_for_update(of=("self",))
    with_lines = [order_id for order_id, unit in units.items() if unit.primary.has_lines]
    for earlier in querysets_in(lines_of_units, "order_id", with_lines):
        for line in earlier.iterator(chunk_size=2000):
            if line.id not in skip_earlier_ids:
                units[line.order_id].earlier.append(line)
    now = timezone.now()
    changed: list[StatementLine] = []
    ceilings = fee_ceilings() if units else {}
    refunds = _expected_refunds(
        [order.id for unit in units.values() for order in unit.orders]
    ) if units else {}
    pairs: list[RefundPair] = []
    for unit in units.values():
        unit_lines = [lines[position] for position in unit.new] + unit.earlier
        approved = [refund for order in unit.orders for refund in refunds.get(order.id, ())]
        unit.verdict = verdict = evaluate(
            unit.orders, unit_lines,
            ceiling=ceilings.get(unit.primary.channel_id, DEFAULT_CEILING),
            approved_refunds=sum((refund.amount for refund in approved), ZERO),
        )
        # A refund row paying out an approved refund has its own verdict.
        own = _pair_refunds(approved, unit_lines, pairs)
        for position in unit.new:
            verdicts[position] = own.get(id(lines[position]), verdict)
        for line in unit.earlier:
            if apply_verdict(line, own.get(id(line), verdict), order=unit.primary, now=now):
                changed.append(line)
    return Reconciliation(verdicts, matches, units, changed, pairs)


def apply_verdict(line: StatementLine, verdict: Verdict, *, order: OrderFacts | None, now) -> bool:
    """Give a saved line its (new) verdict; ``False`` if nothing changed.

    A line a person confirmed or resolved keeps the verdict they reviewed: no automatic
    re-match overwrites it (``False``). Otherwise a change of colour restarts the red clock.
    """
    if line.reviewed_at is not None:
        return False
    order_id = order.id if order else None
    if (
        line.colour == verdict.colour and line.cause == verdict.cause
        and line.explanation == verdict.explanation and line.order_id == order_id
    ):
        return False
    if line.colour != verdict.colour or line.explanation != verdict.explanation:
        line.red_since = now if verdict.colour == Colour.RED else None
        line.escalated_at = None
    line.order_id = order_id
    if order is not None:
        line.channel_id = order.channel_id
    line.colour = verdict.colour
    line.cause = verdict.cause
    line.explanation = verdict.explanation
    line.expected_amount = verdict.expected
    line.received_amount = verdict.received
    line.difference = verdict.difference
    return True


def save_changed(lines: list[StatementLine]) -> set[int]:
    """Save re-judged lines; returns the statements whose colour counts must be redone."""
    StatementLine.objects.bulk_update(lines, VERDICT_FIELDS, batch_size=500)
    return {line.statement_id for line in lines if line.statement_id}


def refund_pairs_save(pairs: Sequence[RefundPair]) -> int:
    """Write the refund rows' matches to the approved refunds (after the rows are saved) and
    tell after-sales (``finance.refund_matched``); returns how many."""
    if not pairs:
        return 0
    ids = dict(
        StatementLine.objects.filter(line_key__in=[pair.line_key for pair in pairs])
        .values_list("line_key", "id")
    )
    now = timezone.now()
    matched = []
    for pair in pairs:
        refund = pair.refund
        refund.statement_line_id = ids[pair.line_key]
        refund.colour = pair.colour
        refund.matched_at = now
        matched.append(refund)
    ExpectedRefund.objects.bulk_update(matched, ["statement_line", "colour", "matched_at"])
    refunds_matched_record([
        (refund.order_id, refund.case_id, refund.statement_line_id, refund.colour)
        for refund in matched
    ])
    return len(matched)


# --- cost breakdown -----------------------------------------------------------------------------
def vat_rate() -> Decimal:
    return Decimal(str(getattr(settings, "FINANCE_VAT_RATE", DEFAULT_VAT_RATE)))


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` to the cent; the last share takes the rounding."""
    if len(weights) == 1:
        return [total]
    whole = sum(weights, ZERO)
    shares = [
        (total * weight / whole).quantize(CENT, rounding=ROUND_DOWN) if whole else
        (total / len(weights)).quantize(CENT, rounding=ROUND_DOWN)
        for weight in weights[:-1]
    ]
    return shares + [total - sum(shares, ZERO)]


def costs_refresh(units: dict[int, Unit]) -> int:
    """Write the cost breakdown of every order in ``units`` (one set-based upsert)."""
    rate = vat_rate()
    taxes: dict[Decimal, Decimal] = {}  # prices repeat: each revenue's VAT is worked out once

    def tax_of(revenue: Decimal) -> Decimal:
        tax = taxes.get(revenue)
        if tax is None:
            tax = taxes[revenue] = (revenue * rate / (1 + rate)).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        return tax

    rows = []
    for unit in units.values():
        verdict = unit.verdict
        if len(unit.orders) == 1:
            order = unit.orders[0]
            revenue = order.paid_amount - verdict.refunded
            rows.append(
                (
                    order.id,
                    order.currency,
                    revenue,
                    verdict.commission,
                    verdict.payment_fee,
                    verdict.fulfilment_fee,
                    tax_of(revenue),
                )
            )
            continue
        weights = [order.paid_amount for order in unit.orders]
        shares = zip(
            unit.orders, allocate(verdict.refunded, weights), allocate(verdict.commission, weights),
            allocate(verdict.payment_fee, weights), allocate(verdict.fulfilment_fee, weights),
        )
        for order, refunded, commission, fee, fulfilment in shares:
            revenue = order.paid_amount - refunded
            rows.append(
                (order.id, order.currency, revenue, commission, fee, fulfilment, tax_of(revenue))
            )
    upsert_costs(rows)
    return len(rows)
