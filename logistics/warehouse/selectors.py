"""Reads of the warehouse floor: pick lists, pick locations, the orders a scan names."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from logistics.shipments.carriers import OTHER
from logistics.shipments.models import Carrier, Shipment
from logistics.warehouse.models import PickLocation, Wave, WaveOrder
from orders.models import GiftOrder, Order, OrderLine, Product
from orders.state_machine import Status

NO_LOCATION = "—"


def locations_of(pairs: Iterable[tuple[int | None, str]]) -> dict[tuple[int, str], str]:
    """``{(warehouse_id, sku): location}`` for these pairs, in one query."""
    wanted = {(warehouse, sku) for warehouse, sku in pairs if warehouse is not None and sku}
    if not wanted:
        return {}
    where = Q()
    for warehouse_id in {warehouse for warehouse, _sku in wanted}:
        where |= Q(warehouse_id=warehouse_id,
                   sku__in=sorted(sku for w, sku in wanted if w == warehouse_id))
    return {(row.warehouse_id, row.sku): row.location
            for row in PickLocation.objects.filter(where).only("warehouse_id", "sku",
                                                               "location")}


@dataclass
class PickRow:
    """One line of a pick list: a SKU at a location, the units of every order in the wave."""

    location: str
    sku: str
    title: str
    quantity: int = 0
    gift: bool = False
    orders: list[str] = field(default_factory=list)


@dataclass
class PickList:
    wave: Wave
    rows: list[PickRow]
    orders: list[Order]

    @property
    def units(self) -> int:
        return sum(row.quantity for row in self.rows)


def wave_get(*, pk: int) -> Wave:
    return Wave.objects.select_related("warehouse", "created_by").get(pk=pk)


def pick_list(*, wave: Wave) -> PickList:
    """The wave's goods summed per SKU and location (gifts as rows of their own), in walking
    order (by location, then SKU; SKUs without a location last), and its orders."""
    orders = list(
        Order.objects.filter(wave_membership__wave=wave)
        .order_by("wave_membership__position", "pk")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
            Prefetch("gift_orders", queryset=GiftOrder.objects.exclude(
                status=GiftOrder.GiftStatus.CANCELLED).order_by("pk"))))
    wanted = [(line.sku, line.title, line.quantity, False, order.hub_no)
              for order in orders for line in order.lines.all()]
    wanted += [(gift.sku, gift.title, gift.quantity, True, order.hub_no)
               for order in orders for gift in order.gift_orders.all()]
    where = locations_of((wave.warehouse_id, sku) for sku, *_rest in wanted)
    rows: dict[tuple[str, str, bool], PickRow] = {}
    for sku, title, quantity, gift, hub_no in wanted:
        location = where.get((wave.warehouse_id, sku), NO_LOCATION)
        row = rows.setdefault((location, sku, gift), PickRow(location, sku, title, gift=gift))
        row.quantity += quantity
        if hub_no not in row.orders:
            row.orders.append(hub_no)
    ordered = sorted(rows.values(), key=lambda row: (row.location == NO_LOCATION, row.location,
                                                     row.sku, row.gift))
    return PickList(wave=wave, rows=ordered, orders=orders)


# --- what a scan names --------------------------------------------------------------------------
STATION_STATUSES = (Status.PAID, Status.PICKING, Status.PACKING, Status.AWAITING_PICKUP)


def orders_scanned(code: str) -> list[Order]:
    """The orders a scanned code names: a hub number, a channel order number, or a wave's
    pick-list barcode (its next order still to work on)."""
    code = code.strip()
    if not code:
        return []
    found = list(Order.objects.filter(hub_no__iexact=code)[:1])
    if found:
        return found
    found = list(Order.objects.filter(channel_order_no=code).order_by("pk")[:5])
    if found:
        return found
    if code[:1] in "Ww" and code[1:].isdigit():
        member = (WaveOrder.objects.filter(wave_id=int(code[1:]),
                                           order__status__in=STATION_STATUSES[:3],
                                           order__on_hold=False)
                  .select_related("order").order_by("position", "pk").first())
        return [member.order] if member else []
    return []


def skus_of_code(code: str) -> set[str]:
    """The SKUs a scanned item code may be: the SKU itself, or a product's barcode (lower case,
    since scanners and keyboards differ in case)."""
    code = code.strip().lower()
    skus = {code}
    skus |= {sku.lower() for sku in Product.objects.filter(barcode__iexact=code)
             .values_list("sku", flat=True)}
    return skus


def order_goods(order: Order) -> dict[str, int]:
    """The units the order's lines ask for, per SKU (upper case as stored)."""
    wanted: dict[str, int] = {}
    for sku, quantity in order.lines.values_list("sku", "quantity"):
        wanted[sku] = wanted.get(sku, 0) + quantity
    return wanted


def awaiting_pickup_shipments(*, carrier_code: str = "",
                              tracking_numbers: Iterable[str] = ()) -> list[Shipment]:
    """Parcels with a label that wait for the courier: all of a carrier's, or those a manifest
    lists; with their orders."""
    qs = Shipment.objects.select_related("carrier").prefetch_related("orders")
    numbers = [number for number in tracking_numbers if number]
    if numbers:
        qs = qs.filter(tracking_no__in=numbers)
    else:
        qs = qs.filter(carrier__code=carrier_code,
                       orders__status=Status.AWAITING_PICKUP).distinct()
    return list(qs.order_by("pk"))


def waiting_by_carrier() -> list[dict]:
    """Each active carrier with how many orders wait for its courier (labelled, not handed
    over), the ones with parcels waiting first."""
    rows = (Carrier.objects.filter(is_active=True).exclude(code=OTHER)
            .annotate(waiting=Count("shipments__orders", filter=Q(
                shipments__orders__status=Status.AWAITING_PICKUP), distinct=True))
            .values("code", "name", "waiting"))
    return sorted(rows, key=lambda row: (-row["waiting"], row["code"]))
