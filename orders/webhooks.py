"""What integrators receive about an order in a webhook (``orderhub.webhooks``).

The order's object in an event delivery is the order API's own JSON (``GET
/api/orders/<hub_no>/``, DESIGN.md section 4), one statement of it for both, without two
fields: ``history`` (the whole audit trail in every delivery would make them large; the event
itself says what changed) and ``permitted_transitions`` (the moves the *requesting* user may
make: a delivery has no requester). Autodiscovered by ``orderhub.webhooks.apps``.
"""
from __future__ import annotations

from collections.abc import Sequence

from orderhub.webhooks.registry import renders
from orders.api.serializers import OrderDetailSerializer
from orders.events import ORDER_EVENTS
from orders.selectors import order_detail_queryset

LEFT_OUT = ("history", "permitted_transitions")


class OrderWebhookSerializer(OrderDetailSerializer):
    """The order API's detail JSON without ``history`` and ``permitted_transitions``."""

    history = None
    permitted_transitions = None

    class Meta(OrderDetailSerializer.Meta):
        fields = [name for name in OrderDetailSerializer.Meta.fields if name not in LEFT_OUT]
        read_only_fields = fields


@renders("order", kinds=ORDER_EVENTS, permission="orders.view_order")
def orders_for_webhooks(order_ids: Sequence[int]) -> dict[int, dict]:
    """The JSON of each order still there, by id: the order, its lines and gift sub-orders
    in three queries, however many orders."""
    orders = order_detail_queryset().filter(pk__in=list(order_ids))
    return {order.pk: OrderWebhookSerializer(order).data for order in orders}
