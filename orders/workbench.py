"""The orders' share of the workbench (``orderhub.workbench``): work waiting by status, overdue
orders, and the exception centre's rows (orders held, by the hold's source; orders overdue, by
the step they are stuck in). Every count reads an index: status (``order_status_idx``), due
times and ship-by (partial indexes), open holds (partial index)."""
from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orderhub.workbench.registry import Breakdown, Row, Tile, capped_count, register, roles
# The manager's health figures live with the figures; the workbench discovers one module per
# app, so this one brings them in.
from orders.metrics import workbench as _health_scorecard  # noqa: F401
from orders.admin_filters import gift_scan_pending_q, overdue_q
from orders.models import Hold, Order
from orders.state_machine import Status

VIEW = "orders.view_order"


def order_list_url(**params: str) -> str:
    """The admin's order list with these filters."""
    url = reverse("admin:orders_order_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _status_tile(key: str, label, status: str, who: frozenset[str], *, position: int,
                 help_text="", tone: str = "") -> Tile:
    return Tile(
        key=f"orders.{key}", label=label, roles=who, permission=VIEW, position=position,
        help=help_text, tone=tone,
        count=lambda: capped_count(Order.objects.filter(status=status)),
        url=lambda: order_list_url(status__exact=status),
    )


def _overdue_tile(key: str, label, kind: str, who: frozenset[str], *, position: int,
                  help_text="") -> Tile:
    return Tile(
        key=f"orders.{key}", label=label, roles=who, permission=VIEW, position=position,
        help=help_text, tone="danger",
        count=lambda: capped_count(Order.objects.filter(overdue_q(kind))),
        url=lambda: order_list_url(overdue=kind),
    )


def open_holds_count() -> int:
    """Orders with at least one open hold (the partial index of open holds)."""
    return capped_count(Hold.objects.filter(released_at__isnull=True).values("order_id")
                        .distinct())


def held_by_source() -> list[Row]:
    """Exception centre: orders held, per source of the hold (one order may count twice)."""
    counts = (Hold.objects.filter(released_at__isnull=True).values("source")
              .annotate(orders=Count("order_id", distinct=True)).order_by())
    return [
        Row(label=gettext("Held: %(source)s") % {"source": Hold.Source(row["source"]).label},
            count=row["orders"], url=order_list_url(hold=row["source"]), tone="warning")
        for row in counts if row["source"] in Hold.Source.values
    ]


def overdue_by_step() -> list[Row]:
    """Exception centre: orders whose current step is past its SLA, per step."""
    counts = (Order.objects.filter(overdue_q("step")).values("status")
              .annotate(orders=Count("id")).order_by())
    return [
        Row(label=gettext("Overdue: %(status)s") % {"status": Status(row["status"]).label},
            count=row["orders"], url=order_list_url(overdue="step", status__exact=row["status"]),
            tone="danger")
        for row in counts
    ]


CS = roles("customer_service")
WAREHOUSE = roles("warehouse")
OPS = roles("operations")

for tile in (
    # Customer service: what buyers ask about.
    Tile(key="orders.held", label=_("Held orders to answer"), roles=CS | OPS, permission=VIEW,
         position=10, tone="warning", count=open_holds_count,
         url=lambda: order_list_url(hold="any"),
         help=_("Orders with an open hold: the buyer or the warehouse waits for a decision.")),
    _overdue_tile("past_ship_by", _("Past the promised ship-by"), "ship_by", CS | OPS,
                  position=20, help_text=_("Paid, not yet handed to the courier, and the "
                                           "promised ship-by time has passed.")),
    # Warehouse: each step of the floor, then what is late.
    _status_tile("to_pick", _("To pick"), Status.PAID, WAREHOUSE, position=30),
    _status_tile("to_pack", _("To pack"), Status.PICKING, WAREHOUSE, position=31),
    _status_tile("to_label", _("To label"), Status.PACKING, WAREHOUSE, position=32),
    _status_tile("to_hand_over", _("To hand over to the courier"), Status.AWAITING_PICKUP,
                 WAREHOUSE, position=33),
    Tile(key="orders.gifts_to_scan", label=_("Gifts to scan"), roles=WAREHOUSE, permission=VIEW,
         position=34, tone="warning",
         count=lambda: capped_count(Order.objects.filter(gift_scan_pending_q())),
         url=lambda: order_list_url(gift="pending"),
         help=_("Packing orders whose gift is not scanned: the label waits for it.")),
    _overdue_tile("warehouse_overdue", _("Overdue in the warehouse"), "warehouse", WAREHOUSE,
                  position=35, help_text=_("Paid and not handed over, and the current step "
                                           "is past its time limit.")),
    # Operations: decisions waiting for a person.
    _status_tile("to_review", _("To review (risk)"), Status.RISK_REVIEW, OPS, position=40,
                 tone="warning"),
    _overdue_tile("overdue", _("Overdue steps"), "step", OPS, position=41,
                  help_text=_("Orders whose current step is past its time limit.")),
):
    register(tile)

register(Breakdown(key="orders.held_by_source", rows=held_by_source,
                   roles=roles("customer_service", "warehouse", "operations"), permission=VIEW))
register(Breakdown(key="orders.overdue_by_step", rows=overdue_by_step,
                   roles=roles("customer_service", "warehouse", "operations"), permission=VIEW))