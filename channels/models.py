"""Getting orders in: channel endpoints (webhook secrets), stored deliveries, cleaning rules and
customer identities.

Every delivery is stored verbatim (:class:`Delivery`) before it is processed, so that it can be
processed again after a mapping fix; a push whose signature is refused leaves only a
:class:`RefusedDelivery` behind and is never processed. Orders themselves live in the
``orders`` app; :class:`ChannelOrderState` remembers, per order, what the channel last told us.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Channel, Customer, Order, ProductAlias

from channels.masking import masked


class SignatureScheme(models.TextChoices):
    HUB = "hub", _("X-Hub-Signature (HMAC-SHA256 of '<timestamp>.<body>', hex)")
    SHOPIFY = "shopify", _("Shopify X-Shopify-Hmac-Sha256 (HMAC-SHA256 of the body, base64)")


class ChannelEndpoint(models.Model):
    """How a channel's own pushes are verified: its scheme and its webhook secret.

    The secret is shown masked in the admin and never leaves the database; the repository holds
    none (tests create their own).
    """

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, related_name="endpoint", verbose_name=_("channel")
    )
    scheme = models.CharField(
        _("signature scheme"), max_length=10, choices=SignatureScheme.choices,
        default=SignatureScheme.HUB,
    )
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=255, blank=True,
        help_text=_("Shared secret that signs the channel's pushes; while empty, every push is refused."),
    )
    accepts_pushes = models.BooleanField(
        _("accepts signed pushes"), default=True,
        help_text=_("Off: only authenticated integrators may post this channel's orders."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel endpoint")
        verbose_name_plural = _("channel endpoints")
        ordering = ["channel__code"]

    def __str__(self) -> str:
        return str(self.channel)

    @property
    def masked_secret(self) -> str:
        return masked(self.webhook_secret)


class DeliverySource(models.TextChoices):
    WEBHOOK = "webhook", _("Signed push")
    API = "api", _("Batch API")
    SCHEDULED = "scheduled", _("Scheduled spreadsheet import")
    ADMIN = "admin", _("Admin upload")


class Delivery(models.Model):
    """One delivery exactly as it arrived: body, headers, channel, time, outcome and error."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not processed yet")
        PREVIEWED = "previewed", _("Previewed, waiting for confirmation")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("channel")
    )
    source = models.CharField(_("source"), max_length=10, choices=DeliverySource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.BinaryField(_("body"))
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64, db_index=True)
    remote_addr = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("received from user"),
    )
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(
        _("result"), default=dict, blank=True,
        help_text=_("The answer given: per order the hub number and created or updated."),
    )
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("same body as delivery"),
        help_text=_("A repeated body is answered with the first answer and changes nothing."),
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        permissions = [
            ("reprocess_delivery", "Can reprocess deliveries"),
            ("upload_spreadsheet", "Can upload order spreadsheets"),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="delivery_status_idx"),
            models.Index(fields=["channel", "body_sha256"], name="delivery_body_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel_id and self.channel.code} {self.get_status_display()}"

    @property
    def body_bytes(self) -> bytes:
        # PostgreSQL hands back a memoryview, SQLite bytes.
        return bytes(self.body)


class RefusedDelivery(models.Model):
    """A push whose signature was refused: kept for the record, never processed."""

    channel_code = models.CharField(_("channel code"), max_length=32)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=255)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body_excerpt = models.TextField(_("body (first 4 KB)"), blank=True)
    body_size = models.PositiveIntegerField(_("body size"), default=0)
    remote_addr = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        verbose_name = _("refused delivery")
        verbose_name_plural = _("refused deliveries")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.channel_code}: {self.reason}"


class ChannelOrderState(models.Model):
    """What the channel last told us about one order: to skip repeats and stale deliveries."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="channel_state",
        verbose_name=_("order"),
    )
    digest = models.CharField(_("payload digest"), max_length=64)
    source_modified_at = models.DateTimeField(
        _("changed at the channel"), null=True, blank=True,
        help_text=_("The channel's own modification time; older deliveries change nothing."),
    )
    last_delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last delivery"),
    )

    class Meta:
        verbose_name = _("channel order state")
        verbose_name_plural = _("channel order states")


class ChannelOrderPart(models.Model):
    """The latest of one part of a channel order whose platform sends an order in parts.

    Amazon (``getOrders`` / ``getOrderItems``) and Lazada (``/orders/get`` /
    ``/orders/items/get``) answer an order's header and its items from two calls, and an
    integrator may post either alone. Each part is kept, the newest per order and kind, so that
    a header whose items have not arrived waits here (no hub order yet: an order needs lines),
    and a later header alone (a status change) is completed with the items already known.
    """

    class Kind(models.TextChoices):
        ORDER = "order", _("order (header)")
        ITEMS = "items", _("items")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("channel"))
    channel_order_no = models.CharField(_("channel order number"), max_length=64)
    kind = models.CharField(_("part"), max_length=5, choices=Kind.choices)
    # Exact numbers are kept as decimal strings (the adapters read both).
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("delivery"),
    )
    received_at = models.DateTimeField(_("received at"), auto_now=True)

    class Meta:
        verbose_name = _("channel order part")
        verbose_name_plural = _("channel order parts")
        constraints = [models.UniqueConstraint(fields=["channel", "channel_order_no", "kind"],
                                               name="uniq_channel_order_part")]

    def __str__(self) -> str:
        return f"{self.channel_order_no} ({self.kind})"


class TestOrderRule(models.Model):
    """A rule that recognises a test order, which is then dropped instead of created."""

    __test__ = False  # pytest: a model, not a test class

    class Field(models.TextChoices):
        RECEIVER_NAME = "receiver_name", _("Receiver name")
        RECEIVER_PHONE = "receiver_phone", _("Receiver phone")
        RECEIVER_ADDRESS = "receiver_address", _("Receiver address")
        BUYER_NOTE = "buyer_note", _("Buyer note")
        LINE_TITLE = "line_title", _("Any line title")
        CHANNEL_ORDER_NO = "channel_order_no", _("Channel order number")

    class Match(models.TextChoices):
        EQUALS = "equals", _("equals")
        CONTAINS = "contains", _("contains")
        STARTS_WITH = "starts_with", _("starts with")
        REGEX = "regex", _("matches the regular expression")

    name = models.CharField(_("name"), max_length=100)
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("channel"), help_text=_("Empty: the rule holds on every channel."),
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    match = models.CharField(_("match"), max_length=12, choices=Match.choices,
                             default=Match.CONTAINS)
    value = models.CharField(_("value"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("test-order rule")
        verbose_name_plural = _("test-order rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdentityMatchSettings(models.Model):
    """Weights and threshold of customer matching, and the duplicate-order window (one row)."""

    phone_weight = models.DecimalField(
        _("weight of the phone"), max_digits=4, decimal_places=2, default=Decimal("0.70")
    )
    buyer_id_weight = models.DecimalField(
        _("weight of the platform buyer id"), max_digits=4, decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("buyer_open_uid, WeChat OpenID, doudian_open_id, Shopify customer id, ..."),
    )
    device_weight = models.DecimalField(
        _("weight of the device fingerprint"), max_digits=4, decimal_places=2,
        default=Decimal("0.40"),
    )
    threshold = models.DecimalField(
        _("threshold"), max_digits=4, decimal_places=2, default=Decimal("0.70"),
        help_text=_("Two orders are the same person when the matching weights add up to this."),
    )
    duplicate_window_minutes = models.PositiveIntegerField(
        _("duplicate-order window (minutes)"), default=120,
        help_text=_("Same person, same items within this window: flagged as a suspected "
                    "duplicate."),
    )

    class Meta:
        verbose_name = _("identity matching settings")
        verbose_name_plural = _("identity matching settings")

    def __str__(self) -> str:
        return str(_("Identity matching settings"))


class CustomerIdentity(models.Model):
    """One way to recognise a customer: a real phone, a platform buyer id or a device."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        TAOBAO_OPEN_UID = "taobao_open_uid", _("Taobao/Tmall buyer_open_uid")
        JD_OPEN_ID = "jd_open_id", _("JD buyer open id")
        PDD_OPEN_ID = "pdd_open_id", _("Pinduoduo buyer id")
        DOUYIN_OPEN_ID = "douyin_open_id", _("Douyin doudian_open_id")
        WECHAT_OPENID = "wechat_openid", _("WeChat OpenID")
        WECHAT_UNIONID = "wechat_unionid", _("WeChat UnionID")
        SHOPIFY_CUSTOMER = "shopify_customer", _("Shopify customer id")
        AMAZON_BUYER = "amazon_buyer", _("Amazon buyer (BuyerEmail)")
        SHOPEE_BUYER = "shopee_buyer", _("Shopee buyer_user_id")
        LAZADA_BUYER = "lazada_buyer", _("Lazada buyer_id")
        POS_MEMBER = "pos_member", _("Store member number")
        DEVICE = "device", _("Device fingerprint")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="identities",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=128)
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        constraints = [
            models.UniqueConstraint(fields=["value", "kind"], name="uniq_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class IdentityMerge(models.Model):
    """Two customers found to be one person; undoing it moves everything back."""

    survivor = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("kept customer")
    )
    absorbed = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("merged customer"),
    )
    reason = models.CharField(_("reason"), max_length=255)
    moved_order_ids = models.JSONField(_("moved orders"), default=list, blank=True)
    moved_identity_ids = models.JSONField(_("moved identities"), default=list, blank=True)
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("merged by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("undone by"),
    )

    class Meta:
        verbose_name = _("identity merge")
        verbose_name_plural = _("identity merges")
        ordering = ["-id"]
        permissions = [("undo_identitymerge", "Can undo identity merges")]

    def __str__(self) -> str:
        return f"#{self.absorbed_id} → #{self.survivor_id}"


class SkuAlias(ProductAlias):
    """Product aliases as the channels app edits, imports and exports them."""

    class Meta:
        proxy = True
        verbose_name = _("product alias")
        verbose_name_plural = _("product aliases")


# Shipping write-back (channels/writeback): its models belong to this app.
from channels.writeback.models import (  # noqa: E402,F401
    ChannelApiAccess,
    WriteBack,
    WriteBackAttempt,
)
