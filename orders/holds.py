"""Holding and releasing orders: the only code that places or lifts a hold (``Hold`` rows).

Every hold is a record with its source, reason, who and when; an order may carry several. It
moves forward only when none is open (``Order.on_hold``, kept in step here under the order's
lock). A source lifts its own holds by their ``key`` (the channel that no longer stops the
order, a restock that reserved the stock); a person with the hold permission may lift any. Each
hold and release is also a line of the order's history and an event (``order.held``,
``order.released``) for the apps and integrators that follow orders.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from orderhub.core.errors import Conflict, PermissionRefused, ValidationFailed
from orderhub.core.history import Actor, audit
from orderhub.events.services import NewEvent, events_record
from orderhub.core.texts import fit, render
from orders import texts
from orders.events import ORDER_HELD, ORDER_RELEASED
from orders.locks import order_lock
from orders.models import Hold, Order
from orders.state_machine import FINAL_STATUSES

HOLD_PERMISSION = "orders.hold_order"
Source = Hold.Source
# The keys by which sources lift their own holds.
OUT_OF_STOCK_KEY = "out_of_stock"
ADDRESS_CHANGE_KEY = "address_change"
REFUND_REQUEST_KEY = "refund_request"
CHANNEL_STOP_KEY = "channel:stop"
CHANNEL_ADDRESS_KEY = "channel:address"
CHANNEL_CANCEL_KEY = "channel:cancel"


def _user(actor: Actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def check_hold_permission(actor: Actor) -> None:
    if actor is not None and not actor.has_perm(HOLD_PERMISSION):
        raise PermissionRefused(
            f"Your role may not hold or release orders (needs permission '{HOLD_PERMISSION}').")


def open_holds(order: Order) -> list[Hold]:
    """The order's open holds, oldest first (one indexed query)."""
    return list(Hold.objects.filter(order=order, released_at__isnull=True).order_by("id"))


def holds_text(holds: Sequence[Hold]) -> str:
    """``"Out of stock: …; Staff: …"``: the open holds in a sentence, for messages."""
    return "; ".join(f"{hold.get_source_display()}: {render(hold.reason)}" for hold in holds)


def hold_place_locked(
    locked: Order, *, source: str, reason: str, actor: Actor, key: str = "",
    params: dict[str, Any] | None = None,
) -> Hold | None:
    """Put a hold on an order the caller has locked and will save (``on_hold`` is set on the
    instance); ``None`` when a hold with this key is open already. Records ``order.held``."""
    if key and Hold.objects.filter(order=locked, key=key, released_at__isnull=True).exists():
        return None
    hold = Hold.objects.create(order=locked, source=source, key=key, reason=fit(reason, 255),
                               params=params or {}, placed_by=_user(actor))
    locked.on_hold = True
    # Integrators read the reason in the hub's language (a webhook has no Accept-Language).
    with translation.override(settings.LANGUAGE_CODE):
        reason_words = render(hold.reason)
    events_record([NewEvent(ORDER_HELD, locked.pk, {"hold_id": hold.pk, "source": source,
                                                    "reason": reason_words})])
    return hold


@transaction.atomic
def hold_place(
    *, order: Order, actor: Actor, reason: str, source: str = Source.PERSON, key: str = "",
    params: dict[str, Any] | None = None,
) -> Hold | None:
    """Hold an order: it cannot move forward until every hold is lifted. A person needs the
    hold permission; a source's hold with the same ``key`` is placed once (``None`` then)."""
    if source == Source.PERSON:
        check_hold_permission(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the order is held.")
    locked = order_lock(order.pk)
    if locked.status in FINAL_STATUSES:
        raise Conflict(f"Order {locked.hub_no} is '{locked.status}'; there is nothing to hold.")
    hold = hold_place_locked(locked, source=source, reason=reason, actor=actor, key=key,
                             params=params)
    if hold is not None:
        audit(locked, actor=actor, reason=texts.HOLD.encode(reason=hold.reason))
        locked.save(update_fields=["on_hold", "updated_at"])
        order.refresh_from_db()
    return hold


def order_hold(*, order: Order, actor: Actor, reason: str) -> Order:
    """A person intercepts an order (the admin's and the API's hold); returns it, held."""
    hold_place(order=order, actor=actor, reason=reason)
    return order


@transaction.atomic
def order_release_hold(
    *, order: Order, actor: Actor, reason: str, hold_ids: Sequence[int] | None = None,
    key: str = "",
) -> Order:
    """Lift holds: the given ones, a source's own (``key``), or, for a person, every open hold.

    A person needs the hold permission and may lift any hold; the hub (``actor=None``) lifts
    only what it names. Refused (409) when nothing matching is open.
    """
    check_hold_permission(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the hold is released.")
    locked = order_lock(order.pk)
    holds = Hold.objects.select_for_update().filter(order=locked, released_at__isnull=True)
    if hold_ids is not None:
        holds = holds.filter(pk__in=list(hold_ids))
    elif key:
        holds = holds.filter(key=key)
    elif actor is None:
        raise ValidationFailed("The hub lifts only the holds it names.")
    lifted = list(holds.order_by("id"))
    if not lifted:
        raise Conflict(f"Order {locked.hub_no} is not on hold" +
                       (" for that reason." if hold_ids is not None or key else "."),
                       extra={"current_state": locked.status})
    now = timezone.now()
    for hold in lifted:
        hold.released_at, hold.released_by, hold.release_reason = now, _user(actor), fit(reason, 255)
    Hold.objects.bulk_update(lifted, ["released_at", "released_by", "release_reason"])
    locked.on_hold = Hold.objects.filter(order=locked, released_at__isnull=True).exists()
    audit(locked, actor=actor, reason=texts.RELEASE.encode(reason=reason))
    locked.save(update_fields=["on_hold", "updated_at"])
    events_record([NewEvent(ORDER_RELEASED, locked.pk, {"hold_id": hold.pk,
                                                        "source": hold.source})
                   for hold in lifted])
    order.refresh_from_db()
    return locked


def order_release_own_hold(*, order: Order, key: str, reason: str) -> bool:
    """The hub lifts the hold it placed under ``key`` (a source lifting its own); ``False``
    when there is none open."""
    if not Hold.objects.filter(order=order, key=key, released_at__isnull=True).exists():
        return False
    order_release_hold(order=order, actor=None, reason=reason, key=key)
    return True
