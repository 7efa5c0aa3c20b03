"""Receiving courier pushes: stored raw first, checked, then applied to the parcels' traces.

The raw push is committed on its own before anything is read from it (so that a push that
breaks the reader can be looked at and replayed). Then, in one transaction: the signature
(Kuaidi100's ``sign``; SF's token), the body, and every tracking number it names must be
known; otherwise the push is refused as a whole and nothing changes on any parcel or order.
Applying is idempotent and never moves a parcel backwards (``services.trace_apply``); a parcel
that moved moves its orders in the same transaction (``services.orders_follow_parcels``), so the
order's state is settled when the courier gets its answer, and the order's own effects (stock,
write-back, figures) run after commit.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from logistics.shipments.carriers import name_key
from logistics.shipments.models import CourierPush, Shipment, ShipmentEvent, Trust
from logistics.shipments.services import (
    TraceResult,
    TraceUpdate,
    carriers_by_name,
    orders_follow_parcels,
    parcel_orders_lock,
    trace_apply,
)
from logistics.shipments.tracking import kuaidi100_param_read, sf_routes_read
from orderhub.core.errors import DomainError, NotFound, PermissionRefused, ValidationFailed


class PushTooLarge(ValidationFailed):
    status_code = 413
    code = "too_large"


@dataclass
class PushOutcome:
    push_id: int
    results: list[TraceResult]


def push_store(*, source: str, body: bytes, content_type: str = "",
               remote_addr: str | None = None) -> CourierPush:
    """Keep the push as it arrived (at most ``ORDERHUB_COURIER_PUSH_MAX_BYTES`` of it), committed
    at once; a larger push is stored cut and refused."""
    limit = settings.ORDERHUB_COURIER_PUSH_MAX_BYTES
    with transaction.atomic():
        push = CourierPush.objects.create(
            source=source, body=body[:limit].decode("utf-8", errors="replace"),
            content_type=content_type[:100], remote_addr=remote_addr or None)
    if len(body) > limit:
        _refuse(push, PushTooLarge(f"The push is larger than {limit} bytes."))
    return push


def kuaidi100_sign(param: str, salt: str) -> str:
    """Kuaidi100's push signature: upper-case hex MD5 of ``param`` + ``salt``."""
    return hashlib.md5(f"{param}{salt}".encode()).hexdigest().upper()


def kuaidi100_push_receive(*, push: CourierPush, param: str, sign: str) -> PushOutcome:
    """Check and apply a Kuaidi100 push (form fields ``param`` and ``sign``)."""
    salt = settings.ORDERHUB_KUAIDI100_SALT
    if not param or not sign:
        _refuse(push, ValidationFailed("The form fields param and sign are both required."))
    if not salt:
        _refuse(push, PermissionRefused("Kuaidi100 pushes are not accepted: no salt is set "
                                        "(ORDERHUB_KUAIDI100_SALT)."))
    if not hmac.compare_digest(kuaidi100_sign(param, salt), sign.strip().upper()):
        _refuse(push, PermissionRefused("The sign does not match param and the salt."))
    try:
        _status, update = kuaidi100_param_read(param)
    except ValidationFailed as problem:
        _refuse(push, problem)
    return _apply(push, [update], source=ShipmentEvent.Source.KUAIDI100,
                  trust=Trust.AGGREGATOR)


def sf_push_receive(*, push: CourierPush, body: bytes, token: str) -> PushOutcome:
    """Check and apply an SF route push (its JSON body; the URL's token)."""
    expected = settings.ORDERHUB_SF_PUSH_TOKEN
    if not expected or not hmac.compare_digest(expected.encode(), (token or "").encode()):
        _refuse(push, PermissionRefused("The push URL's token is wrong or SF pushes are not "
                                        "accepted (ORDERHUB_SF_PUSH_TOKEN)."))
    try:
        updates = sf_routes_read(body)
    except ValidationFailed as problem:
        _refuse(push, problem)
    return _apply(push, updates, source=ShipmentEvent.Source.SF, trust=Trust.COURIER)


def _apply(push: CourierPush, updates: Sequence[TraceUpdate], *, source: str,
           trust: str) -> PushOutcome:
    numbers = ",".join(update.tracking_no for update in updates)[:500]
    try:
        with transaction.atomic():
            shipments = _shipments_for(updates)
            orders = parcel_orders_lock(sorted(s.pk for s in shipments.values()))
            results = [trace_apply(shipment=shipments[update.tracking_no], update=update,
                                   source=source, trust=trust) for update in updates]
            orders_follow_parcels(orders=orders, results=results)
            CourierPush.objects.filter(pk=push.pk).update(
                outcome=CourierPush.Outcome.APPLIED, tracking_nos=numbers)
    except DomainError as problem:
        push.tracking_nos = numbers
        _refuse(push, problem)
    return PushOutcome(push.pk, results)


def _shipments_for(updates: Sequence[TraceUpdate]) -> dict[str, Shipment]:
    """Each update's parcel, by tracking number (and the carrier the push names, when a number
    is known under several carriers); NotFound names the unknown numbers."""
    numbers = sorted({update.tracking_no for update in updates})
    found: dict[str, list[Shipment]] = {}
    for shipment in Shipment.objects.filter(tracking_no__in=numbers).select_related("carrier"):
        found.setdefault(shipment.tracking_no, []).append(shipment)
    unknown = [number for number in numbers if number not in found]
    if unknown:
        raise NotFound(f"No shipment has the tracking number {', '.join(unknown)}.")
    names = None
    chosen: dict[str, Shipment] = {}
    for update in updates:
        candidates = found[update.tracking_no]
        if len(candidates) > 1 and update.carrier_hint:
            names = names if names is not None else carriers_by_name()
            hinted = names.get(name_key(update.carrier_hint))
            candidates = [s for s in candidates if hinted and s.carrier_id == hinted.pk] \
                or candidates
        chosen[update.tracking_no] = candidates[0]
    return chosen


def _refuse(push: CourierPush, problem: DomainError):
    """Record why the push was refused, and raise the refusal (nothing else was written)."""
    CourierPush.objects.filter(pk=push.pk).update(
        outcome=CourierPush.Outcome.REFUSED, error=problem.message[:500],
        tracking_nos=push.tracking_nos)
    raise problem
