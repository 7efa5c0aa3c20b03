"""Merged parcels: several orders to one address within a window ship as one parcel.

With the defaults (``FulfilmentSettings``: 3 orders, 24 hours), the third order paid within 24
hours of the first to the same normalised address, from the same warehouse, makes a parcel of
all three; later orders within the window join it. The first order pays shipping; the waiver
of the others is recorded on their membership (``ParcelMember.waived_amount``), never by
rewriting the amounts the buyer paid: finance refunds or credits from that record.

A partial unique constraint allows one open parcel per address and warehouse, so two orders
completing the group at the same moment cannot make two parcels: the second joins the first.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from logistics.models import FulfilmentDecision, FulfilmentSettings, Parcel, ParcelMember
from logistics.rules import normalise_place
from orders.models import Order
from orders.state_machine import Status

# Orders that have not been packed yet can still go into one box.
MERGEABLE = (Status.PAID, Status.RISK_REVIEW, Status.PICKING)
_NOISE = re.compile(r"[\s,，.。、;；:：\-—_#()（）【】\[\]'\"]+")


def address_text(order: Order) -> str:
    return " ".join(part for part in (
        order.receiver_province, order.receiver_city, order.receiver_district,
        order.receiver_address,
    ) if part)


def address_key(order: Order) -> str:
    """The same place however it was typed: width, case, spaces, punctuation and region
    suffixes (省/市/自治区) do not count. Empty when the street address is missing."""
    street = unicodedata.normalize("NFKC", order.receiver_address or "").lower()
    street = _NOISE.sub("", street)
    if not street:
        return ""
    parts = [
        normalise_place(order.receiver_province), normalise_place(order.receiver_city),
        _NOISE.sub("", unicodedata.normalize("NFKC", order.receiver_district or "").lower()),
        street,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _member(parcel: Parcel, order: Order, *, waived: bool) -> ParcelMember:
    return ParcelMember(
        parcel=parcel, order=order, shipping_waived=waived,
        waived_amount=order.shipping_amount if waived else 0,
    )


def parcels_merge(
    *, decided: Sequence[tuple[Order, FulfilmentDecision]],
    settings: FulfilmentSettings | None = None,
) -> list[ParcelMember]:
    """Put allocated orders into their address's parcel when the group is big enough.

    Runs inside the fulfilment's transaction (the orders are locked), once per batch, in the
    batch's order, as if each order came alone: an order groups with the address's earlier
    orders (outside the batch, or before it in the batch). The common case (no parcel, no
    earlier order to any of the addresses) costs two indexed queries for the whole batch.
    """
    keyed = [(order, decision) for order, decision in decided
             if decision.address_key and decision.warehouse_id is not None]
    if not keyed:
        return []
    settings = settings or FulfilmentSettings.current()
    window = dt.timedelta(hours=settings.merge_window_hours)
    keys = sorted({decision.address_key for _order, decision in keyed})
    parcels = {
        (parcel.address_key, parcel.warehouse_id): parcel for parcel in
        Parcel.objects.select_for_update().filter(address_key__in=keys,
                                                  status=Parcel.ParcelStatus.OPEN).order_by("pk")
    }
    # The addresses' other allocated decisions first (the composite index), then their orders:
    # a plan that cannot wander off into every order paid in the window.
    places: dict[tuple[str, int], list[int]] = {}
    for order_id, key, warehouse_id in FulfilmentDecision.objects.filter(
            address_key__in=keys, outcome=FulfilmentDecision.Outcome.ALLOCATED,
    ).values_list("order_id", "address_key", "warehouse_id")[:200 * len(keys)]:
        places.setdefault((key, warehouse_id), []).append(order_id)
    candidates = {order.pk: order for order in Order.objects.filter(
        pk__in=[pk for ids in places.values() for pk in ids], status__in=MERGEABLE,
        parcel_membership__isnull=True)}
    in_batch = {order.pk for order, _decision in keyed}
    done: set[int] = set()
    joined: set[int] = set()
    members: list[ParcelMember] = []
    for order, decision in keyed:
        place = (decision.address_key, decision.warehouse_id)
        paid_at = order.paid_at or timezone.now()
        done.add(order.pk)
        parcel = parcels.get(place)
        if parcel is not None and parcel.window_ends_at < paid_at:
            # Its window has passed: it takes no more orders (and frees the address).
            parcel.status = Parcel.ParcelStatus.CLOSED
            parcel.save(update_fields=["status", "updated_at"])
            del parcels[place]
            parcel = None
        if parcel is not None:
            members.append(_member(parcel, order, waived=True))
            joined.add(order.pk)
            continue
        peers = sorted((
            peer for pk in places.get(place, ()) if (peer := candidates.get(pk)) is not None
            and pk != order.pk and pk not in joined and (pk not in in_batch or pk in done)
            and peer.paid_at is not None and paid_at - window <= peer.paid_at <= paid_at
        ), key=lambda peer: (peer.paid_at, peer.pk))
        if len(peers) + 1 < settings.merge_min_orders:
            continue
        group = [*peers, order]
        try:
            with transaction.atomic():
                parcel = Parcel.objects.create(
                    warehouse_id=decision.warehouse_id, address_key=decision.address_key,
                    address=address_text(order)[:400],
                    window_ends_at=(group[0].paid_at or paid_at) + window,
                )
        except IntegrityError:
            # Another batch completed the group at the same moment: join its parcel.
            parcel = Parcel.objects.select_for_update().get(
                warehouse_id=decision.warehouse_id, address_key=decision.address_key,
                status=Parcel.ParcelStatus.OPEN)
            members.append(_member(parcel, order, waived=True))
            joined.add(order.pk)
            parcels[place] = parcel
            continue
        parcels[place] = parcel
        members += [_member(parcel, member, waived=index > 0) for index, member in enumerate(group)]
        joined.update(member.pk for member in group)
    return ParcelMember.objects.bulk_create(members)


def parcels_ship(*, order_ids: Sequence[int]) -> int:
    """Members left the warehouse: their parcels have shipped and take no more orders."""
    return Parcel.objects.filter(members__order_id__in=list(order_ids)).exclude(
        status=Parcel.ParcelStatus.SHIPPED
    ).update(status=Parcel.ParcelStatus.SHIPPED, updated_at=timezone.now())
