"""The buyer's tracking page (物流溯源码): its signed link, its QR code, and what it shows.

The link carries the order's hub number signed with the project's ``SECRET_KEY``
(``django.core.signing.Signer`` with a salt of its own, so that no other signed value of the
hub opens it). It needs no login and does not expire: it is printed on the parcel's slip and
shared in the buyer's chat, and the page shows nothing the buyer may not see. A link whose
signature is wrong or was edited opens nothing (a 404 page, never a 500).
``orderhub.core.signing`` is the webhooks' timestamped HMAC of a request body; a link that
must keep working for weeks has no body and no timestamp, hence Django's signer here.

What the page shows (:func:`tracking_view`), personal data masked (name 张*, phone
138****1234, address down to the street without its door number):

- the order's progress through paid → packed → handed over → in transit → out for delivery
  → signed, each step with its time as the order and its parcels' traces record it (a step
  reached without a trace line of its own, e.g. a parcel the channel shipped, has no time);
- each parcel: its carrier's Chinese name and phone, its number, status, the newest trace
  lines, and a plain note when something is wrong (refused, returned, stuck, a failed
  attempt, held at a sorting centre).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import segno
from django.conf import settings
from django.core import signing
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.shipments.delivery import shipments_expected
from logistics.shipments.models import (
    OPEN_SHIPMENT_STATUSES,
    Shipment,
    ShipmentEvent,
    ShipmentStatus,
)
from orderhub.core.site import site_url
from orders.models import Order

SIGNER_SALT = "orderhub.logistics.tracking-page"
LATEST_LINES = 5
Kind = ShipmentEvent.Kind


# --- the link -----------------------------------------------------------------------------------
def _signer() -> signing.Signer:
    return signing.Signer(salt=SIGNER_SALT)


def tracking_token(order: Order) -> str:
    """The signed part of the order's link: ``<hub_no>:<signature>``."""
    return _signer().sign(order.hub_no)


def tracking_hub_no(token: str) -> str | None:
    """The hub number a link was signed for; None when the signature is wrong or edited."""
    try:
        return _signer().unsign(token)
    except signing.BadSignature:
        return None


def tracking_page_path(order: Order) -> str:
    return reverse("tracking-page", args=[tracking_token(order)])


def tracking_page_url(order: Order, request=None) -> str:
    """The absolute link (``orderhub.core.site``): under ``ORDERHUB_BASE_URL`` when set (what
    buyers reach from outside), else under the asking request's host, else the default."""
    return site_url(tracking_page_path(order), request)


def tracking_qr_svg(url: str, *, scale: int = 4) -> str:
    """The link as a QR code, a standalone SVG document (segno; error correction M survives a
    scuffed slip)."""
    return segno.make(url, error="m").svg_inline(scale=scale, omitsize=False)


# --- personal data, masked ----------------------------------------------------------------------
def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: the first character only."""
    name = name.strip()
    return f"{name[0]}{'*' * max(1, len(name) - 1)}" if name else ""


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234 (a country code or a landline keeps its first three and last
    four characters; shorter numbers show their last two only)."""
    digits = re.sub(r"[^\d+]", "", phone)
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    return f"{'*' * max(0, len(digits) - 2)}{digits[-2:]}" if digits else ""


_DOOR = re.compile(r"[\dA-Za-z０-９一二三四五六七八九十]+\s*(号|栋|幢|座|单元|室|楼|层|弄|户)")
_STREET_END = re.compile(r".*?(路|街|道|巷|大道|胡同|村|镇|乡|小区)")


def mask_address(address: str) -> str:
    """The street without the door number: ``文三路 478 号华星时代广场 A 座 1203 室`` → ``文三路**``."""
    text = address.strip()
    if not text:
        return ""
    cut = _DOOR.search(text)
    digit = re.search(r"\d", text)
    ends = [m.start() for m in (cut, digit) if m is not None]
    if ends:
        kept = text[:min(ends)].strip()
    else:
        street = _STREET_END.match(text)
        kept = street.group(0) if street else text[:max(1, len(text) // 3)]
    return f"{kept}**"


def mask_in_text(text: str, order: Order) -> str:
    """A courier's words with the receiver's name and phone masked (signature lines name them)."""
    for plain, masked in ((order.receiver_phone.strip(), mask_phone(order.receiver_phone)),
                          (order.receiver_name.strip(), mask_name(order.receiver_name))):
        if len(plain) >= 2:
            text = text.replace(plain, masked)
    return text


# --- the progress -------------------------------------------------------------------------------
STEPS: tuple[tuple[str, str], ...] = (
    ("paid", "Paid"),
    ("packed", "Packed"),
    ("handed_over", "Handed to the courier"),
    ("in_transit", "In transit"),
    ("out_for_delivery", "Out for delivery"),
    ("signed", "Signed for"),
)
# Trace lines that show a step was reached (the first such line gives the step's time).
STEP_KINDS: dict[str, tuple[str, ...]] = {
    "packed": (Kind.LABEL,),
    "handed_over": (Kind.COLLECTED,),
    "in_transit": (Kind.IN_TRANSIT, Kind.SORTING_HOLD),
    "out_for_delivery": (Kind.OUT_FOR_DELIVERY, Kind.FAILED_ATTEMPT),
    "signed": (Kind.SIGNED,),
}
# The furthest step a parcel's status proves, whatever its trace holds.
STEP_OF_STATUS: dict[str, str] = {
    ShipmentStatus.AWAITING_PICKUP: "packed",
    ShipmentStatus.IN_TRANSIT: "handed_over",
    ShipmentStatus.OUT_FOR_DELIVERY: "out_for_delivery",
    ShipmentStatus.DELIVERED: "signed",
    ShipmentStatus.REFUSED: "out_for_delivery",
    ShipmentStatus.RETURNED: "in_transit",
}
STEP_NAMES = [name for name, _label in STEPS]


@dataclass
class Step:
    name: str
    label: str
    reached: bool = False
    at: dt.datetime | None = None
    current: bool = False


@dataclass
class ParcelView:
    carrier_name: str
    carrier_phone: str
    tracking_no: str
    status: str
    status_label: str
    latest: list[dict]
    older: list[dict]
    notes: list[str] = field(default_factory=list)
    problem: bool = False


@dataclass
class TrackingView:
    hub_no: str
    receiver_name: str
    receiver_phone: str
    receiver_place: str
    steps: list[Step]
    parcels: list[ParcelView]
    expected: dt.datetime | None
    notes: list[str]


def _step_times(shipment: Shipment, events: Sequence[ShipmentEvent]) -> dict[str, dt.datetime | None]:
    """The steps this parcel reached, each with the first time its trace shows it."""
    reached: dict[str, dt.datetime | None] = {}
    for step, kinds in STEP_KINDS.items():
        times = [event.at for event in events if event.kind in kinds]
        if times:
            reached[step] = min(times)
    reached.setdefault("packed", shipment.created_at)
    if shipment.picked_up_at:
        reached.setdefault("handed_over", shipment.picked_up_at)
    if shipment.delivered_at:
        reached["signed"] = shipment.delivered_at
    furthest = STEP_OF_STATUS.get(shipment.status, "packed")
    for step in STEP_NAMES[1:STEP_NAMES.index(furthest) + 1]:
        reached.setdefault(step, None)  # proven by the status, no line of its own
    return reached


def _steps(order: Order, parcels: Sequence[tuple[Shipment, list[ShipmentEvent]]]) -> list[Step]:
    """The order's progress: a step is reached when any parcel reached it (signed: all of them),
    at the first parcel's time."""
    steps = [Step(name, _(label)) for name, label in STEPS]
    by_name = {step.name: step for step in steps}
    if order.paid_at:
        by_name["paid"].reached, by_name["paid"].at = True, order.paid_at
    per_parcel = [_step_times(shipment, events) for shipment, events in parcels]
    for name in STEP_NAMES[1:]:
        holders = [times for times in per_parcel if name in times]
        if not holders or (name == "signed" and len(holders) < len(per_parcel)):
            continue
        step = by_name[name]
        step.reached = True
        known = [times[name] for times in holders if times[name] is not None]
        step.at = (max(known) if name == "signed" else min(known)) if known else None
    if per_parcel:
        by_name["paid"].reached = True  # it was packed, so it was paid
    # A later step reached proves the earlier ones (without times of their own).
    furthest = max((i for i, step in enumerate(steps) if step.reached), default=-1)
    for index, step in enumerate(steps):
        step.reached = index <= furthest
        step.current = index == furthest
    return steps


def _parcel_notes(shipment: Shipment, now: dt.datetime) -> list[str]:
    """What is wrong with the parcel, in plain words for the buyer."""
    notes = []
    if shipment.status == ShipmentStatus.REFUSED:
        notes.append(_("The parcel was refused at delivery and is on its way back to the "
                       "seller. Customer service will contact you about a refund or a resend."))
    elif shipment.status == ShipmentStatus.RETURNED:
        notes.append(_("The parcel is being returned to the seller. Customer service will "
                       "contact you."))
    if shipment.status in OPEN_SHIPMENT_STATUSES:
        silent = now - shipment.last_event_at
        limit = dt.timedelta(hours=shipment.carrier.stale_hours or 48)
        if shipment.status != ShipmentStatus.AWAITING_PICKUP and silent > limit:
            notes.append(_("No new tracking update for %(hours)d hours: the parcel may be "
                           "stuck. We are checking with the courier.")
                         % {"hours": silent.total_seconds() // 3600})
        if shipment.failed_attempts:
            notes.append(_("A delivery attempt failed; the courier will contact you to try "
                           "again. You can also call the courier's customer service."))
        if shipment.sorting_holds >= 2:
            notes.append(_("The parcel was held at a sorting centre; we are following it up "
                           "with the courier."))
    return notes


def _line(event: ShipmentEvent, order: Order) -> dict:
    return {"at": event.at, "location": mask_in_text(event.location, order),
            "description": mask_in_text(event.description, order)}


def tracking_order_get(hub_no: str) -> Order | None:
    """The order behind a link, its parcels, their carriers and traces prefetched."""
    parcels = Shipment.objects.select_related("carrier").prefetch_related(
        Prefetch("events", queryset=ShipmentEvent.objects.order_by("-at", "-id"))
    ).order_by("pk")
    return (Order.objects.filter(hub_no=hub_no)
            .prefetch_related(Prefetch("shipments", queryset=parcels)).first())


def tracking_view(order: Order, *, now: dt.datetime | None = None) -> TrackingView:
    """What the buyer's page shows for ``order`` (from :func:`tracking_order_get`)."""
    now = now or timezone.now()
    shipments = list(order.shipments.all())
    parcels = [(shipment, list(shipment.events.all())) for shipment in shipments]
    views = []
    for shipment, events in parcels:
        lines = [_line(event, order) for event in events]
        notes = _parcel_notes(shipment, now)
        views.append(ParcelView(
            carrier_name=shipment.carrier.name, carrier_phone=shipment.carrier.phone,
            tracking_no=shipment.tracking_no, status=shipment.status,
            status_label=str(ShipmentStatus(shipment.status).label),
            latest=lines[:LATEST_LINES], older=lines[LATEST_LINES:], notes=notes,
            problem=bool(notes)))
    order_notes = []
    if not shipments:
        order_notes.append(_("The seller is preparing your order; the tracking appears here "
                             "once the parcel is labelled."))
    place = " ".join(part for part in (order.receiver_province, order.receiver_city,
                                       order.receiver_district) if part)
    return TrackingView(
        hub_no=order.hub_no, receiver_name=mask_name(order.receiver_name),
        receiver_phone=mask_phone(order.receiver_phone),
        receiver_place=f"{place} {mask_address(order.receiver_address)}".strip(),
        steps=_steps(order, parcels), parcels=views,
        expected=shipments_expected(shipments) if shipments else None, notes=order_notes)

