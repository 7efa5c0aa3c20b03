"""Orders, their lines and gift sub-orders, customers, the product master and sales channels.

The order's status follows the table in ``orders/state_machine.py``; the ``@transition``
methods below are generated from it and only guard and set fields. Every write goes through
``orders.services``.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from orderhub.core.history import AuditedHistory
from orderhub.core.models import FSMSafeRefreshMixin, TimeStampedModel
from orders.state_machine import (
    MOVES_BY_NAME,
    ORDER_PERMISSIONS,
    STAGE_OF_STATUS,
    Stage,
    Status,
)

ZERO = Decimal("0.00")
# Orders whose promised ship-by time still matters: paid and not yet handed to the courier.
SHIP_BY_WATCHED_STATUSES = (
    Status.PAID, Status.RISK_REVIEW, Status.PICKING, Status.PACKING, Status.AWAITING_PICKUP,
)


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO, **kwargs)


class Channel(models.Model):
    """A sales channel (one shop on one platform). ``code`` is the API's channel code."""

    class Platform(models.TextChoices):
        TAOBAO = "taobao", _("Taobao")
        TMALL = "tmall", _("Tmall")
        JD = "jd", _("JD")
        PDD = "pdd", _("Pinduoduo")
        DOUYIN = "douyin", _("Douyin shop")
        MINIPROGRAM = "miniprogram", _("Own mini-program")
        POS = "pos", _("Offline store (POS)")
        SHOPIFY = "shopify", _("Shopify")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    abbreviation = models.CharField(
        _("abbreviation"), max_length=8, unique=True,
        help_text=_("Upper-case prefix of hub order numbers, e.g. JD in JD2026012800123."),
    )
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    skips_invoicing = models.BooleanField(
        _("channel invoices the buyer itself"), default=False,
        help_text=_("Delivered orders of this channel may be settled without an invoice step."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Customer(TimeStampedModel):
    """One person, across channels (identities are matched by the channels app)."""

    class Level(models.TextChoices):
        NORMAL = "normal", _("Normal")
        VIP = "vip", _("VIP")
        SVIP = "svip", _("Super VIP")

    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.NORMAL)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name or self.phone or f"#{self.pk}"


class Product(TimeStampedModel):
    """A master SKU: what the warehouse stocks, whatever each channel calls it."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=64, blank=True, db_index=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductAlias(models.Model):
    """Another name for a master SKU: a channel SKU code or a title as a channel spells it."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("product")
    )
    alias = models.CharField(_("alias"), max_length=200)
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), help_text=_("Empty: the alias holds on every channel."),
    )

    class Meta:
        verbose_name = _("product alias")
        verbose_name_plural = _("product aliases")
        constraints = [
            models.UniqueConstraint(fields=["alias", "channel"], name="uniq_alias_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.product.sku}"


class HubNumberSerial(models.Model):
    """The last daily serial handed out per prefix and day (see services.hub_no_allocate)."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="uniq_serial_day")]


def not_on_hold(order: "Order") -> bool:
    """Forward moves wait while an order is held (intercepted)."""
    return not order.on_hold


def gifts_scanned(order: "Order") -> bool:
    """The label waits until every gift of the order is scanned into the box (issue 4).
    Reads the prefetched gifts when there are any (the API's detail prefetches them)."""
    return not any(g.status == GiftOrder.GiftStatus.PENDING for g in order.gift_orders.all())


def _move(name: str, **extra):
    """``@transition`` arguments for the move ``name`` of the state-machine table."""
    move = MOVES_BY_NAME[name]
    conditions = [not_on_hold] if move.blocked_by_hold else []
    conditions += [move.condition.holds] if move.condition else []
    conditions += extra.pop("conditions", [])
    return {
        "source": list(move.sources),
        "target": move.target,
        "permission": move.permission_name,
        "conditions": conditions,
        "custom": {"label": move.label},
        **extra,
    }


class Order(ConcurrentTransitionMixin, FSMSafeRefreshMixin, FSMModelMixin, TimeStampedModel):
    """A channel order as the hub knows it; its status follows ``orders/state_machine.py``."""

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        HIGH = 10, _("High")
        URGENT = 20, _("Urgent")

    hub_no = models.CharField(_("hub order number"), max_length=32, unique=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="orders", verbose_name=_("channel")
    )
    channel_order_no = models.CharField(_("channel order number"), max_length=64)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders",
        verbose_name=_("customer"),
    )
    status = FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT,
        protected=True,
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    goods_amount = money_field(_("goods amount"))
    shipping_amount = money_field(_("shipping amount"))
    discount_amount = money_field(_("discount amount"))
    paid_amount = money_field(_("paid amount"))
    payment_serial_no = models.CharField(
        _("payment serial number"), max_length=64, blank=True, db_index=True
    )
    receiver_name = models.CharField(_("receiver name"), max_length=100, blank=True)
    receiver_phone = models.CharField(_("receiver phone"), max_length=32, blank=True, db_index=True)
    receiver_province = models.CharField(_("province"), max_length=32, blank=True)
    receiver_city = models.CharField(_("city"), max_length=32, blank=True)
    receiver_district = models.CharField(_("district"), max_length=32, blank=True)
    receiver_address = models.CharField(_("address"), max_length=255, blank=True)
    placed_at = models.DateTimeField(_("placed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    ship_by = models.DateTimeField(_("promised ship-by"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    on_hold = models.BooleanField(_("on hold"), default=False)
    hold_reason = models.CharField(_("hold reason"), max_length=255, blank=True)
    carrier = models.CharField(_("carrier"), max_length=32, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True, db_index=True)
    buyer_note = models.TextField(_("buyer note"), blank=True)
    channel_status = models.CharField(
        _("channel status"), max_length=40, blank=True,
        help_text=_("The status code as the channel last reported it, e.g. WAIT_SELLER_SEND_GOODS."),
    )
    # Deadlines: set whenever the order moves (the SLA sweep is a range query on state_due_at).
    state_entered_at = models.DateTimeField(_("entered current state at"), null=True, blank=True)
    # Indexed by order_due_idx (below), which holds only orders with a due time.
    state_due_at = models.DateTimeField(_("current state due at"), null=True, blank=True)
    is_stuck = models.BooleanField(
        _("stuck (high risk)"), default=False,
        help_text=_("Set by the deadline sweep when the order breached its SLA."),
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        permissions = ORDER_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "channel_order_no"], name="uniq_channel_order_no"
            ),
        ]
        indexes = [
            models.Index(fields=["channel_order_no"], name="order_channel_no_idx"),
            models.Index(fields=["status", "-id"], name="order_status_idx"),
            # The SLA sweep's range queries (orders/sla/sweep.py). Partial: they hold only
            # orders with a due time (cleared on leaving the timed states) and orders not yet
            # handed over, so they follow the open work, not the whole table. The columns
            # after the first are what the sweep reads, so that it is answered from the index
            # alone (no random reads in a table of millions).
            models.Index(
                fields=["state_due_at", "id", "status", "channel", "state_entered_at"],
                name="order_due_idx", condition=models.Q(state_due_at__isnull=False),
            ),
            models.Index(
                fields=["ship_by", "id", "status", "channel", "state_entered_at"],
                name="order_ship_by_open_idx",
                condition=models.Q(status__in=SHIP_BY_WATCHED_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return self.hub_no

    # --- derived -----------------------------------------------------------------------------
    @property
    def stage(self) -> str:
        return STAGE_OF_STATUS[self.status]

    def get_stage_display(self) -> str:
        return str(Stage(self.stage).label)

    # --- transitions (generated from the table; they only set fields) ------------------------
    @transition(field=status, **_move("pay"))
    def pay(self, *, paid_at=None, payment_serial_no: str = "") -> None:
        if paid_at is not None:
            self.paid_at = paid_at
        if payment_serial_no:
            self.payment_serial_no = payment_serial_no

    @transition(field=status, **_move("send_to_review"))
    def send_to_review(self) -> None:
        pass

    @transition(field=status, **_move("approve"))
    def approve(self) -> None:
        pass

    @transition(field=status, **_move("start_picking"))
    def start_picking(self) -> None:
        pass

    @transition(field=status, **_move("start_packing"))
    def start_packing(self) -> None:
        pass

    @transition(field=status, **_move("print_label", conditions=[gifts_scanned]))
    def print_label(self, *, carrier: str = "", tracking_no: str = "") -> None:
        if carrier:
            self.carrier = carrier
        if tracking_no:
            self.tracking_no = tracking_no

    @transition(field=status, **_move("hand_over"))
    def hand_over(self) -> None:
        pass

    @transition(field=status, **_move("deliver"))
    def deliver(self) -> None:
        pass

    @transition(field=status, **_move("invoice"))
    def invoice(self) -> None:
        pass

    @transition(field=status, **_move("settle"))
    def settle(self) -> None:
        pass

    @transition(field=status, **_move("archive"))
    def archive(self) -> None:
        pass

    @transition(field=status, **_move("close"))
    def close(self) -> None:
        pass

    @transition(field=status, **_move("cancel"))
    def cancel(self) -> None:
        pass

    @transition(field=status, **_move("refund"))
    def refund(self) -> None:
        pass


class OrderLine(models.Model):
    """One line of an order: the channel's SKU and title, mapped to a master SKU when known."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("product"),
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True, help_text=_("Master SKU."))
    channel_sku = models.CharField(_("channel SKU"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = money_field(_("unit price"))
    amount = money_field(_("amount"))
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"


class GiftOrder(
    ConcurrentTransitionMixin, FSMSafeRefreshMixin, FSMModelMixin, TimeStampedModel
):
    """A gift sub-order: number = main number + ``GIFT``, with a state of its own.

    The main order's packing cannot complete until the gift has been scanned (issue 4 adds the
    scan guard); the gift is cancelled with its order.
    """

    class GiftStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be scanned")
        SCANNED = "scanned", _("Scanned")
        SHIPPED = "shipped", _("Shipped")
        CANCELLED = "cancelled", _("Cancelled")

    hub_no = models.CharField(_("gift order number"), max_length=40, unique=True)
    parent = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="gift_orders", verbose_name=_("main order")
    )
    status = FSMField(
        _("status"), max_length=20, choices=GiftStatus.choices, default=GiftStatus.PENDING,
        protected=True,
    )
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    promotion = models.CharField(_("promotion"), max_length=100, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("scanned by"),
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("gift sub-order")
        verbose_name_plural = _("gift sub-orders")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.hub_no

    @transition(field=status, source=GiftStatus.PENDING, target=GiftStatus.SCANNED,
                permission="orders.pack_order")
    def scan(self) -> None:
        pass

    @transition(field=status, source=GiftStatus.SCANNED, target=GiftStatus.SHIPPED,
                permission="orders.ship_order")
    def ship(self) -> None:
        pass

    @transition(field=status, source=[GiftStatus.PENDING, GiftStatus.SCANNED],
                target=GiftStatus.CANCELLED, permission="orders.cancel_order")
    def cancel(self) -> None:
        pass


class OrderTag(models.Model):
    """A flag on an order, set by cleaning, rules or staff (e.g. ``duplicate_suspected``).

    Tags explain why an order is where it is; ``note`` says what was seen.
    """

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="tags", verbose_name=_("order")
    )
    tag = models.SlugField(_("tag"), max_length=50)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order tag")
        verbose_name_plural = _("order tags")
        constraints = [models.UniqueConstraint(fields=["order", "tag"], name="uniq_order_tag")]
        indexes = [models.Index(fields=["tag", "order"], name="order_tag_idx")]

    def __str__(self) -> str:
        return self.tag


class Alert(TimeStampedModel):
    """The hub's one alert mechanism: every app raises alerts here (``orders.alerts``).

    ``key`` identifies the thing alerted about (e.g. one SLA breach of one order), so raising
    the same alert twice never makes two. Delivery and escalation build on these rows.
    """

    class Level(models.IntegerChoices):
        TEAM_LEAD = 1, _("Team lead")
        DIRECTOR = 2, _("Operations director")
        OWNER = 3, _("Owner")

    class AlertStatus(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    # Unique through Meta.constraints (one index; unique=True would add a LIKE index too) and
    # kind without an index of its own: every index costs on each of a sweep's bulk inserts.
    key = models.CharField(_("key"), max_length=200)
    kind = models.CharField(_("kind"), max_length=50)
    level = models.SmallIntegerField(_("level"), choices=Level.choices, default=Level.TEAM_LEAD)
    status = models.CharField(
        _("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    team = models.CharField(_("responsible team"), max_length=50, blank=True)
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts",
        verbose_name=_("order"), db_index=False,  # alert_order_idx leads with it
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("acknowledged by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("resolved by"),
    )
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)
    # The ladder counts from raised_at (the sweep's clock, so a rehearsal or a catch-up run
    # is consistent); next_escalation_at is when the next rung is due, None once acknowledged,
    # resolved or at the top: the sweep's climb is a range query on it.
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="uniq_alert_key")]
        indexes = [
            models.Index(fields=["status", "-id"], name="alert_status_idx"),
            models.Index(fields=["order", "-id"], name="alert_order_idx"),
            models.Index(
                fields=["next_escalation_at"], name="alert_escalation_due_idx",
                condition=models.Q(next_escalation_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.get_level_display()}] {self.title}"


# --- deadlines and escalation (the rules are in orders/sla/, delivery in orders/notify/) -------
class Team(models.TextChoices):
    """The teams an alert can be the responsibility of (their leads get level 1)."""

    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    WAREHOUSE = "warehouse", _("Warehouse")
    OPERATIONS = "operations", _("Operations")
    FINANCE = "finance", _("Finance")


class SlaStep(models.TextChoices):
    """A timed step of an order's life. Each happens in one state (``SLA_STEP_STATUS``); a state's
    allowance is the sum of its steps (packing and weighing, then the label, both end with
    ``print_label``)."""

    BUYER_PAYMENT = "buyer_payment", _("Buyer pays")
    PAYMENT_CONFIRMED = "payment_confirmed", _("Payment confirmed and released to the warehouse")
    RISK_REVIEW = "risk_review", _("Risk review")
    PICKING = "picking", _("Picking")
    PACKING = "packing", _("Packing and weighing")
    LABEL = "label", _("Label printed")
    HANDOVER = "handover", _("Handed over to the courier")
    DELIVERY = "delivery", _("Delivery (in transit)")


SLA_STEP_STATUS: dict[str, str] = {
    SlaStep.BUYER_PAYMENT: Status.PENDING_PAYMENT,
    SlaStep.PAYMENT_CONFIRMED: Status.PAID,
    SlaStep.RISK_REVIEW: Status.RISK_REVIEW,
    SlaStep.PICKING: Status.PICKING,
    SlaStep.PACKING: Status.PACKING,
    SlaStep.LABEL: Status.PACKING,
    SlaStep.HANDOVER: Status.AWAITING_PICKUP,
    SlaStep.DELIVERY: Status.IN_TRANSIT,
}


def _channel_or_global(name: str, *fields: str) -> models.UniqueConstraint:
    """One row per ``fields`` and channel, the global row (no channel) included: NULL never
    equals NULL in a plain unique constraint, so the channel is compared as COALESCE(id, 0)."""
    return models.UniqueConstraint(
        *fields, Coalesce("channel", models.Value(0)), name=name,
        violation_error_message=_("There is already a row for this channel (or the default)."),
    )


class SlaPolicy(models.Model):
    """How long one step may take: the default (no channel) or a channel's override."""

    step = models.CharField(_("step"), max_length=30, choices=SlaStep.choices)
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), help_text=_("Empty: the default for every channel."),
    )
    minutes = models.PositiveIntegerField(
        _("minutes allowed"), validators=[MinValueValidator(1)],
    )
    team = models.CharField(
        _("responsible team"), max_length=30, choices=Team.choices,
        help_text=_("Its lead gets the level-1 alert."),
    )
    is_active = models.BooleanField(
        _("active"), default=True,
        help_text=_("Untick to switch the step off (for this channel, or by default). A deleted "
                    "default comes back with the built-in value."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["step", "channel__code"]
        constraints = [_channel_or_global("uniq_sla_step_channel", "step")]

    def __str__(self) -> str:
        where = self.channel.code if self.channel_id else _("default")
        return f"{self.get_step_display()} ({where}): {self.minutes} min"

    @property
    def status(self) -> str:
        return SLA_STEP_STATUS[self.step]


class ShipByPromise(models.Model):
    """The promised ship-by time, counted from payment: the default or a channel's own."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), help_text=_("Empty: the default for every channel."),
    )
    hours = models.PositiveIntegerField(
        _("hours from payment"), default=48, validators=[MinValueValidator(1)]
    )
    urgent_hours = models.PositiveIntegerField(
        _("hours for urgent orders"), default=12, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("ship-by promise")
        verbose_name_plural = _("ship-by promises")
        ordering = ["channel__code"]
        constraints = [_channel_or_global("uniq_ship_by_channel")]

    def __str__(self) -> str:
        where = self.channel.code if self.channel_id else _("default")
        return f"{where}: {self.hours} h ({self.urgent_hours} h urgent)"


class TrafficLightSettings(models.Model):
    """The one row of traffic-light thresholds (hours left to the ship-by time)."""

    yellow_hours = models.DecimalField(
        _("yellow below (hours left, not yet picked)"), max_digits=4, decimal_places=1,
        default=Decimal("6.0"), validators=[MinValueValidator(Decimal("0.1"))],
    )
    red_hours = models.DecimalField(
        _("red below (hours left, no label yet)"), max_digits=4, decimal_places=1,
        default=Decimal("2.0"), validators=[MinValueValidator(Decimal("0.1"))],
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("traffic-light thresholds")
        verbose_name_plural = _("traffic-light thresholds")

    def __str__(self) -> str:
        return str(_("yellow < %(yellow)s h, red < %(red)s h") % {
            "yellow": self.yellow_hours, "red": self.red_hours,
        })

    def clean(self) -> None:
        # One row of thresholds (the built-in 6 h / 2 h apply while there is none).
        if self._state.adding and TrafficLightSettings.objects.exists():
            raise ValidationError(_("The thresholds exist already: change them instead."))
        if (
            self.red_hours is not None and self.yellow_hours is not None
            and self.red_hours >= self.yellow_hours
        ):
            raise ValidationError(
                {"red_hours": _("Red must start closer to the ship-by time than yellow.")}
            )


class NotificationTarget(TimeStampedModel):
    """Where alerts go: e-mail addresses or a chat group's robot (DingTalk, Feishu, WeCom)."""

    class Transport(models.TextChoices):
        EMAIL = "email", _("E-mail")
        DINGTALK = "dingtalk", _("DingTalk robot")
        FEISHU = "feishu", _("Feishu robot")
        WECOM = "wecom", _("WeCom robot")

    name = models.CharField(_("name"), max_length=100)
    transport = models.CharField(_("transport"), max_length=20, choices=Transport.choices)
    team = models.CharField(
        _("lead of team"), max_length=30, choices=Team.choices, blank=True,
        help_text=_("Set for a team lead's channel: the team's level-1 alerts go here."),
    )
    email_to = models.CharField(
        _("e-mail addresses"), max_length=500, blank=True, help_text=_("Comma-separated."),
    )
    webhook_url = models.URLField(_("robot webhook URL"), max_length=500, blank=True)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("DingTalk (SEC…) and Feishu signature secrets; WeCom robots have none."),
    )
    mention_mobiles = models.CharField(
        _("mention mobiles"), max_length=300, blank=True,
        help_text=_("Comma-separated mobile numbers to @ in DingTalk and WeCom messages."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification target")
        verbose_name_plural = _("notification targets")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_transport_display()})"

    def clean(self) -> None:
        if self.transport == self.Transport.EMAIL and not self.email_to.strip():
            raise ValidationError({"email_to": _("An e-mail target needs at least one address.")})
        if self.transport != self.Transport.EMAIL and not self.webhook_url:
            raise ValidationError({"webhook_url": _("A robot target needs its webhook URL.")})

    @property
    def addresses(self) -> list[str]:
        return [part.strip() for part in self.email_to.split(",") if part.strip()]

    @property
    def mobiles(self) -> list[str]:
        return [part.strip() for part in self.mention_mobiles.split(",") if part.strip()]


class EscalationStep(models.Model):
    """One rung of an escalation ladder: who hears of an alert of ``kind``, and when."""

    kind = models.CharField(
        _("alert kind"), max_length=50, blank=True,
        help_text=_("e.g. sla, ship_by, finance_red_line. Empty: the ladder of every kind "
                    "without a ladder of its own."),
    )
    level = models.SmallIntegerField(_("level"), choices=Alert.Level.choices)
    after_minutes = models.PositiveIntegerField(
        _("minutes after the alert was raised"), default=0,
    )
    to_team_lead = models.BooleanField(
        _("to the responsible team's lead"), default=False,
        help_text=_("Also notify the targets marked as lead of the alert's team."),
    )
    recipients = models.ManyToManyField(
        NotificationTarget, blank=True, related_name="escalation_steps",
        verbose_name=_("recipients"),
    )
    history = HistoricalRecords(bases=[AuditedHistory])

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        ordering = ["kind", "level"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "level"], name="uniq_escalation_kind_level"),
        ]

    def __str__(self) -> str:
        return f"{self.kind or '*'} L{self.level} +{self.after_minutes} min"


class AlertEvent(models.Model):
    """One line of an alert's timeline: raised, escalated, notified, acknowledged, resolved."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        ESCALATED = "escalated", _("Escalated")
        NOTIFIED = "notified", _("Notified")
        DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="events", verbose_name=_("alert")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    level = models.SmallIntegerField(_("level"), choices=Alert.Level.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        # In the order the hub recorded them (``at`` may be a sweep's clock, e.g. a catch-up).
        ordering = ["alert", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} L{self.level}"


class AlertDelivery(models.Model):
    """One message of one alert level to one target, with its attempts (sent after commit)."""

    class DeliveryStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (gave up)")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("alert"),
        db_index=False,  # the unique (alert, target, level) constraint leads with it
    )
    target = models.ForeignKey(
        NotificationTarget, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="deliveries", verbose_name=_("target"),
    )
    level = models.SmallIntegerField(_("level"), choices=Alert.Level.choices)
    transport = models.CharField(
        _("transport"), max_length=20, choices=NotificationTarget.Transport.choices
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "target", "level"], name="uniq_delivery_alert_target_level"
            ),
        ]
        indexes = [
            # The sender's queue: pending deliveries by when they are due.
            models.Index(
                fields=["next_attempt_at"], name="delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.alert_id} L{self.level} → {self.target or self.transport}"
