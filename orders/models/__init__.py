"""The orders app's models, one module per concern: ``catalogue`` (channels, customers,
products), ``order`` (orders, lines, gift sub-orders, tags, hub-number serials and the guards of
the state machine's moves), ``holds`` (why an order may not move forward), ``orders.metrics.models`` (the management
figures' daily aggregates) and ``deadlines`` (SLA steps, ship-by promises, traffic lights).
Alerts are project infrastructure (``orderhub.alerts``). Import these from here:
``from orders.models import Order``.
"""
from orders.models.catalogue import Channel, Customer, ExchangeRate, Product, ProductAlias
from orders.models.deadlines import (
    SLA_STEP_STATUS,
    ShipByPromise,
    SlaPolicy,
    SlaStep,
    TrafficLightSettings,
)
from orders.models.holds import Hold
from orders.metrics.models import MetricCount, MetricWarehouse, OrderFlow
from orders.models.order import (
    SHIP_BY_WATCHED_STATUSES,
    ZERO,
    GiftOrder,
    HubNumberSerial,
    Order,
    OrderLine,
    OrderTag,
    gifts_scanned,
    money_field,
    not_on_hold,
)

__all__ = [
    "SHIP_BY_WATCHED_STATUSES", "SLA_STEP_STATUS", "ZERO",
    "Channel", "Customer", "ExchangeRate", "GiftOrder", "Hold", "HubNumberSerial", "MetricCount",
    "MetricWarehouse", "Order", "OrderFlow", "OrderLine", "OrderTag",
    "Product", "ProductAlias", "ShipByPromise", "SlaPolicy", "SlaStep", "TrafficLightSettings",
    "gifts_scanned", "money_field", "not_on_hold",
]
