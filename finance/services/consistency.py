"""Paid orders per channel in the hub against the channel's own figures (DESIGN.md section 2).

The channel's figure for a day comes from its statements (the Alipay trade bill and the WeChat
Pay bill list each payment when it is made; the Alipay account bill lists money when it is
settled, so it is not a count of the day's payments) or from its API, recorded by the channels
code with :func:`channel_figure_record`. Every 30 minutes :func:`consistency_check` compares
them with the hub's orders paid that day; a deviation over 0.3 % raises an alert, once per
channel, day and figure source.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from finance import texts
from finance.models import ChannelFigure, ConsistencyCheck, Kind, Source, Statement, StatementLine
from finance.parsers.base import HUB_TZ
from finance.services.alerts import TEAM
from orderhub.alerts.services import alert_raise
from orders.models import Channel, Order

# Statements whose payment rows are the day's payments (see the module docstring).
FIGURE_SOURCES = frozenset({Source.ALIPAY_TRADE, Source.WECHATPAY, Source.GENERIC})
DEFAULT_TOLERANCE = Decimal("0.003")
DEFAULT_DAYS_CHECKED = 7


def tolerance() -> Decimal:
    return Decimal(str(getattr(settings, "FINANCE_CONSISTENCY_TOLERANCE", DEFAULT_TOLERANCE)))


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=HUB_TZ)
    return start, start + dt.timedelta(days=1)


@transaction.atomic
def channel_figure_record(
    *, channel: Channel, day: dt.date, paid_orders: int, paid_amount: Decimal = Decimal("0.00"),
    source: str = "api",
) -> ChannelFigure:
    """Record a channel's own count of paid orders for a day (e.g. from its API)."""
    figure, _created = ChannelFigure.objects.update_or_create(
        channel=channel, day=day, source=source,
        defaults={"paid_orders": paid_orders, "paid_amount": paid_amount},
    )
    return figure


def channel_figures_refresh(*, statement: Statement) -> int:
    """Recount the days a statement touches from every statement of its channel and kind."""
    if statement.channel_id is None or statement.source not in FIGURE_SOURCES:
        return 0
    days = (
        StatementLine.objects.filter(statement=statement, kind=Kind.PAYMENT)
        .annotate(day=TruncDate("occurred_at", tzinfo=HUB_TZ)).order_by()
        .values_list("day", flat=True).distinct()
    )
    refreshed = 0
    for day in days:
        if day is None:
            continue
        start, end = day_bounds(day)
        totals = StatementLine.objects.filter(
            statement__channel_id=statement.channel_id, statement__source=statement.source,
            kind=Kind.PAYMENT, occurred_at__gte=start, occurred_at__lt=end,
        ).aggregate(orders=Count("payment_serial_no", distinct=True), amount=Sum("gross_amount"))
        ChannelFigure.objects.update_or_create(
            channel_id=statement.channel_id, day=day, source=statement.source,
            defaults={"paid_orders": totals["orders"] or 0, "paid_amount": totals["amount"] or 0},
        )
        refreshed += 1
    return refreshed


def hub_paid_orders(*, channel_id: int, day: dt.date) -> int:
    start, end = day_bounds(day)
    return Order.objects.filter(channel_id=channel_id, paid_at__gte=start, paid_at__lt=end).count()


def deviation_of(hub: int, channel: int) -> Decimal:
    if channel == 0:
        return Decimal(1) if hub else Decimal(0)
    return (Decimal(abs(hub - channel)) / Decimal(channel)).quantize(Decimal("0.000001"))


@transaction.atomic
def consistency_check(
    *, now: dt.datetime | None = None, days: int = DEFAULT_DAYS_CHECKED
) -> list[ConsistencyCheck]:
    """Compare the last ``days`` days' figures with the hub; alert on a deviation over 0.3 %."""
    now = now or timezone.now()
    since = timezone.localdate(now) - dt.timedelta(days=days)
    limit = tolerance()
    checks = []
    for figure in (
        ChannelFigure.objects.filter(day__gte=since)
        .select_related("channel")
        .order_by("day", "channel_id")
    ):
        hub = hub_paid_orders(channel_id=figure.channel_id, day=figure.day)
        deviation = deviation_of(hub, figure.paid_orders)
        check, _created = ConsistencyCheck.objects.update_or_create(
            channel_id=figure.channel_id, day=figure.day, source=figure.source,
            defaults={
                "hub_paid_orders": hub, "channel_paid_orders": figure.paid_orders,
                "deviation": deviation, "within_tolerance": deviation <= limit, "checked_at": now,
            },
        )
        checks.append(check)
        if deviation > limit:
            alert_raise(
                key=(
                    f"finance:consistency:{figure.channel.code}:{figure.day:%Y-%m-%d}:"
                    f"{figure.source}"
                ),
                kind="finance_consistency",
                title=texts.CONSISTENCY.encode(channel=figure.channel.name, day=figure.day,
                                               deviation=f"{deviation:.2%}"),
                message=texts.CONSISTENCY_MESSAGE.encode(
                    day=figure.day, channel=figure.channel.name, hub=hub,
                    figure=figure.paid_orders, source=figure.source,
                    deviation=f"{deviation:.2%}", limit=f"{limit:.1%}",
                ),
                team=TEAM,
                data={
                    "channel": figure.channel.code,
                    "day": f"{figure.day:%Y-%m-%d}",
                    "source": figure.source,
                    "hub_paid_orders": hub,
                    "channel_paid_orders": figure.paid_orders,
                    "deviation": str(deviation),
                },
            )
    return checks
