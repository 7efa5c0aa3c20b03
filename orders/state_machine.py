"""The order state machine of DESIGN.md section 3, written down as one table.

This table is the single source of truth: the ``@transition`` decorators on
:class:`orders.models.Order` are built from it, the services in ``orders.services`` dispatch on
it, and the admin shows it (Orders → "State machine"). Change a move here and every one of them
follows.

Rules that hold for every move:
- Forward moves on the main path are refused while the order is on hold
  (``Order.on_hold``); cancel and refund are not, since a hold is often the reason for them.
- ``cancel`` is possible until the parcel leaves the warehouse (up to ``awaiting_pickup``);
  after that the way out is ``refund``, through after-sales.
- ``settle`` follows ``invoice``, except for channels that invoice the buyer themselves
  (``Channel.skips_invoicing``, e.g. Tmall with platform e-invoices), where a delivered order
  can be settled directly. That is the move's ``condition`` (``INVOICING_DONE_OR_SKIPPED``),
  stated here once for one order and for a queryset of orders.
- ``risk_review`` is entered only when a rule or a reviewer holds the order; ``approve`` sends
  it back to ``paid``, where the warehouse picks it up as usual, and ``cancel`` rejects it.
- ``close`` (售后关闭) ends the order's after-sales: from ``archived`` when the review window
  passed with no case open, or from any state of the completed stage before it (``delivered``,
  ``invoiced``, ``settled``) as soon as the order had after-sales cases and the last of them
  closed (the after-sales app moves it, as the system, with the case as the reason). Those are
  the states where the buyer has the goods, so after-sales is what remains; before delivery a
  case ends in a refund or a cancel instead, and closing an order whose case is still open is
  refused everywhere. That is the move's ``condition`` (``AFTERSALES_OVER``), read from the
  order's own ``aftersales_state``, which the after-sales app keeps through
  ``orders.services.order_note_aftersales``: the orders app reads no table of the apps
  downstream of it. A closed order still has its money matched by finance (statement lines
  name the order), but it is no longer invoiced or settled: it is final.
- ``cancelled``, ``refunded`` and ``closed`` are final.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy as _


class Status(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid")
    RISK_REVIEW = "risk_review", _("Risk review")
    PICKING = "picking", _("Picking")
    PACKING = "packing", _("Packing and weighing")
    AWAITING_PICKUP = "awaiting_pickup", _("Awaiting courier pickup")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    INVOICED = "invoiced", _("Invoiced")
    SETTLED = "settled", _("Settled")
    ARCHIVED = "archived", _("Reviewed and archived")
    CLOSED = "closed", _("After-sales closed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Stage(models.TextChoices):
    """The 5-stage report view of DESIGN.md section 3, plus the off-path end states."""

    CREATED = "created", _("Created")
    PAID = "paid", _("Paid")
    ALLOCATED = "allocated", _("Allocated")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    OFF_PATH = "off_path", _("Cancelled or refunded")


STAGE_OF_STATUS: dict[str, str] = {
    Status.PENDING_PAYMENT: Stage.CREATED,
    Status.PAID: Stage.PAID,
    Status.RISK_REVIEW: Stage.PAID,
    Status.PICKING: Stage.ALLOCATED,
    Status.PACKING: Stage.ALLOCATED,
    Status.AWAITING_PICKUP: Stage.SHIPPED,
    Status.IN_TRANSIT: Stage.SHIPPED,
    Status.DELIVERED: Stage.COMPLETED,
    Status.INVOICED: Stage.COMPLETED,
    Status.SETTLED: Stage.COMPLETED,
    Status.ARCHIVED: Stage.COMPLETED,
    Status.CLOSED: Stage.COMPLETED,
    Status.CANCELLED: Stage.OFF_PATH,
    Status.REFUNDED: Stage.OFF_PATH,
}


def statuses_in_stage(stage: str) -> list[str]:
    return [status for status, its_stage in STAGE_OF_STATUS.items() if its_stage == stage]


# Order along the main path: a channel status never moves an order to an earlier one.
MAIN_PATH: list[str] = [
    Status.PENDING_PAYMENT,
    Status.PAID,
    Status.RISK_REVIEW,
    Status.PICKING,
    Status.PACKING,
    Status.AWAITING_PICKUP,
    Status.IN_TRANSIT,
    Status.DELIVERED,
    Status.INVOICED,
    Status.SETTLED,
    Status.ARCHIVED,
    Status.CLOSED,
]

# --- status groups: named once here, imported everywhere else ----------------------------------
def _span(first: str, last: str) -> tuple[str, ...]:
    """The main path from ``first`` to ``last``, both included."""
    return tuple(MAIN_PATH[MAIN_PATH.index(first):MAIN_PATH.index(last) + 1])


#: Nothing more can happen to the order.
FINAL_STATUSES: frozenset[str] = frozenset({Status.CLOSED, Status.CANCELLED, Status.REFUNDED})
#: Off the main path: the sale did not happen (or was undone).
CANCELLED_OR_REFUNDED: frozenset[str] = frozenset({Status.CANCELLED, Status.REFUNDED})
#: The parcel has not left the warehouse: a cancel is still possible.
BEFORE_SHIPPING: tuple[str, ...] = _span(Status.PENDING_PAYMENT, Status.AWAITING_PICKUP)
#: Paid and not yet handed to the courier: the orders that hold stock and owe a ship-by.
AWAITING_SHIPMENT: tuple[str, ...] = _span(Status.PAID, Status.AWAITING_PICKUP)
#: Picking has started: the goods may already be in someone's hands.
IN_WAREHOUSE: tuple[str, ...] = _span(Status.PICKING, Status.AWAITING_PICKUP)
#: The warehouse's own work: paid (to pick) and in its hands (risk review is operations').
WAREHOUSE_WORK: tuple[str, ...] = (Status.PAID, *IN_WAREHOUSE)
#: The warehouse has not started on it: a cancel needs nobody's hands.
NOT_YET_IN_WAREHOUSE: tuple[str, ...] = _span(Status.PENDING_PAYMENT, Status.RISK_REVIEW)
#: The courier has the parcel, or the order is past delivery: its stock has left.
LEFT_THE_WAREHOUSE: tuple[str, ...] = _span(Status.IN_TRANSIT, Status.CLOSED)
#: Orders the warehouse still owes work on or that are on their way: "open" for deadlines.
OPEN_STATUSES: frozenset[str] = frozenset(_span(Status.PENDING_PAYMENT, Status.IN_TRANSIT))

# Status colours for the admin and dashboards (background, text).
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    Status.PENDING_PAYMENT: ("#eceff1", "#37474f"),
    Status.PAID: ("#e3f2fd", "#0d47a1"),
    Status.RISK_REVIEW: ("#fff3e0", "#e65100"),
    Status.PICKING: ("#ede7f6", "#4527a0"),
    Status.PACKING: ("#e8eaf6", "#283593"),
    Status.AWAITING_PICKUP: ("#e0f7fa", "#006064"),
    Status.IN_TRANSIT: ("#e0f2f1", "#004d40"),
    Status.DELIVERED: ("#e8f5e9", "#1b5e20"),
    Status.INVOICED: ("#f1f8e9", "#33691e"),
    Status.SETTLED: ("#f9fbe7", "#827717"),
    Status.ARCHIVED: ("#f5f5f5", "#424242"),
    Status.CLOSED: ("#fafafa", "#616161"),
    Status.CANCELLED: ("#ffebee", "#b71c1c"),
    Status.REFUNDED: ("#fce4ec", "#880e4f"),
}


class AfterSalesState(models.TextChoices):
    """Where the order's after-sales stand, as the after-sales app reports it."""

    NONE = "", _("None")
    OPEN = "open", _("A case is open")
    CLOSED = "closed", _("Every case closed")


@dataclass(frozen=True)
class Condition:
    """What a move needs of an order beyond its source state, in two forms side by side:
    ``holds(order)`` for one order in memory (the ``@transition`` guard on ``Order``) and
    ``rows`` for a queryset of orders (bulk moves, finance's selection). Both read the same
    columns; a test checks that they agree on every case."""

    name: str
    holds: Callable[[Any], bool]
    rows: Q


def invoicing_done_or_skipped(order: Any) -> bool:
    """Settle after invoicing, or straight from delivered where the channel invoices itself."""
    return order.status == Status.INVOICED or order.channel.skips_invoicing


INVOICING_DONE_OR_SKIPPED = Condition(
    "invoicing_done_or_skipped",
    holds=invoicing_done_or_skipped,
    rows=Q(status=Status.INVOICED) | Q(channel__skips_invoicing=True),
)


def aftersales_over(order: Any) -> bool:
    """Close once every after-sales case of the order is closed, or, with none ever opened,
    once the order is archived (the review window passed)."""
    return order.aftersales_state == AfterSalesState.CLOSED or (
        order.status == Status.ARCHIVED and order.aftersales_state == AfterSalesState.NONE)


AFTERSALES_OVER = Condition(
    "aftersales_over",
    holds=aftersales_over,
    rows=Q(aftersales_state=AfterSalesState.CLOSED)
    | Q(status=Status.ARCHIVED, aftersales_state=AfterSalesState.NONE),
)


@dataclass(frozen=True)
class Move:
    """One legal move. ``permission`` is a codename in the ``orders`` app."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str
    blocked_by_hold: bool
    note: str
    condition: Condition | None = None

    @property
    def permission_name(self) -> str:
        return f"orders.{self.permission}"

    @property
    def permission_label(self) -> str:
        """The permission as staff read it (its name, "Can confirm payment", translated)."""
        return gettext(dict(ORDER_PERMISSIONS)[self.permission])

    @property
    def applicable(self) -> Q:
        """The orders this move may apply to, holds aside: in a source state and meeting the
        condition (the queryset form; ``Order.get_available_status_transitions`` is the other)."""
        where = Q(status__in=self.sources)
        return where & self.condition.rows if self.condition else where


_PAID_AND_NOT_CLOSED = _span(Status.PAID, Status.ARCHIVED)

MOVES: tuple[Move, ...] = (
    Move("pay", _("Confirm payment"), (Status.PENDING_PAYMENT,), Status.PAID,
         "confirm_payment", True, _("The channel or finance confirms the buyer paid.")),
    Move("send_to_review", _("Send to risk review"), (Status.PAID,), Status.RISK_REVIEW,
         "review_risk", True, _("A risk rule or a reviewer holds the order for manual review.")),
    Move("approve", _("Approve after review"), (Status.RISK_REVIEW,), Status.PAID,
         "review_risk", True, _("The reviewer clears the order; it goes to the warehouse.")),
    Move("start_picking", _("Start picking"), (Status.PAID,), Status.PICKING,
         "pick_order", True, _("The warehouse starts picking the goods.")),
    Move("start_packing", _("Start packing"), (Status.PICKING,), Status.PACKING,
         "pack_order", True, _("Picking is done; packing and weighing start.")),
    Move("print_label", _("Print label"), (Status.PACKING,), Status.AWAITING_PICKUP,
         "pack_order", True, _("Packed and labelled; waits for the courier.")),
    Move("hand_over", _("Hand over to courier"), (Status.AWAITING_PICKUP,), Status.IN_TRANSIT,
         "ship_order", True, _("The courier has collected the parcel.")),
    Move("deliver", _("Confirm delivery"), (Status.IN_TRANSIT,), Status.DELIVERED,
         "deliver_order", True, _("The buyer signed for the parcel.")),
    Move("invoice", _("Record invoice"), (Status.DELIVERED,), Status.INVOICED,
         "invoice_order", True, _("The invoice has been issued.")),
    Move("settle", _("Settle"), (Status.DELIVERED, Status.INVOICED), Status.SETTLED,
         "settle_order", True,
         _("The money has arrived. From 'delivered' only for channels that invoice the buyer "
           "themselves."), condition=INVOICING_DONE_OR_SKIPPED),
    Move("archive", _("Archive"), (Status.SETTLED,), Status.ARCHIVED,
         "archive_order", True, _("Reviewed by the buyer or the review window passed.")),
    Move("close", _("Close after-sales"),
         (Status.ARCHIVED, Status.DELIVERED, Status.INVOICED, Status.SETTLED), Status.CLOSED,
         "close_order", True,
         _("The after-sales are over: the last case closed (from delivered on), or the review "
           "window passed with none open (archived); nothing more can happen."),
         condition=AFTERSALES_OVER),
    Move("cancel", _("Cancel"), BEFORE_SHIPPING, Status.CANCELLED,
         "cancel_order", False, _("Cancelled before the parcel left the warehouse.")),
    Move("refund", _("Refund"), _PAID_AND_NOT_CLOSED, Status.REFUNDED,
         "refund_order", False, _("The buyer's money is returned in full.")),
)
MOVES_BY_NAME: dict[str, Move] = {move.name: move for move in MOVES}

# Custom permissions on Order: one per kind of move, plus holds.
ORDER_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("confirm_payment", "Can confirm payment"),
    ("review_risk", "Can review risk-held orders"),
    ("pick_order", "Can pick orders"),
    ("pack_order", "Can pack and label orders"),
    ("ship_order", "Can hand orders over to the courier"),
    ("deliver_order", "Can confirm delivery"),
    ("invoice_order", "Can record invoices"),
    ("settle_order", "Can settle orders"),
    ("archive_order", "Can archive orders"),
    ("close_order", "Can close after-sales"),
    ("cancel_order", "Can cancel orders"),
    ("refund_order", "Can refund orders"),
    ("hold_order", "Can hold and release orders"),
)
