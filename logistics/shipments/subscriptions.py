"""Subscribing new tracking numbers with Kuaidi100, so that their traces are pushed to the hub.

The handler of ``shipment.created`` (``logistics.kuaidi100_subscribe``) queues
:func:`subscriptions_send` after commit with the new parcels' ids; the call to Kuaidi100 is
made with no transaction open. What Kuaidi100 did not decide (no answer, 5xx) is tried again by
the every-five-minutes sweep (:func:`subscriptions_sweep`), up to ``MAX_ATTEMPTS``; what it
refused is kept on the shipment (``subscribe_error``) for staff. Nothing is sent while the hub
has no Kuaidi100 key, or for a carrier without a Kuaidi100 code.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from logistics.shipments import kuaidi100
from logistics.shipments.models import OPEN_SHIPMENT_STATUSES, Shipment
from orderhub.core.site import site_url

MAX_ATTEMPTS = 6
SWEEP_BATCH = 200


def callback_url() -> str:
    return site_url(reverse("logistics-api:tracking-kuaidi100"))


def _due(ids: Sequence[int] | None = None):
    due = Shipment.objects.filter(subscribed_at__isnull=True, status__in=OPEN_SHIPMENT_STATUSES,
                                  subscribe_attempts__lt=MAX_ATTEMPTS, subscribe_error="")
    due = due.exclude(carrier__kuaidi100_code="")
    return due.filter(pk__in=list(ids)) if ids is not None else due


def subscriptions_send(shipment_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Subscribe the given parcels (or every one still due); returns the counts."""
    counts = {"subscribed": 0, "refused": 0, "later": 0}
    if not settings.ORDERHUB_KUAIDI100_KEY:
        return counts
    rows = list(_due(shipment_ids).select_related("carrier").order_by("pk")[:SWEEP_BATCH])
    if not rows:
        return counts
    to = {}
    for shipment in rows:
        order = shipment.orders.order_by("pk").first()
        to[shipment.pk] = "".join(filter(None, (order.receiver_province, order.receiver_city,
                                                order.receiver_district))) if order else ""
    url = callback_url()
    for shipment in rows:
        answer = kuaidi100.subscribe(company=shipment.carrier.kuaidi100_code,
                                     number=shipment.tracking_no, to=to[shipment.pk],
                                     callback_url=url)
        changes = {"subscribe_attempts": F("subscribe_attempts") + 1}
        if answer.ok:
            changes["subscribed_at"] = timezone.now()
            counts["subscribed"] += 1
        elif answer.retry:
            counts["later"] += 1
        else:
            changes["subscribe_error"] = f"{answer.code} {answer.message}".strip()[:255] or "refused"
            counts["refused"] += 1
        Shipment.objects.filter(pk=shipment.pk, subscribed_at__isnull=True).update(**changes)
    return counts


def subscriptions_sweep() -> dict[str, int]:
    """Every five minutes: the parcels whose subscription is still due (a lost task, a
    Kuaidi100 outage); parcels older than a week are left alone."""
    if not settings.ORDERHUB_KUAIDI100_KEY:
        return {"subscribed": 0, "refused": 0, "later": 0}
    ids = list(_due().filter(created_at__gte=timezone.now() - dt.timedelta(days=7))
               .order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    return subscriptions_send(ids) if ids else {"subscribed": 0, "refused": 0, "later": 0}
