"""What each staff role may do on orders (merged by ``orderhub.core.roles.sync_roles``)."""
from __future__ import annotations

_VIEW_ORDERS = [
    "orders.view_order", "orders.view_orderline", "orders.view_giftorder",
    "orders.view_customer", "orders.view_product", "orders.view_productalias",
    "orders.view_channel", "orders.view_ordertag", "orders.view_exchangerate",
]
# The management figures (page, API, weekly report): operations and managers.
_FIGURES = ["orders.view_metriccount", "orders.view_orderflow"]
# Exchange rates: finance keeps them (and managers); everyone sees them.
_RATES = [f"orders.{action}_exchangerate" for action in ("add", "change", "delete")]
# Deadlines: operations and managers set the rules (who is told is in orderhub/alerts/roles.py).
_DEADLINE_RULES = [
    f"orders.{action}_{model}"
    for model in ("slapolicy", "shipbypromise", "trafficlightsettings")
    for action in ("view", "add", "change", "delete")
]
_ORDER_MOVES = [
    "orders.confirm_payment", "orders.review_risk", "orders.pick_order", "orders.pack_order",
    "orders.ship_order", "orders.deliver_order", "orders.invoice_order", "orders.settle_order",
    "orders.archive_order", "orders.close_order", "orders.cancel_order", "orders.refund_order",
    "orders.hold_order",
]

ROLES: dict[str, list[str]] = {
    # 客服: looks orders up, talks to buyers, intercepts and cancels.
    "customer_service": _VIEW_ORDERS + [
        "orders.change_order", "orders.change_customer", "orders.hold_order", "orders.cancel_order",
    ],
    # 仓库: picks, packs, labels and hands over; can hold an order that cannot ship.
    "warehouse": _VIEW_ORDERS + [
        "orders.pick_order", "orders.pack_order", "orders.ship_order", "orders.hold_order",
    ],
    # 运营: reviews risk, runs the order flow and keeps the catalogue and channels.
    "operations": _VIEW_ORDERS + [
        "orders.change_order", "orders.change_customer",
        "orders.add_product", "orders.change_product",
        "orders.add_productalias", "orders.change_productalias", "orders.delete_productalias",
        "orders.change_channel",
        "orders.confirm_payment", "orders.review_risk", "orders.deliver_order",
        "orders.archive_order", "orders.close_order", "orders.cancel_order", "orders.hold_order",
    ] + _DEADLINE_RULES + _FIGURES,
    # 财务: money in and out.
    "finance": _VIEW_ORDERS + [
        "orders.confirm_payment", "orders.invoice_order", "orders.settle_order",
        "orders.refund_order",
    ] + _RATES,
    # 经理: everything on orders.
    "manager": _VIEW_ORDERS + [
        "orders.add_order", "orders.change_order", "orders.change_customer",
        "orders.add_product", "orders.change_product",
        "orders.add_productalias", "orders.change_productalias", "orders.delete_productalias",
        "orders.add_channel", "orders.change_channel", "orders.view_historicalorder",
    ] + _ORDER_MOVES + _DEADLINE_RULES + _FIGURES + _RATES,
    # Integrators (ERP, WMS, the seller's own systems) through the API.
    "integrator": _VIEW_ORDERS + [
        "orders.add_order", "orders.change_order",
        "orders.confirm_payment", "orders.pick_order", "orders.pack_order", "orders.ship_order",
        "orders.deliver_order", "orders.invoice_order", "orders.cancel_order",
    ],
}
