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


def _join(parcel: Parcel, order: Order) -> ParcelMember:
    member = _member(parcel, order, waived=True)
    member.save()
    return member


def parcel_merge(
    *, order: Order, decision: FulfilmentDecision, settings: FulfilmentSettings | None = None
) -> ParcelMember | None:
    """Put an allocated order into its address's parcel when the group is big enough.

    Runs inside the fulfilment's transaction (under the order's lock), once per order: the
    common case (no parcel, no earlier order to that address) costs two indexed queries.
    """
    if not decision.address_key or decision.warehouse_id is None:
        return None
    settings = settings or FulfilmentSettings.current()
    paid_at = order.paid_at or timezone.now()
    same_place = {"address_key": decision.address_key, "warehouse_id": decision.warehouse_id}
    parcel = Parcel.objects.select_for_update().filter(
        **same_place, status=Parcel.ParcelStatus.OPEN
    ).first()
    if parcel is not None and parcel.window_ends_at < paid_at:
        # Its window has passed: it takes no more orders (and frees the address).
        parcel.status = Parcel.ParcelStatus.CLOSED
        parcel.save(update_fields=["status", "updated_at"])
        parcel = None
    if parcel is not None:
        return _join(parcel, order)
    window = dt.timedelta(hours=settings.merge_window_hours)
    # The address's other decisions first (the composite index), then their orders: a plan
    # that cannot wander off into every order paid in the window.
    earlier = list(FulfilmentDecision.objects.filter(
        **same_place, outcome=FulfilmentDecision.Outcome.ALLOCATED,
    ).exclude(order_id=order.pk).values_list("order_id", flat=True)[:200])
    if len(earlier) + 1 < settings.merge_min_orders:
        return None
    peers = list(Order.objects.filter(
        pk__in=earlier, paid_at__gte=paid_at - window, paid_at__lte=paid_at,
        status__in=MERGEABLE, parcel_membership__isnull=True,
    ).order_by("paid_at", "pk"))
    if len(peers) + 1 < settings.merge_min_orders:
        return None
    group = [*peers, order]
    try:
        with transaction.atomic():
            parcel = Parcel.objects.create(
                **same_place, address=address_text(order)[:400],
                window_ends_at=(group[0].paid_at or paid_at) + window,
            )
    except IntegrityError:
        # Another order completed the group at the same moment: join its parcel.
        parcel = Parcel.objects.select_for_update().get(**same_place,
                                                        status=Parcel.ParcelStatus.OPEN)
        return _join(parcel, order)
    members = ParcelMember.objects.bulk_create(
        [_member(parcel, member, waived=index > 0) for index, member in enumerate(group)]
    )
    return members[-1]


def parcel_ship(*, order_id: int) -> None:
    """A member left the warehouse: the parcel has shipped and takes no more orders."""
    Parcel.objects.filter(members__order_id=order_id).exclude(
        status=Parcel.ParcelStatus.SHIPPED
    ).update(status=Parcel.ParcelStatus.SHIPPED, updated_at=timezone.now())
