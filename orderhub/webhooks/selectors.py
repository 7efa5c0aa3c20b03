"""Reads of the webhooks app: a user's subscriptions with their health, and the event types
anyone is subscribed to (asked for every event recorded, so cached)."""
from __future__ import annotations

import threading
import time

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from orderhub.core.errors import NotFound

from orderhub.webhooks.models import Delivery, Subscription

Status = Delivery.DeliveryStatus
# How long a process trusts its set of subscribed types; a change made in this process drops
# it at once (orderhub.webhooks.services), one made elsewhere is seen within this time.
KINDS_CACHE_SECONDS = 5.0
_kinds_lock = threading.Lock()
_kinds: tuple[float, frozenset[str]] | None = None


def subscribed_kinds() -> frozenset[str]:
    """Event types at least one active subscription wants. The fan-out handler's ``wants``:
    an event nobody subscribed to gets no task (no query for it, once cached)."""
    global _kinds
    cached = _kinds
    if cached is not None and time.monotonic() - cached[0] < KINDS_CACHE_SECONDS:
        return cached[1]
    with _kinds_lock:
        kinds = frozenset(
            kind for events in Subscription.objects.filter(is_active=True)
            .values_list("events", flat=True) for kind in events
        )
        _kinds = (time.monotonic(), kinds)
    return kinds


def subscribed_kinds_clear() -> None:
    global _kinds
    _kinds = None


def _count_of(status: str) -> Coalesce:
    counted = (Delivery.objects.filter(subscription=OuterRef("pk"), status=status)
               .order_by().values("subscription").annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def subscription_list(*, owner) -> QuerySet[Subscription]:
    """The owner's subscriptions, oldest first, each with how many deliveries wait
    (``pending``) and how many were given up (``failed``): one query."""
    return (Subscription.objects.filter(owner=owner)
            .annotate(pending=_count_of(Status.PENDING), failed=_count_of(Status.FAILED))
            .order_by("id"))


def subscription_get(*, owner, subscription_id: int) -> Subscription:
    """One of the owner's subscriptions; another user's is not found, as a missing one."""
    subscription = Subscription.objects.filter(pk=subscription_id, owner=owner).first()
    if subscription is None:
        raise NotFound(_("You have no webhook subscription %(id)s.") % {"id": subscription_id})
    return subscription
