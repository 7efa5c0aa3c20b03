"""``{% order_fulfilment_panel original %}``: the order page's logistics card.

The order admin belongs to ``orders``, which never imports logistics; its change-form template
loads this tag instead, so the card (why the order is where it is, the stock it holds, its
parcel, its gifts with a scan box, and the address-change and refund-request links) is
rendered by logistics.
"""
from __future__ import annotations

from django import template
from django.urls import reverse

from logistics.selectors import (
    decision_for_order,
    decision_outcome_text,
    order_parcel,
    order_reservations,
)
from orders.models import GiftOrder, Order
from orders.holds import HOLD_PERMISSION
from orders.services import CHANGE_ORDER_PERMISSION
from orders.state_machine import AWAITING_SHIPMENT, BEFORE_SHIPPING, Status

register = template.Library()


@register.inclusion_tag("admin/logistics/includes/order_fulfilment_panel.html",
                        takes_context=True)
def order_fulfilment_panel(context, order: Order) -> dict:
    user = context["request"].user
    gifts = list(order.gift_orders.order_by("pk"))
    pending = [g for g in gifts if g.status == GiftOrder.GiftStatus.PENDING]
    may_see = user.has_perm("logistics.view_fulfilmentdecision")
    membership = order_parcel(order=order) if may_see else None
    decision = decision_for_order(order=order) if may_see else None
    return {
        "order": order,
        "csrf_token": context.get("csrf_token"),
        "may_see": may_see,
        "decision": decision,
        "decision_outcome": (decision_outcome_text(decision, status=order.status)
                             if decision else ""),
        "reservations": order_reservations(order=order) if may_see else [],
        "parcel": membership.parcel if membership else None,
        "gifts": gifts,
        "may_scan": bool(pending) and user.has_perm("orders.pack_order")
        and order.status in (Status.PICKING, Status.PACKING),
        "scan_url": reverse("admin:logistics_order_scan", args=[order.pk]),
        "may_change_address": user.has_perm(CHANGE_ORDER_PERMISSION)
        and order.status in BEFORE_SHIPPING,
        "address_url": reverse("admin:logistics_order_address", args=[order.pk]),
        "may_request_refund": user.has_perm(HOLD_PERMISSION)
        and order.status in AWAITING_SHIPMENT,
        "refund_url": reverse("admin:logistics_order_refund_request", args=[order.pk]),
    }
