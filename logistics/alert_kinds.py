"""The alerts logistics raises, in words (``orderhub.alerts.kinds``)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from logistics.models import Warehouse
from logistics.shipments.models import Carrier
from orderhub.alerts.kinds import AlertKind, alert_kinds_register


def carrier_name(code: str) -> str:
    return Carrier.objects.filter(code=code).values_list("name", flat=True).first() or code


def warehouse_name(code: str) -> str:
    return Warehouse.objects.filter(code=code).values_list("name", flat=True).first() or code


alert_kinds_register(
    AlertKind("low_stock", _("Low stock"), cause_key="warehouse", cause_label=warehouse_name),
    AlertKind("out_of_stock", _("Out of stock for an order")),
    AlertKind("stock_drift", _("Stock counters differ from the ledger")),
    AlertKind("order_stock_drift", _("An order's reservations are wrong")),
    AlertKind("shipped_without_stock", _("Left the warehouse without stock")),
    AlertKind("warehouse_over_capacity", _("Warehouse over today's capacity")),
    # 120 silent parcels of one carrier are one row of the inbox.
    AlertKind("shipment_stale", _("Parcel without movement"), cause_key="carrier",
              cause_label=carrier_name),
    AlertKind("shipment_sorting_hold", _("Parcel held at a sorting centre")),
    AlertKind("shipment_failed_attempt", _("Delivery attempt failed")),
    AlertKind("shipment_returned", _("Parcel refused or returned")),
    AlertKind("shipment_trace", _("The courier's trace could not move the order")),
    AlertKind("shipment_missing", _("Handed over without a parcel")),
)
