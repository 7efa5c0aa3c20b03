"""What each staff role may do in logistics (merged by ``orderhub.core.roles.sync_roles``).

Gift scans, address changes and refund-request holds are order actions: their permissions
(``orders.pack_order``, ``orders.change_order``, ``orders.hold_order``) come from
``orders/roles.py``.
"""
from __future__ import annotations

# Why an order is where it is: every role that talks about orders can read it.
_SEE_DECISIONS = [
    "logistics.view_fulfilmentdecision", "logistics.view_rulematch",
    "logistics.view_reservation", "logistics.view_parcel", "logistics.view_parcelmember",
    "logistics.view_warehouse",
]
_SEE_STOCK = ["logistics.view_stock", "logistics.view_stockmovement"]
_SEE_RULES = [
    "logistics.view_fulfilmentrule", "logistics.view_rulecondition", "logistics.view_ruleaction",
    "logistics.view_fulfilmentsettings",
]
_EDIT_RULES = [
    "logistics.add_fulfilmentrule", "logistics.change_fulfilmentrule",
    "logistics.delete_fulfilmentrule", "logistics.add_rulecondition",
    "logistics.change_rulecondition", "logistics.delete_rulecondition",
    "logistics.add_ruleaction", "logistics.change_ruleaction", "logistics.delete_ruleaction",
    "logistics.change_fulfilmentsettings",
]
_QUEUE = ["logistics.view_pickingqueueentry", "logistics.view_wave",
          "logistics.view_waveorder", "logistics.view_picklocation"]
# The floor makes waves (pick lists) and keeps the pick locations of its SKUs.
_FLOOR = ["logistics.add_wave", "logistics.use_scan_station", "logistics.hand_over_batch",
          "logistics.add_picklocation", "logistics.change_picklocation",
          "logistics.delete_picklocation"]
# Where a parcel is: every role that talks about orders reads shipments and their trace.
_SEE_SHIPMENTS = ["logistics.view_shipment", "logistics.view_shipmentevent",
                  "logistics.view_shipmentorder", "logistics.view_carrier"]
_LABEL = ["logistics.print_label"]
_EDIT_CARRIERS = ["logistics.add_carrier", "logistics.change_carrier"]
_SEE_PUSHES = ["logistics.view_courierpush"]

ROLES: dict[str, list[str]] = {
    # 客服: sees why an order is held or where it ships from, and whether stock exists.
    "customer_service": _SEE_DECISIONS + _SEE_STOCK + _SEE_SHIPMENTS,
    # 仓库: the picking queue, stock levels, imports/exports, and retrying reservations.
    "warehouse": _SEE_DECISIONS + _SEE_STOCK + _QUEUE + _FLOOR + _SEE_SHIPMENTS + _LABEL + [
        "logistics.import_stock", "logistics.export_stock", "logistics.change_stock",
        "logistics.retry_fulfilment",
    ],
    # 运营: writes the rules and tunes warehouses and settings.
    "operations": _SEE_DECISIONS + _SEE_STOCK + _SEE_RULES + _EDIT_RULES + _QUEUE
    + _SEE_SHIPMENTS + _EDIT_CARRIERS + _SEE_PUSHES + [
        "logistics.add_warehouse", "logistics.change_warehouse", "logistics.export_stock",
        "logistics.retry_fulfilment",
    ],
    # 财务: shipping waived on merged parcels is money.
    "finance": ["logistics.view_parcel", "logistics.view_parcelmember"],
    # 经理: everything in logistics.
    "manager": _SEE_DECISIONS + _SEE_STOCK + _SEE_RULES + _EDIT_RULES + _QUEUE + _FLOOR
    + _SEE_SHIPMENTS + _LABEL + _EDIT_CARRIERS + _SEE_PUSHES + [
        "logistics.add_warehouse", "logistics.change_warehouse", "logistics.import_stock",
        "logistics.export_stock", "logistics.change_stock", "logistics.retry_fulfilment",
    ],
    # Integrators (WMS/ERP): read and push stock levels through the API.
    "integrator": _SEE_STOCK + _SEE_SHIPMENTS + _LABEL + [
        "logistics.view_warehouse", "logistics.import_stock", "logistics.export_stock"],
}
