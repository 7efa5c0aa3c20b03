"""Write-back records and the channels' API access. Registered with the channels app through
``channels/models.py``, which imports this module."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.models import Channel, Order

from channels.outbound.base import ApiAccess, Reason


class ChannelApiAccess(models.Model):
    """How the hub calls a channel's platform: its API address and credentials.

    Secrets are shown masked in the admin, never logged, and never in the repository (tests make
    their own). ``base_url`` empty means the platform's production gateway; Shopify needs the
    shop's own address, and tests point it at a local fake platform.
    """

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, related_name="api_access", verbose_name=_("channel")
    )
    writeback_enabled = models.BooleanField(
        _("confirm shipments to the channel"), default=True,
        help_text=_("Off: shipped orders of this channel are not confirmed to it (e.g. the "
                    "seller's ERP does it)."),
    )
    base_url = models.URLField(
        _("API address"), max_length=255, blank=True,
        help_text=_("Empty: the platform's production gateway. Shopify: "
                    "https://{shop}.myshopify.com."),
    )
    app_key = models.CharField(
        _("app key"), max_length=128, blank=True,
        help_text=_("TOP app_key, JOS app_key, Pinduoduo client_id, 抖店 app_key, Amazon LWA "
                    "client id, Shopee partner_id, Lazada app_key."),
    )
    app_secret = models.CharField(_("app secret"), max_length=255, blank=True)
    access_token = models.CharField(
        _("access token"), max_length=1024, blank=True,
        help_text=_("The shop's authorisation: TOP session, JOS/Pinduoduo/抖店 access_token, "
                    "Shopify Admin API access token, Amazon LWA refresh token, Shopee/Lazada "
                    "access_token."),
    )
    carrier_codes = models.JSONField(
        _("carrier codes"), default=dict, blank=True,
        help_text=_('The platform\'s code for a hub carrier code where this shop\'s account '
                    'differs from the built-in table, e.g. {"JTEXPRESS": "384"}.'),
    )
    platform_settings = models.JSONField(
        _("platform settings"), default=dict, blank=True,
        help_text=_('Parameters of the platform that are no secret. Amazon: {"marketplace_id": '
                    '"ATVPDKIKX0DER", "aws_region": "us-east-1", "aws_access_key_id": "…"}; '
                    'Shopee: {"shop_id": "…"}.'),
    )
    signing_secret = models.CharField(
        _("signing secret"), max_length=255, blank=True,
        help_text=_("A second secret where the platform signs with one: Amazon's AWS secret "
                    "access key (SigV4)."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel API access")
        verbose_name_plural = _("channel API access")
        ordering = ["channel__code"]

    def __str__(self) -> str:
        return str(self.channel)

    def as_access(self) -> ApiAccess:
        codes = self.carrier_codes if isinstance(self.carrier_codes, dict) else {}
        extra = self.platform_settings if isinstance(self.platform_settings, dict) else {}
        return ApiAccess(base_url=self.base_url, app_key=self.app_key,
                         app_secret=self.app_secret, access_token=self.access_token,
                         carrier_codes={str(k): str(v) for k, v in codes.items()},
                         settings={str(k): str(v) for k, v in extra.items()},
                         signing_secret=self.signing_secret)


class WriteBack(models.Model):
    """One order's shipment (carrier and tracking number) confirmed to its channel.

    One per order and tracking number: asking twice changes nothing. ``next_attempt_at`` is
    when the sender may take it: now for a new one, the backoff after a failure, the lease
    while a sender holds it (``sent``: a request is out and its answer not recorded yet).
    """

    class WriteBackStatus(models.TextChoices):
        PENDING = "pending", pgettext_lazy("write-back", "Pending")
        SENT = "sent", _("Sent, answer awaited")
        CONFIRMED = "confirmed", _("Confirmed by the channel")
        FAILED = "failed", pgettext_lazy("write-back", "Failed")
        NOT_NEEDED = "not_needed", _("Not needed")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="writebacks", verbose_name=_("order"),
        db_index=False,  # uniq_writeback leads with it
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("channel")
    )
    carrier = models.CharField(
        _("carrier"), max_length=64,
        help_text=_("The hub's carrier code (SF, ZTO, …), or the carrier's name as given when "
                    "it is none of them."),
    )
    carrier_given = models.CharField(_("carrier as given"), max_length=64, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True)
    shipment_ref = models.CharField(_("shipment"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=WriteBackStatus.choices,
                              default=WriteBackStatus.PENDING)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices, blank=True)
    platform_code = models.CharField(_("platform's error code"), max_length=120, blank=True)
    platform_message = models.CharField(_("platform's message"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    answer_excerpt = models.TextField(_("platform's answer (excerpt)"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # Copied from the order: the deadline sweep is a range over the open write-backs alone.
    ship_by = models.DateTimeField(_("promised ship-by"), null=True, blank=True)
    deadline_alerted_at = models.DateTimeField(_("deadline alert raised at"), null=True,
                                               blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    retried_at = models.DateTimeField(_("retried at"), null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("retried by"),
    )

    class Meta:
        verbose_name = _("shipping write-back")
        verbose_name_plural = _("shipping write-backs")
        ordering = ["-id"]
        permissions = [("retry_writeback", "Can retry shipping write-backs")]
        constraints = [
            models.UniqueConstraint(fields=["order", "tracking_no"], name="uniq_writeback"),
        ]
        indexes = [
            # The sender's queue: what is due (pending) or whose lease ran out (sent).
            models.Index(fields=["next_attempt_at", "id"], name="writeback_due_idx",
                         condition=Q(status__in=["pending", "sent"])),
            # The deadline sweep: unconfirmed write-backs not alerted yet, by ship-by time.
            models.Index(fields=["ship_by", "id"], name="writeback_deadline_idx",
                         condition=Q(status__in=["pending", "sent", "failed"],
                                     deadline_alerted_at__isnull=True,
                                     ship_by__isnull=False)),
            models.Index(fields=["status", "-id"], name="writeback_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_no} → {self.channel_id and self.channel.code}"


class WriteBackAttempt(models.Model):
    """One call to the platform and what came of it (the write-back's own history)."""

    writeback = models.ForeignKey(
        WriteBack, on_delete=models.CASCADE, related_name="attempt_log",
        verbose_name=_("write-back"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    verdict = models.CharField(_("outcome"), max_length=20)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    platform_code = models.CharField(_("platform's error code"), max_length=120, blank=True)
    platform_message = models.CharField(_("platform's message"), max_length=500, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    excerpt = models.TextField(_("platform's answer (excerpt)"), blank=True)

    class Meta:
        verbose_name = _("write-back attempt")
        verbose_name_plural = _("write-back attempts")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.number} {self.verdict}"
