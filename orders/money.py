"""Money across currencies: the rate finance keeps (``ExchangeRate``), and yuan figures
computed from it, always with the rate and its date beside them.

An order's money is never converted where it is shown (order page, API, exports): it stays in
the order's currency. Only where amounts must be compared with a yuan threshold or added across
currencies is a yuan figure made, at the rate in force on the order's day; with no rate for the
currency the figure is ``None`` (unknown), never a guess.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from orders.models import ExchangeRate

HOME_CURRENCY = "CNY"
CENT = Decimal("0.01")


def rates_for(*, currencies: Iterable[str]) -> dict[str, list[ExchangeRate]]:
    """Every rate of the currencies, newest first (one query)."""
    wanted = {code for code in currencies if code and code != HOME_CURRENCY}
    found: dict[str, list[ExchangeRate]] = {code: [] for code in wanted}
    if wanted:
        for rate in ExchangeRate.objects.filter(currency__in=wanted).order_by("-valid_from"):
            found[rate.currency].append(rate)
    return found


def rate_on(rates: dict[str, list[ExchangeRate]], currency: str,
            day: dt.date) -> ExchangeRate | None:
    """The rate of ``currency`` in force on ``day`` (the newest not after it)."""
    return next((rate for rate in rates.get(currency, []) if rate.valid_from <= day), None)


def in_yuan(amount: Decimal, currency: str, *, day: dt.date,
            rates: dict[str, list[ExchangeRate]]) -> tuple[Decimal | None, ExchangeRate | None]:
    """``amount`` in yuan and the rate used; ``(None, None)`` when no rate is kept."""
    if not currency or currency == HOME_CURRENCY:
        return amount, None
    rate = rate_on(rates, currency, day)
    if rate is None:
        return None, None
    return (amount * rate.yuan_per_unit).quantize(CENT, rounding=ROUND_HALF_UP), rate
