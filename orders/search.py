"""The one search box: what customer service types, read as the few exact lookups it can mean.

Every reading is an equality or a short range on an index (never ``LIKE '%…%'`` over a million
orders), so a search answers in milliseconds whatever the size of the order book:

=====================================  ==========================================================
typed                                  looked up
=====================================  ==========================================================
``13800001234``, ``138 0000 1234``,    the receiver's phone, separators (spaces, dashes,
``138-0000-1234``, ``+86 138…``        brackets) and the country code dropped
``1234 张伟`` / ``张伟 1234``            the phone's last four digits and the receiver's name
``1234 2026-01-28`` / ``1234 1-28``    the phone's last four digits and the day the order was
                                       placed (Beijing time; a day without a year is the latest
                                       one not in the future)
``张伟``                                the receiver's name, exactly
anything else                          hub number (a gift's number finds its order), channel
                                       order number, tracking number, phone as typed
=====================================  ==========================================================

The indexes behind them are ``order_receiver_name_idx``, ``order_phone_last4_name_idx`` and
``order_phone_last4_placed_idx`` (expression indexes on ``RIGHT(receiver_phone, 4)``), beside
the single-column ones on phone, hub, channel order and tracking numbers.
"""
from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q
from django.db.models.functions import Right
from django.db.models.lookups import Exact
from django.utils import timezone

SEPARATORS = re.compile(r"[\s\-()（）]+")
MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})$")
LAST_FOUR = re.compile(r"^\d{4}$")
FULL_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
SHORT_DATE = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
COMPACT_DATE = re.compile(r"^(20\d{2})(\d{2})(\d{2})$")
# A name: letters of any script (Chinese names, pinyin), a middle dot, no digits.
NAME = re.compile(r"^[^\W\d_][^\W\d_·•. ]*(?:[·•. ][^\W\d_]+)*$")
GIFT_SUFFIX = "GIFT"
NOTHING = Q(pk__in=[])


def last_four(digits: str) -> Q:
    """The receiver's phone ends with ``digits`` (an expression index covers it)."""
    return Q(Exact(Right("receiver_phone", 4), digits))


def parse_day(text: str, today: dt.date | None = None) -> dt.date | None:
    """``2026-01-28``, ``2026/1/28``, ``2026年1月28日``, ``20260128``, or ``1-28`` (this
    year's, or last year's when that day is still to come)."""
    today = today or timezone.localdate()
    try:
        if match := FULL_DATE.match(text) or COMPACT_DATE.match(text):
            return dt.date(*(int(part) for part in match.groups()))
        if match := SHORT_DATE.match(text):
            month, day = (int(part) for part in match.groups())
            candidate = dt.date(today.year, month, day)
            return candidate if candidate <= today else dt.date(today.year - 1, month, day)
    except ValueError:  # 2026-02-30
        return None
    return None


def day_range(day: dt.date) -> Q:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return Q(placed_at__gte=start, placed_at__lt=start + dt.timedelta(days=1))


def _last_four_with(tokens: list[str]) -> Q | None:
    """``1234 张伟`` or ``1234 2026-01-28``, in either order; None for anything else."""
    if len(tokens) != 2:
        return None
    digits = [token for token in tokens if LAST_FOUR.match(token)]
    if not digits:
        return None
    other = tokens[1] if tokens[0] == digits[0] else tokens[0]
    day = parse_day(other)
    if day is not None:
        return last_four(digits[0]) & day_range(day)
    if NAME.match(other):
        return last_four(digits[0]) & Q(receiver_name=other)
    return None


def any_of(pairs: dict[str, set[str]]) -> Q:
    """``field = value`` for each distinct pair, OR-ed (each arm one index probe)."""
    condition = NOTHING
    for name, values in pairs.items():
        for value in sorted(values):
            condition |= Q(**{name: value})
    return condition


def number_pairs(term: str) -> dict[str, set[str]]:
    """Hub number (a gift's finds its order), channel order number, tracking number, phone,
    exactly as typed (tracking and hub numbers also in capitals). A hub number starts with
    the channel's letters: a term without letters is not looked up as one."""
    upper = term.upper()
    pairs = {"channel_order_no": {term}, "tracking_no": {term, upper}, "receiver_phone": {term}}
    if not term.isdigit():
        pairs["hub_no"] = {upper.removesuffix(GIFT_SUFFIX) if len(upper) > len(GIFT_SUFFIX)
                           else upper}
    return pairs


def numbers_q(term: str) -> Q:
    return any_of(number_pairs(term))


def order_search_q(q: str) -> Q:
    """What ``q`` can mean, as one condition on orders (see the module's table)."""
    term = " ".join(q.split())
    if not term:
        return NOTHING
    mobile = MOBILE.match(SEPARATORS.sub("", term))
    if mobile:
        pairs = number_pairs(term)
        pairs["receiver_phone"].add(mobile.group(1))
        return any_of(pairs)
    combined = _last_four_with(term.split(" "))
    if combined is not None:
        return combined
    if NAME.match(term) and not term.isascii():
        return Q(receiver_name=term)
    if NAME.match(term):  # a pinyin name, or a word that can only be a number's letters
        return Q(receiver_name=term) | numbers_q(term)
    return numbers_q(term)
