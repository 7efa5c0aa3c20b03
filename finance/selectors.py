"""Reads on finance data: statements, the three-colour board, reports."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)

from finance.models import (
    Cause,
    Colour,
    ConsistencyCheck,
    FeeCeiling,
    Kind,
    Statement,
    StatementLine,
)
from finance.parsers.base import HUB_TZ
from finance.reconciliation import Ceiling
from orderhub.core.errors import NotFound
from orders.models import Channel, Order
from orders.money import HOME_CURRENCY
from orders.state_machine import Status

LINE_LIST_FIELDS = (
    "id", "statement_id", "line_no", "kind", "payment_serial_no", "merchant_order_no",
    "business_serial_no", "occurred_at", "amount", "gross_amount", "fee", "fee_label",
    "colour", "cause", "explanation", "expected_amount", "received_amount", "difference",
    "reviewed_at", "review_reason", "order__hub_no", "channel__code",
)


def statement_get(*, statement_id: int) -> Statement:
    try:
        return Statement.objects.select_related("channel", "imported_by").get(pk=statement_id)
    except (Statement.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No payment statement #{statement_id}.") from None


def statement_lines(*, statement: Statement, colour: str | None = None) -> QuerySet[StatementLine]:
    """A statement's lines in file order, with the hub number of their order."""
    lines = StatementLine.objects.filter(statement=statement).select_related("order", "channel")
    if colour:
        lines = lines.filter(colour=colour)
    return lines.only(*LINE_LIST_FIELDS).order_by("id")


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of ``start`` to the end of ``end``, local time."""
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=HUB_TZ),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=HUB_TZ),
    )


def board_lines(
    *, colour: str | list[str] | None = None, channel: Channel | None = None,
    start: dt.date | None = None, end: dt.date | None = None, statement: Statement | None = None,
    unreviewed: bool = False,
) -> QuerySet[StatementLine]:
    """The three-colour board: lines by colour, channel and period (occurred), newest first."""
    lines = StatementLine.objects.select_related("order", "channel", "statement", "reviewed_by")
    if colour:
        lines = lines.filter(colour__in=[colour] if isinstance(colour, str) else colour)
    if channel is not None:
        lines = lines.filter(channel=channel)
    if statement is not None:
        lines = lines.filter(statement=statement)
    if start or end:
        since, until = period_bounds(start or dt.date(2000, 1, 1), end or dt.date(2999, 12, 31))
        lines = lines.filter(occurred_at__gte=since, occurred_at__lt=until)
    if unreviewed:
        lines = lines.filter(reviewed_at__isnull=True)
    return lines.order_by("-occurred_at", "-id")


@dataclass(frozen=True)
class ColourTotals:
    """One colour's lines on the board in one currency and their money: expected, received and
    difference are the payment lines' (a unit's verdict is on each of its lines; its payment
    line counts it once), fees are every line's fee and fee rows, to the cent."""

    colour: str
    count: int
    expected: Decimal
    received: Decimal
    fees: Decimal
    difference: Decimal
    currency: str = ""


def colour_totals(lines: QuerySet[StatementLine]) -> list[ColourTotals]:
    """Per colour (all four, in order) and per currency within it: how many lines, expected,
    received, fees, difference. Amounts in different currencies are never added up: a board
    with Alipay yuan and Amazon dollars shows a row per currency (a colour with no line shows
    one row of zeros, in the board's currency when it has only one)."""
    money_kinds = [Kind.PAYMENT, Kind.MISSING]
    # Every line of a unit carries the unit's verdict; an Amazon order has several payment
    # rows (principal, tax, the tax Amazon withholds), so the unit counts on the first of its
    # payment lines among those shown, never once per row.
    first_of_order = (lines.filter(order_id=OuterRef("order_id"), kind__in=money_kinds)
                      .order_by("id").values("id")[:1])
    money_lines = Q(kind__in=money_kinds) & (Q(order__isnull=True) | Q(id=Subquery(first_of_order)))
    fee_of_line = Case(
        When(kind=Kind.FEE, then=-F("amount")), default=F("fee"),
        output_field=DecimalField(max_digits=16, decimal_places=5),
    )
    rows = lines.order_by().values("colour", "currency").annotate(
        n=Count("id"),
        expected=Sum("expected_amount", filter=money_lines),
        received=Sum("received_amount", filter=money_lines),
        difference=Sum("difference", filter=money_lines),
        fees=Sum(fee_of_line),
    )
    found: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        found[row["colour"]].append(row)
    currencies = {row["currency"] for row in rows}
    only = next(iter(currencies)) if len(currencies) == 1 else ""
    cent = Decimal("0.01")
    totals = []
    for colour in Colour.values:
        # The home currency first, then the others alphabetically.
        for row in sorted(found.get(colour) or [{"currency": only}],
                          key=lambda r: (r["currency"] != HOME_CURRENCY, r["currency"])):
            totals.append(ColourTotals(
                colour, row.get("n", 0),
                *((row.get(name) or Decimal("0")).quantize(cent)
                  for name in ("expected", "received", "fees", "difference")),
                currency=row["currency"],
            ))
    return totals


@dataclass
class ChannelMonth:
    """One channel's line of the monthly cross-platform consistency report."""

    channel: Channel
    orders: int = 0
    paid: int = 0
    settled: int = 0
    missing: int = 0
    differences: int = 0
    #: Paid amounts per currency: a cross-border store may sell in several (Shopee per
    #: region), and amounts in different currencies are never added up.
    paid_amounts: dict[str, Decimal] = field(default_factory=dict)
    #: Money received per currency (the payment lines of the period), likewise.
    received_amounts: dict[str, Decimal] = field(default_factory=dict)
    worst_deviation: Decimal | None = None
    causes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def currencies(self) -> str:
        found = set(self.paid_amounts) | set(self.received_amounts)
        return ", ".join(sorted(found)) or self.channel.currency

    @property
    def paid_amount(self) -> Decimal | str:
        """The paid amount in the channel's one currency, or each currency's, spelled out."""
        return _per_currency(self.paid_amounts)

    @property
    def received_amount(self) -> Decimal | str:
        """The money received, as ``paid_amount`` is shown."""
        return _per_currency(self.received_amounts)

    @property
    def causes_text(self) -> str:
        labels = dict(Cause.choices)
        return "; ".join(f"{labels.get(cause, cause)}: {count}" for cause, count in self.causes)


def _per_currency(amounts: dict[str, Decimal]) -> Decimal | str:
    """One currency's amount as a number; several, each spelled out ("SGD 12.00; USD 3.50")."""
    if len(amounts) <= 1:
        return next(iter(amounts.values()), Decimal("0.00"))
    return "; ".join(f"{code} {amount}" for code, amount in sorted(amounts.items()))


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return period_bounds(first, following - dt.timedelta(days=1))


def monthly_consistency(*, month: dt.date) -> list[ChannelMonth]:
    """Per channel for the month: orders, paid, settled (money matched), missing money,
    differences (yellow and red lines), the commonest causes and the worst daily deviation."""
    since, until = month_bounds(month)
    report = []
    money = StatementLine.objects.filter(
        kind=Kind.PAYMENT, colour__in=[Colour.GREEN, Colour.YELLOW], order__isnull=False
    ).values("order_id")
    for channel in Channel.objects.order_by("code"):
        orders = Order.objects.filter(channel=channel)
        paid = orders.filter(paid_at__gte=since, paid_at__lt=until)
        row = ChannelMonth(channel=channel)
        row.orders = orders.filter(
            Q(placed_at__gte=since, placed_at__lt=until)
            | Q(placed_at__isnull=True, created_at__gte=since, created_at__lt=until)
        ).count()
        row.paid = paid.count()
        row.paid_amounts = {
            code: Decimal(total).quantize(Decimal("0.01"))  # SQLite's SUM drifts in decimals
            for code, total in paid.order_by().values_list("currency")
            .annotate(total=Sum("paid_amount"))}
        row.settled = paid.filter(id__in=money).count()
        row.missing = (
            paid.exclude(status__in=[Status.CANCELLED, Status.REFUNDED])
            .exclude(
                id__in=StatementLine.objects.filter(order__isnull=False)
                .exclude(kind=Kind.MISSING)
                .values("order_id")
            )
            .count()
        )
        lines = StatementLine.objects.filter(
            channel=channel, occurred_at__gte=since, occurred_at__lt=until
        )
        row.received_amounts = {
            code: Decimal(total).quantize(Decimal("0.01"))
            for code, total in lines.filter(kind=Kind.PAYMENT).order_by()
            .values_list("currency").annotate(total=Sum("amount"))}
        differing = lines.filter(colour__in=[Colour.YELLOW, Colour.RED])
        row.differences = differing.count()
        causes = Counter(dict(differing.order_by().values_list("cause").annotate(n=Count("id"))))
        row.causes = causes.most_common(3)
        deviations = ConsistencyCheck.objects.filter(
            channel=channel, day__gte=since.date(), day__lt=until.date()
        ).order_by("-deviation").values_list("deviation", flat=True)[:1]
        row.worst_deviation = deviations[0] if deviations else None
        if row.orders or row.paid or row.differences:
            report.append(row)
    return report


def fee_ceilings() -> dict[int, Ceiling]:
    """The fee ceilings finance set, by channel id (channels without one take the default)."""
    return {
        channel_id: Ceiling(payment_fee, commission, fulfilment)
        for channel_id, payment_fee, commission, fulfilment in FeeCeiling.objects.values_list(
            "channel_id", "payment_fee_percent", "commission_percent", "fulfilment_fee_percent"
        )
    }
