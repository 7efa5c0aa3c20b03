"""The management figures of DESIGN.md section 2, defined once, as pure functions.

Every figure is a ratio (or a mean) of counts that one order contributes to the day its event
happened (days are the hub's local days, Asia/Shanghai). :func:`order_facts` reads what the
hub knows of one order (its row, its history rows, its holds) into :class:`OrderFacts`;
:func:`contributions` turns the facts into ``{(day, key): value}``. The daily aggregates are
the sums of the contributions per day, channel and warehouse (``orders.metrics.models``), kept
up to date by the event handler and rebuilt from history by ``manage.py metrics_rebuild``:
both call these two functions, which is why they agree.

Definitions (numerator ÷ denominator; "in the period" = the day named falls in it):

- **On-time ship rate** = orders handed to the courier (first move into ``in_transit`` or
  later) at or before their promised ship-by time ÷ orders due to ship: paid orders whose
  ship-by time falls in the period. An order cancelled or refunded before it shipped and
  before its ship-by time was never due; one cancelled after its ship-by time passed unshipped
  was due and late. Orders whose ship-by time is still ahead and that have not shipped are not
  yet decided and are left out of both (read at query time, ``selectors``).
- **Channel fulfilment rate** = orders paid in the period that were handed to the courier
  (whatever happened later) ÷ orders paid in the period (day of ``paid_at``).
- **Fulfilment cycle**: payment → ship hours = mean of (hand-over − ``paid_at``) over orders
  handed over in the period; transit days = mean of (delivery − hand-over) over orders
  delivered in the period (first move into ``delivered`` or later).
- **Stuck orders by reason** (now, not per day): open holds by their source, and orders the
  deadline sweep marked stuck (``is_stuck``) by their state.
- **Breakpoint rate** = orders paid in the period with a breakpoint ÷ orders paid in the
  period. A *breakpoint* is a gap of more than 15 minutes between two systems on one order:
  the buyer paid on the channel (``paid_at``) and the hub recorded the payment (the first
  history row in ``paid`` or later) more than 15 minutes later. Target ≤ 0.3 %.
- **Manual interventions per 1,000 orders** = interventions in the period × 1000 ÷ orders paid
  in the period. An *intervention* is a person (a history row or hold that names a user
  other than the hub's system user) doing what the flow is meant to do by itself: confirming
  a payment (``pay``), sending to or clearing risk review (``send_to_review``, ``approve``),
  confirming a delivery (``deliver``), cancelling or refunding (``cancel``, ``refund``),
  placing a hold, or lifting a hold. The warehouse's own steps (pick, pack, label, hand over)
  and finance's (invoice, settle: a statement import settles in bulk, as its importer),
  archiving and closing are normal work, not interventions. Target ≤ 2.
- **Order Health Index** (0–100) = 40 × status timeliness + 35 × cross-system consistency +
  25 × exceptions resolved automatically, each part a share between 0 and 1; a part with
  nothing to measure in the period counts as 1 (nothing went wrong).
  - *status timeliness* = timed steps finished within their SLA ÷ timed steps finished in the
    period. A timed step is a stay in a state with an SLA (``paid`` = payment confirmed,
    ``picking``, ``packing`` = packing + label, ``awaiting_pickup`` = hand-over, and
    ``risk_review`` where a policy times it), from entering it to leaving it by a move of the
    main path, measured against the channel's policy in force now; it counts on the day it
    ended. A stay ended by a cancel or refund is not a finished step.
  - *cross-system consistency* = orders paid in the period without a breakpoint ÷ orders paid
    in the period (1 − breakpoint rate).
  - *exceptions resolved automatically* = holds lifted by the hub itself (a restock, the
    channel, a rule: no person named) ÷ holds lifted in the period (day of lifting). Such a
    hold is *self-healed*; one lifted by a person is also an intervention.
- **Causes of lateness** (weekly report): an order that was due and handed over after its
  ship-by time is late because of the first hold placed on it before it shipped
  (``hold:<source>``), or else of the state before hand-over where it overran its SLA the
  most, or else where it stayed longest (``state:<status>``); counted on the ship-by day.
  (Orders still unshipped past their ship-by time are among the stuck orders.)
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from orders.state_machine import (
    CANCELLED_OR_REFUNDED,
    LEFT_THE_WAREHOUSE,
    MAIN_PATH,
    MOVES,
    Status,
)

BREAKPOINT_GAP = dt.timedelta(minutes=15)
#: Moves that the flow makes by itself; a person making one is an intervention.
MANUAL_MOVES: frozenset[str] = frozenset(
    {"pay", "send_to_review", "approve", "deliver", "cancel", "refund"})
#: The states with an SLA step (``orders.models.SLA_STEP_STATUS``) that the warehouse and
#: operations finish by moving forward.
TIMED_STATES: tuple[str, ...] = (Status.PAID, Status.RISK_REVIEW, Status.PICKING, Status.PACKING,
                                 Status.AWAITING_PICKUP)
_DELIVERED_OR_LATER = frozenset(MAIN_PATH[MAIN_PATH.index(Status.DELIVERED):])
_PAID_OR_LATER = frozenset(MAIN_PATH[MAIN_PATH.index(Status.PAID):])
_SHIPPED = frozenset(LEFT_THE_WAREHOUSE)

# Keys of the daily aggregates (``MetricCount.key``), each a count unless said otherwise.
PAID = "paid"                        # orders paid that day
FULFILLED = "fulfilled"              # … of which handed over (by their payment day)
BREAKPOINT = "breakpoint"            # … of which with a breakpoint
DUE = "due"                          # orders due to ship that day (ship-by day)
ON_TIME = "on_time"                  # … of which shipped at or before ship-by
SHIPPED = "shipped"                  # orders handed over that day
SHIP_SECONDS = "ship_seconds"        # sum of payment → hand-over, seconds
DELIVERED = "delivered"              # orders delivered that day
TRANSIT_SECONDS = "transit_seconds"  # sum of hand-over → delivery, seconds
INTERVENTION = "intervention"        # manual interventions that day
STEPS = "steps"                      # timed steps finished that day
STEPS_ON_TIME = "steps_on_time"      # … of which within their SLA
STEP = "step:"                       # + state: timed steps of that state finished
STEP_ON_TIME = "step_on_time:"       # + state: … within their SLA
HOLDS_LIFTED = "holds_lifted"        # holds lifted that day
SELF_HEALED = "self_healed"          # … of which by the hub itself
LATE = "late:"                       # + cause: late orders by cause (ship-by day)


@dataclass(frozen=True)
class Row:
    """One history row of an order: when, its status after the change, who."""

    at: dt.datetime
    status: str
    user_id: int | None


@dataclass(frozen=True)
class HoldRow:
    source: str
    placed_at: dt.datetime
    placed_by_id: int | None
    released_at: dt.datetime | None
    released_by_id: int | None


@dataclass
class OrderFacts:
    """What the figures need to know of one order."""

    paid_at: dt.datetime | None = None
    ship_by: dt.datetime | None = None
    hub_paid_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None      # cancelled or refunded
    interventions: list[dt.datetime] = field(default_factory=list)
    steps: list[tuple[str, dt.datetime, bool]] = field(default_factory=list)  # state, end, on time
    holds_lifted: list[tuple[dt.datetime, bool]] = field(default_factory=list)  # at, self-healed
    late_cause: str = ""

    @property
    def breakpoint(self) -> bool:
        return (self.paid_at is not None and self.hub_paid_at is not None
                and self.hub_paid_at - self.paid_at > BREAKPOINT_GAP)

    @property
    def due(self) -> bool:
        """Due to ship by ``ship_by`` (see the module doc)."""
        if self.paid_at is None or self.ship_by is None:
            return False
        return not (self.shipped_at is None and self.ended_at is not None
                    and self.ended_at <= self.ship_by)

    @property
    def on_time(self) -> bool:
        return self.due and self.shipped_at is not None and self.shipped_at <= self.ship_by

    @property
    def shipped_late(self) -> bool:
        """Due and handed over after its ship-by time."""
        return self.due and self.shipped_at is not None and self.shipped_at > self.ship_by


#: The move of each (from, to) pair: the state machine's table has one per pair.
_MOVE_OF: dict[tuple[str, str], str] = {
    (source, move.target): move.name for move in MOVES for source in move.sources}


def order_facts(
    *, paid_at: dt.datetime | None, ship_by: dt.datetime | None, rows: Iterable[Row],
    holds: Iterable[HoldRow], system_user_id: int,
    allowance_minutes: Callable[[str], int | None],
) -> OrderFacts:
    """One order's facts from its row's payment and promise, its history rows (oldest first)
    and its holds. ``allowance_minutes(status)``: the SLA of a state for the order's channel."""
    facts = OrderFacts(paid_at=paid_at, ship_by=ship_by)
    previous: str | None = None
    entered: dt.datetime | None = None
    stays: list[tuple[dt.timedelta, dt.timedelta, str]] = []  # overrun, time spent, state
    for row in rows:
        if row.status == previous:
            continue  # a row of another change (a hold, an edit), not a move
        if facts.hub_paid_at is None and row.status in _PAID_OR_LATER:
            facts.hub_paid_at = row.at
        if facts.shipped_at is None and row.status in _SHIPPED:
            facts.shipped_at = row.at
        if facts.delivered_at is None and row.status in _DELIVERED_OR_LATER:
            facts.delivered_at = row.at
        if facts.ended_at is None and row.status in CANCELLED_OR_REFUNDED:
            facts.ended_at = row.at
        if previous is not None:
            move = _MOVE_OF.get((previous, row.status), "")
            if move in MANUAL_MOVES and row.user_id not in (None, system_user_id):
                facts.interventions.append(row.at)
            if previous in TIMED_STATES and row.status not in CANCELLED_OR_REFUNDED:
                spent = row.at - entered
                minutes = allowance_minutes(previous)
                allowed = dt.timedelta(minutes=minutes or 0)
                if minutes is not None:
                    facts.steps.append((previous, row.at, spent <= allowed))
                overrun = spent - allowed if minutes is not None else dt.timedelta(0)
                stays.append((overrun, spent, previous))
        previous, entered = row.status, row.at
    first_hold: tuple[dt.datetime, str] | None = None
    for hold in holds:
        if hold.placed_by_id not in (None, system_user_id):
            facts.interventions.append(hold.placed_at)
        if hold.released_at is not None:
            healed = hold.released_by_id in (None, system_user_id)
            facts.holds_lifted.append((hold.released_at, healed))
            if not healed:
                facts.interventions.append(hold.released_at)
        if facts.shipped_at is None or hold.placed_at < facts.shipped_at:
            if first_hold is None or hold.placed_at < first_hold[0]:
                first_hold = (hold.placed_at, hold.source)
    if facts.shipped_late:
        if first_hold is not None:
            facts.late_cause = f"hold:{first_hold[1]}"
        elif stays:
            # The state it overran most; with no SLA overrun, the one it stayed in longest.
            worst = max(stays)
            state = worst[2] if worst[0] > dt.timedelta(0) else max(stays, key=lambda s: s[1])[2]
            facts.late_cause = f"state:{state}"
        else:
            facts.late_cause = "state:unknown"
    return facts


@lru_cache(maxsize=1)
def _hub_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: dt.datetime) -> str:
    """The hub's local day of a moment, ISO (the aggregates' key). The hub's zone is read
    once: ``timezone.localtime`` asks for the current zone on every call, which a rebuild of a
    million orders feels."""
    return moment.astimezone(_hub_zone()).date().isoformat()


def contributions(facts: OrderFacts) -> dict[str, int]:
    """What one order adds to the daily aggregates: ``{"<day>|<key>": value}``."""
    out: dict[str, int] = {}

    def add(moment: dt.datetime, key: str, value: int = 1) -> None:
        name = f"{local_day(moment)}|{key}"
        out[name] = out.get(name, 0) + value

    if facts.paid_at is not None:
        add(facts.paid_at, PAID)
        if facts.shipped_at is not None:
            add(facts.paid_at, FULFILLED)
        if facts.breakpoint:
            add(facts.paid_at, BREAKPOINT)
    if facts.due:
        add(facts.ship_by, DUE)
        if facts.on_time:
            add(facts.ship_by, ON_TIME)
        elif facts.late_cause:
            add(facts.ship_by, LATE + facts.late_cause)
    if facts.shipped_at is not None and facts.paid_at is not None:
        add(facts.shipped_at, SHIPPED)
        add(facts.shipped_at, SHIP_SECONDS,
            max(0, int((facts.shipped_at - facts.paid_at).total_seconds())))
    if facts.delivered_at is not None and facts.shipped_at is not None:
        add(facts.delivered_at, DELIVERED)
        add(facts.delivered_at, TRANSIT_SECONDS,
            max(0, int((facts.delivered_at - facts.shipped_at).total_seconds())))
    for moment in facts.interventions:
        add(moment, INTERVENTION)
    for state, moment, on_time in facts.steps:
        add(moment, STEPS)
        add(moment, STEP + state)
        if on_time:
            add(moment, STEPS_ON_TIME)
            add(moment, STEP_ON_TIME + state)
    for moment, healed in facts.holds_lifted:
        add(moment, HOLDS_LIFTED)
        if healed:
            add(moment, SELF_HEALED)
    return out


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Figure:
    """One figure as the page and the API show it."""

    code: str
    value: float | None
    numerator: float
    denominator: float
    unit: str = "ratio"  # ratio (0–1), hours, days, per_1000, index

    def as_dict(self) -> dict[str, Any]:
        return {"value": None if self.value is None else round(self.value, 6),
                "numerator": self.numerator, "denominator": self.denominator, "unit": self.unit}


def figures(sums: Mapping[str, float]) -> dict[str, Figure]:
    """The period's figures from the sums of its daily aggregates (undecided due orders
    already taken out of ``due``)."""
    get = lambda key: sums.get(key, 0)  # noqa: E731
    paid = get(PAID)
    timeliness = Figure("status_timeliness", ratio(get(STEPS_ON_TIME), get(STEPS)),
                        get(STEPS_ON_TIME), get(STEPS))
    consistency = Figure("cross_system_consistency", ratio(paid - get(BREAKPOINT), paid),
                         paid - get(BREAKPOINT), paid)
    healed = Figure("self_healed", ratio(get(SELF_HEALED), get(HOLDS_LIFTED)),
                    get(SELF_HEALED), get(HOLDS_LIFTED))
    parts = [(0.40, timeliness), (0.35, consistency), (0.25, healed)]
    ohi = 100 * sum(w * (1.0 if f.value is None else f.value) for w, f in parts)
    out = {
        "on_time_ship_rate": Figure("on_time_ship_rate", ratio(get(ON_TIME), get(DUE)),
                                    get(ON_TIME), get(DUE)),
        "channel_fulfilment_rate": Figure("channel_fulfilment_rate",
                                          ratio(get(FULFILLED), paid), get(FULFILLED), paid),
        "payment_to_ship_hours": Figure(
            "payment_to_ship_hours", ratio(get(SHIP_SECONDS) / 3600, get(SHIPPED)),
            get(SHIP_SECONDS) / 3600, get(SHIPPED), "hours"),
        "transit_days": Figure(
            "transit_days", ratio(get(TRANSIT_SECONDS) / 86400, get(DELIVERED)),
            get(TRANSIT_SECONDS) / 86400, get(DELIVERED), "days"),
        "breakpoint_rate": Figure("breakpoint_rate", ratio(get(BREAKPOINT), paid),
                                  get(BREAKPOINT), paid),
        "interventions_per_1000": Figure(
            "interventions_per_1000", ratio(get(INTERVENTION) * 1000, paid),
            get(INTERVENTION) * 1000, paid, "per_1000"),
        "status_timeliness": timeliness,
        "cross_system_consistency": consistency,
        "self_healed": healed,
        "order_health_index": Figure("order_health_index", ohi, ohi, 100, "index"),
    }
    return out


#: What staff read next to each figure: its name and its definition (the module doc, short).
LABELS: dict[str, tuple[Any, Any]] = {
    "on_time_ship_rate": (_("On-time ship rate"), _(
        "Orders handed to the courier at or before their promised ship-by time ÷ orders "
        "due to ship (paid orders whose ship-by time falls in the period; one cancelled "
        "before its ship-by time was never due; one whose ship-by time is still ahead and "
        "that has not shipped is left out).")),
    "channel_fulfilment_rate": (_("Channel fulfilment rate"), _(
        "Orders paid in the period that were handed to the courier ÷ orders paid in the "
        "period.")),
    "payment_to_ship_hours": (_("Payment → ship (hours)"), _(
        "Mean hours from the buyer's payment to the hand-over, over orders handed over in "
        "the period.")),
    "transit_days": (_("Transit (days)"), _(
        "Mean days from the hand-over to delivery, over orders delivered in the period.")),
    "breakpoint_rate": (_("Breakpoint rate"), _(
        "Orders paid in the period with a breakpoint ÷ orders paid in the period. A "
        "breakpoint is a gap over 15 minutes between systems: the hub recorded the payment "
        "more than 15 minutes after the buyer paid on the channel. Target ≤ 0.3%.")),
    "interventions_per_1000": (_("Manual interventions per 1,000 orders"), _(
        "Interventions in the period × 1000 ÷ orders paid in the period. An intervention "
        "is a person doing what the flow does by itself: confirming a payment, sending to "
        "or clearing risk review, confirming a delivery, cancelling, refunding, placing or "
        "lifting a hold. Picking, packing, labels, hand-overs, invoicing and settling are "
        "normal work. Target ≤ 2.")),
    "status_timeliness": (_("Status timeliness"), _(
        "Timed steps (payment confirmed, risk review where timed, picking, packing and "
        "label, hand-over) finished within their SLA ÷ timed steps finished in the "
        "period.")),
    "cross_system_consistency": (_("Cross-system consistency"), _(
        "Orders paid in the period without a breakpoint ÷ orders paid in the period.")),
    "self_healed": (_("Exceptions resolved automatically"), _(
        "Holds lifted by the hub itself (a restock, the channel, a rule) ÷ holds lifted in "
        "the period. Such a hold is self-healed.")),
    "order_health_index": (_("Order Health Index"), _(
        "40 × status timeliness + 35 × cross-system consistency + 25 × exceptions "
        "resolved automatically (a part with nothing to measure counts as 100%).")),
}
