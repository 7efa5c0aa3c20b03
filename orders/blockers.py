"""What an order waits for now, in words for customer service: the first thing its page says.

Computed from the order's state, its open holds (with their own parameters, e.g. the SKUs an
out-of-stock hold is short of), its gifts and its deadline; nothing is stored. Each blocker is
a code with parameters, rendered in the reader's language at the edge (:func:`blocker_text`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import render
from orders.models import GiftOrder, Hold, Order
from orders.state_machine import Status

# What each state waits for when nothing else holds the order.
WAITING_FOR = {
    Status.PENDING_PAYMENT: "payment",
    Status.PAID: "picking",
    Status.RISK_REVIEW: "risk_review",
    Status.PICKING: "being_picked",
    Status.PACKING: "being_packed",
    Status.AWAITING_PICKUP: "courier_collection",
    Status.IN_TRANSIT: "in_transit",
    Status.DELIVERED: "delivered",
    Status.INVOICED: "invoiced",
    Status.SETTLED: "done",
    Status.ARCHIVED: "done",
    Status.CLOSED: "closed",
    Status.CANCELLED: "cancelled",
    Status.REFUNDED: "refunded",
}


@dataclass(frozen=True)
class Blocker:
    code: str
    params: dict = field(default_factory=dict)
    tone: str = ""  # "danger" (nothing moves until someone acts), "warning" (late), "" (flow)


def order_blockers(*, order: Order, holds: list[Hold], gifts: list[GiftOrder],
                   now: dt.datetime | None = None) -> list[Blocker]:
    """Why the order is where it is, most pressing first: holds, a gift to scan, lateness,
    then what its state waits for."""
    now = now or timezone.now()
    found = [_hold_blocker(hold) for hold in holds if hold.released_at is None]
    pending = [gift for gift in gifts if gift.status == GiftOrder.GiftStatus.PENDING]
    if order.status == Status.PACKING and pending:
        found.append(Blocker("gift_scan", {"gifts": ", ".join(
            f"{gift.title} ({gift.sku})" for gift in pending)}, tone="danger"))
    if order.state_due_at and order.state_due_at < now:
        found.append(Blocker("overdue", {"due": order.state_due_at,
                                         "late": now - order.state_due_at}, tone="warning"))
    waiting = WAITING_FOR[order.status]
    if not (waiting == "being_packed" and pending):
        found.append(Blocker(waiting, {"carrier": order.carrier,
                                       "tracking_no": order.tracking_no}))
    return found


def _hold_blocker(hold: Hold) -> Blocker:
    if hold.source == Hold.Source.OUT_OF_STOCK and hold.params.get("shortages"):
        return Blocker("out_of_stock", {"shortages": hold.params["shortages"]}, tone="danger")
    return Blocker("held", {"source": hold.get_source_display(), "reason": render(hold.reason)},
                   tone="danger")


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def blocker_text(blocker: Blocker) -> str:
    """The blocker in the reader's language."""
    p = blocker.params
    if blocker.code == "held":
        return gettext("Held: %(source)s — %(reason)s") % p
    if blocker.code == "out_of_stock":
        return gettext("Out of stock: %(skus)s") % {"skus": ", ".join(
            gettext("SKU %(sku)s (needs %(needed)s, %(available)s available)") % shortage
            for shortage in p["shortages"])}
    if blocker.code == "gift_scan":
        return gettext("Waiting for the gift scan: %(gifts)s") % p
    if blocker.code == "overdue":
        return gettext("This step is overdue: it was due at %(due)s, %(late)s ago") % {
            "due": timezone.localtime(p["due"]).strftime("%Y-%m-%d %H:%M"),
            "late": _duration(p["late"])}
    if blocker.code == "courier_collection" and p.get("tracking_no"):
        return gettext("Waiting for the courier's collection (%(carrier)s %(tracking_no)s)") % p
    return str(WORDS[blocker.code])


# What a state waits for, when nothing more specific says it.
WORDS = {
    "payment": _("Waiting for the buyer's payment"),
    "picking": _("Waiting for the warehouse to start picking"),
    "risk_review": _("Waiting for operations' risk review"),
    "being_picked": _("Being picked in the warehouse"),
    "being_packed": _("Being packed: the label can be printed"),
    "courier_collection": _("Waiting for the courier's collection"),
    "in_transit": _("On its way with the courier"),
    "delivered": _("Delivered: waiting for the invoice"),
    "invoiced": _("Invoiced: waiting for the channel's payout"),
    "done": _("Done: nothing waits"),
    "closed": _("Closed by after-sales"),
    "cancelled": _("Cancelled"),
    "refunded": _("Refunded"),
}
