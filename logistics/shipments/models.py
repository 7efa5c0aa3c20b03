"""Carriers, shipments (parcels), their trace, and the couriers' pushes as they arrived.

A :class:`Shipment` is one parcel: a carrier and a tracking number (unique per carrier), its
own status and trace. One order may leave in several (split across warehouses); a merged
parcel carries several orders (:class:`ShipmentOrder`). The status only ever moves forward
along :data:`STATUS_RANK`: a repeated or late push never takes a parcel back. ``trust`` says
who told the hub the current status: the courier itself (green), an aggregator or the channel
(yellow), or a person (red).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models import Warehouse
from orders.models import Order


class Carrier(models.Model):
    """A courier company the hub ships with; staff edit the table in the admin."""

    code = models.CharField(_("code"), max_length=16, unique=True,
                            help_text=_("The hub's carrier code, e.g. SF, ZTO, JTEXPRESS."))
    name = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    phone = models.CharField(_("customer service phone"), max_length=32, blank=True)
    tracking_pattern = models.CharField(
        _("tracking number format"), max_length=200, blank=True,
        help_text=_("A regular expression the whole tracking number must match; empty accepts "
                    "any number of 6 to 32 letters and digits."),
    )
    kuaidi100_code = models.CharField(
        _("Kuaidi100 company code"), max_length=32, blank=True,
        help_text=_("e.g. shunfeng; used for subscriptions and electronic waybills."),
    )
    aliases = models.CharField(
        _("other names"), max_length=500, blank=True,
        help_text=_("Comma-separated names and codes channels use for this carrier."),
    )
    stale_hours = models.PositiveSmallIntegerField(
        _("alert after hours without movement"), default=48,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ShipmentStatus(models.TextChoices):
    AWAITING_PICKUP = "awaiting_pickup", _("Label printed, awaiting pickup")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered (signed)")
    REFUSED = "refused", _("Refused by the receiver")
    RETURNED = "returned", _("Returned to sender")


#: How far along a parcel is: a status never gives way to one of a lower rank.
STATUS_RANK: dict[str, int] = {
    ShipmentStatus.AWAITING_PICKUP: 0,
    ShipmentStatus.IN_TRANSIT: 10,
    ShipmentStatus.OUT_FOR_DELIVERY: 20,
    ShipmentStatus.DELIVERED: 30,
    ShipmentStatus.REFUSED: 40,
    ShipmentStatus.RETURNED: 50,
}
#: The parcel is going back: refused by the receiver, or returned to the sender.
RETURNED_STATUSES = (ShipmentStatus.REFUSED, ShipmentStatus.RETURNED)
#: Parcels still on their way: the trace-alert sweep watches only these (partial index).
OPEN_SHIPMENT_STATUSES = (ShipmentStatus.AWAITING_PICKUP, ShipmentStatus.IN_TRANSIT,
                          ShipmentStatus.OUT_FOR_DELIVERY)


class Trust(models.TextChoices):
    COURIER = "green", _("Courier direct (green)")
    AGGREGATOR = "yellow", _("Aggregator or channel (yellow)")
    PERSON = "red", _("Typed by a person (red)")


class Direction(models.TextChoices):
    """Which way a parcel goes (after-sales, issue 11): to the buyer, or back to us."""

    OUTBOUND = "outbound", _("To the buyer")
    RETURN = "return", _("Return to the warehouse")


class Shipment(models.Model):
    """One parcel with its carrier, tracking number, status and trace."""

    class Source(models.TextChoices):
        LABEL = "label", _("Label typed or scanned")
        WAYBILL = "waybill", _("Electronic waybill")
        CHANNEL = "channel", _("From the channel")
        HAND_OVER = "hand_over", _("Order handed over")
        MIGRATION = "migration", _("Migrated order")

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments",
                                verbose_name=_("carrier"))
    tracking_no = models.CharField(_("tracking number"), max_length=40)
    orders = models.ManyToManyField(Order, through="ShipmentOrder", related_name="shipments",
                                    verbose_name=_("orders"))
    status = models.CharField(_("status"), max_length=20, choices=ShipmentStatus.choices,
                              default=ShipmentStatus.AWAITING_PICKUP)
    trust = models.CharField(_("trust"), max_length=6, choices=Trust.choices,
                             default=Trust.PERSON)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="shipments", verbose_name=_("warehouse"))
    # The route, for the carrier's measured transit times (expected delivery).
    origin_province = models.CharField(_("from province"), max_length=32, blank=True)
    dest_province = models.CharField(_("to province"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    picked_up_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    # The newest trace event's time (or the label's): the stale-trace alert reads it.
    last_event_at = models.DateTimeField(_("last movement at"), default=timezone.now)
    # The ``last_event_at`` the stale-trace alert was raised for (one alert per silence).
    stale_alerted_at = models.DateTimeField(_("stale alert raised for"), null=True, blank=True)
    sorting_holds = models.PositiveSmallIntegerField(_("held at a sorting centre"), default=0)
    failed_attempts = models.PositiveSmallIntegerField(_("failed delivery attempts"), default=0)
    subscribed_at = models.DateTimeField(_("subscribed with Kuaidi100 at"), null=True,
                                         blank=True)
    subscribe_attempts = models.PositiveSmallIntegerField(_("subscription attempts"), default=0)
    subscribe_error = models.CharField(_("subscription problem"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    # --- return parcels (after-sales, issue 11) ---
    # A return parcel is tracked by the same pushes but never moves its order; its changes
    # are told as ``shipment.return_updated`` (``logistics.shipments.events``), not as the
    # outbound parcel's events that the order, the write-back and the hold follow.
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices,
                                 default=Direction.OUTBOUND)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-id"]
        permissions = (("print_label", "Can print labels and record shipments"),)
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_no"],
                                    name="uniq_shipment_tracking"),
        ]
        indexes = [
            models.Index(fields=["tracking_no"], name="shipment_tracking_idx"),
            # The trace-alert sweep: only parcels on their way, per carrier (each has its own
            # silence limit), oldest movement first: a range per carrier of the stale ones.
            models.Index(fields=["carrier", "last_event_at", "id"], name="shipment_open_idx",
                         condition=Q(status__in=OPEN_SHIPMENT_STATUSES)),
            # Transit times per carrier and route (expected delivery): delivered parcels only.
            models.Index(fields=["carrier", "origin_province", "dest_province", "-delivered_at"],
                         name="shipment_route_idx", condition=Q(delivered_at__isnull=False)),
            # Parcels still to subscribe with Kuaidi100 (the subscription sweep).
            models.Index(fields=["id"], name="shipment_unsubscribed_idx",
                         condition=Q(subscribed_at__isnull=True)
                         & Q(status__in=OPEN_SHIPMENT_STATUSES)),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.tracking_no}"


class ShipmentOrder(models.Model):
    """An order in a parcel (a merged parcel has several; a split order is in several)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="members")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipment_links",
                              verbose_name=_("order"))

    class Meta:
        verbose_name = _("order in a shipment")
        verbose_name_plural = _("orders in shipments")
        constraints = [models.UniqueConstraint(fields=["shipment", "order"],
                                               name="uniq_shipment_order")]
        indexes = [models.Index(fields=["order", "shipment"], name="shipment_order_idx")]


class ShipmentEvent(models.Model):
    """One line of a parcel's trace, as the courier (or a person) reported it."""

    class Kind(models.TextChoices):
        LABEL = "label", _("Label printed")
        COLLECTED = "collected", _("Collected")
        IN_TRANSIT = "in_transit", _("In transit")
        SORTING_HOLD = "sorting_hold", _("Held at a sorting centre")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        FAILED_ATTEMPT = "failed_attempt", _("Delivery attempt failed")
        SIGNED = "signed", _("Signed for")
        REFUSED = "refused", _("Refused")
        RETURNED = "returned", _("Returned to sender")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        KUAIDI100 = "kuaidi100", _("Kuaidi100")
        SF = "sf", _("SF Express")
        CHANNEL = "channel", _("Channel")
        STAFF = "staff", _("Staff")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("shipment"))
    at = models.DateTimeField(_("time"))
    location = models.CharField(_("location"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=500)
    courier_code = models.CharField(_("courier's status code"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The same line pushed twice (Kuaidi100 sends the whole trace each time) is stored once.
    fingerprint = models.CharField(max_length=40)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("trace event")
        verbose_name_plural = _("trace events")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "fingerprint"],
                                               name="uniq_shipment_event")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.description}"


class CourierPush(models.Model):
    """A courier push exactly as it arrived (bounded), stored before anything is read from it."""

    class Source(models.TextChoices):
        KUAIDI100 = "kuaidi100", _("Kuaidi100")
        SF = "sf", _("SF Express")

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received")
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    body = models.TextField(_("body as received"))
    remote_addr = models.GenericIPAddressField(_("from"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices,
                               default=Outcome.RECEIVED)
    error = models.CharField(_("why refused"), max_length=500, blank=True)
    tracking_nos = models.CharField(_("tracking numbers"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("courier push")
        verbose_name_plural = _("courier pushes")
        ordering = ["-id"]
        indexes = [models.Index(fields=["received_at"], name="courierpush_received_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}"
