"""Write-back writes: asking for a shipment's confirmation to the channels, and staff retries.

:func:`writeback_request` is the one entry: whoever knows that a parcel was handed to the
courier (today the order's hand-over move, later the shipments' own event) calls it with the
orders in the parcel, the hub carrier code and the tracking number. It is idempotent per order
and tracking number: asking again, or from a handler that runs twice, changes nothing and
sends nothing twice. Each new write-back starts as

- ``not_needed`` when the channel takes no confirmation (own mini-program, POS), the channel
  itself already reports the order shipped (the hub learnt the shipment from it), another
  tracking number of the order is confirmed already, or the channel's write-back is off (no
  API access configured);
- ``failed`` when there is no tracking number to confirm (an alert says so);
- ``pending`` otherwise: the sender is queued after commit.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orderhub.core.errors import PermissionRefused, model_permission_check
from orderhub.core.tasks import enqueue_on_commit
from orders.models import Order

from channels.adapters import ADAPTERS
from channels.outbound import outbound_for
from channels.outbound.base import Reason
from channels.outbound.carriers import carrier_code
from channels.writeback.models import ChannelApiAccess, WriteBack
from channels.writeback.outcomes import writeback_give_up
from channels.writeback.tasks import writebacks_send_task

Status = WriteBack.WriteBackStatus
RETRY_PERMISSION = "channels.retry_writeback"
#: What staff may send again: given up, waiting, or off until the channel's access was set up
#: (the queryset form; :func:`writeback_retryable` is the same for one write-back).
RETRYABLE = (Q(status__in=[Status.FAILED, Status.PENDING])
             | Q(status=Status.NOT_NEEDED, reason=Reason.WRITEBACK_OFF))


def writeback_retryable(writeback: WriteBack) -> bool:
    """Whether staff may send this write-back again (``RETRYABLE`` for one row)."""
    return writeback.status in (Status.FAILED, Status.PENDING) or (
        writeback.status == Status.NOT_NEEDED and writeback.reason == Reason.WRITEBACK_OFF)


@dataclass(frozen=True)
class HandOver:
    """A parcel handed to the courier: the orders in it, the carrier and the tracking number."""

    order_ids: tuple[int, ...]
    carrier: str
    tracking_no: str
    shipment_ref: str = ""


def writeback_request(*, order_ids: Iterable[int], carrier: str, tracking_no: str,
                      shipment_ref: str = "") -> list[WriteBack]:
    """Confirm a handed-over parcel to the channel of each of its orders (idempotent); returns
    the orders' write-backs of that tracking number, new or not."""
    return writebacks_request([HandOver(tuple(order_ids), carrier, tracking_no, shipment_ref)])


@transaction.atomic
def writebacks_request(handovers: Sequence[HandOver]) -> list[WriteBack]:
    """:func:`writeback_request` for many parcels at once, in a fixed number of queries."""
    wanted: dict[tuple[int, str], HandOver] = {}
    for handover in handovers:
        for order_id in handover.order_ids:
            wanted.setdefault((order_id, handover.tracking_no.strip()), handover)
    if not wanted:
        return []
    order_ids = sorted({order_id for order_id, _tracking in wanted})
    orders = Order.objects.select_related("channel").in_bulk(order_ids)
    known = set(WriteBack.objects.filter(order_id__in=order_ids)
                .values_list("order_id", "tracking_no", "status"))
    confirmed = {order_id for order_id, _tracking, status in known if status == Status.CONFIRMED}
    known_keys = {(order_id, tracking) for order_id, tracking, _status in known}
    accesses = {access.channel_id: access for access in ChannelApiAccess.objects.filter(
        channel_id__in={order.channel_id for order in orders.values()})}
    now = timezone.now()
    new = []
    for (order_id, tracking_no), handover in wanted.items():
        order = orders.get(order_id)
        if order is None or (order_id, tracking_no) in known_keys:
            continue
        status, reason = _start(order, tracking_no=tracking_no, confirmed=confirmed,
                                access=accesses.get(order.channel_id))
        new.append(WriteBack(
            order=order, channel_id=order.channel_id, carrier=carrier_code(handover.carrier),
            carrier_given=handover.carrier.strip()[:64], tracking_no=tracking_no[:64],
            shipment_ref=handover.shipment_ref[:64], status=status, reason=reason,
            next_attempt_at=now if status == Status.PENDING else None, ship_by=order.ship_by,
        ))
    WriteBack.objects.bulk_create(new, ignore_conflicts=True)
    rows = [row for row in WriteBack.objects.filter(
        order_id__in=order_ids, tracking_no__in={tracking_no for _order, tracking_no in wanted},
    ).select_related("order", "channel").order_by("pk") if (row.order_id, row.tracking_no) in wanted]
    created = [row for row in rows if (row.order_id, row.tracking_no) not in known_keys]
    if any(writeback.status == Status.PENDING for writeback in created):
        enqueue_on_commit(writebacks_send_task)
    for writeback in created:
        if writeback.status == Status.FAILED:
            writeback_give_up(writeback, key_suffix="0")
    return rows


def _start(order: Order, *, tracking_no: str, confirmed: set[int],
           access: ChannelApiAccess | None) -> tuple[str, str]:
    """A new write-back's first status and reason (see the module doc)."""
    platform = order.channel.platform
    if not outbound_for(platform).needs_confirmation:
        return Status.NOT_NEEDED, Reason.NO_CONFIRMATION
    if ADAPTERS[platform].channel_reports_shipped(order.channel_status):
        return Status.NOT_NEEDED, Reason.CHANNEL_REPORTED_SHIPPED
    if order.pk in confirmed:
        return Status.NOT_NEEDED, Reason.ALREADY_CONFIRMED
    if access is None or not access.writeback_enabled:
        return Status.NOT_NEEDED, Reason.WRITEBACK_OFF
    if not tracking_no:
        return Status.FAILED, Reason.NO_TRACKING_NO
    return Status.PENDING, ""


@transaction.atomic
def writebacks_retry(*, writeback_ids: Iterable[int], actor) -> int:
    """Staff send write-backs again now, with a fresh run of attempts; returns how many.
    Confirmed ones and ones in flight are left alone."""
    if actor is not None and not actor.has_perm(RETRY_PERMISSION):
        raise PermissionRefused(
            _("Your role may not retry shipping write-backs (needs permission '%(perm)s').")
            % {"perm": RETRY_PERMISSION}
        )
    now = timezone.now()
    changed = WriteBack.objects.filter(RETRYABLE, pk__in=list(writeback_ids)).update(
        status=Status.PENDING, next_attempt_at=now, attempts=0, retried_at=now,
        retried_by=actor if getattr(actor, "is_authenticated", False) else None,
        updated_at=now,
    )
    if changed:
        enqueue_on_commit(writebacks_send_task)
    return changed


@transaction.atomic
def channel_api_access_save(*, access: ChannelApiAccess, actor, app_secret: str | None = None,
                            access_token: str | None = None,
                            signing_secret: str | None = None) -> ChannelApiAccess:
    """Save a channel's API access; a secret or token given replaces the old one, which stops
    being used at once (``None`` keeps it)."""
    model_permission_check(actor, access, "change" if access.pk else "add")
    if app_secret is not None:
        access.app_secret = app_secret.strip()
    if access_token is not None:
        access.access_token = access_token.strip()
    if signing_secret is not None:
        access.signing_secret = signing_secret.strip()
    access.save()
    return access
