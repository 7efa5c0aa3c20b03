"""Webhooks: integrators' subscriptions, the deliveries owed to them and every attempt.

A :class:`Subscription` is an integrator's URL, its signing secret and the event types it
wants (DESIGN.md section 4, "Events out"). For each public event, the fan-out
(``orderhub.webhooks.fanout``) writes one :class:`Delivery` per matching active subscription,
with the exact JSON body to send; the sender (``orderhub.webhooks.sender``) posts it, signed,
and records each try as a :class:`DeliveryAttempt` with the receiver's status and the start of
its answer, so that staff can see what the integrator saw.

Infrastructure: this app imports no domain app (the objects inside a delivery are rendered by
the apps that own them, ``orderhub.webhooks.registry``). ``order_id`` is a plain number, as
on events: deliveries of one order go out in order, and outlive a deleted order.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.core.models import TimeStampedModel


def masked_url(url: str) -> str:
    """The URL without its query string, which may carry a token (lists, titles, logs)."""
    base, separator, _query = url.partition("?")
    return f"{base}?…" if separator else base


class Subscription(TimeStampedModel):
    """An integrator's endpoint: where to post which event types, signed with which secret."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    url = models.CharField(_("URL"), max_length=500)
    # Kept as given: the sender signs with it (an HMAC needs the secret itself). Never shown
    # again after it is handed out; the admin masks it.
    secret = models.CharField(_("secret"), max_length=200)
    events = models.JSONField(_("event types"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=500, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # Health, updated with every attempt: failures in a row (any success resets them) and
    # since when, which decide the automatic switch-off (orderhub.webhooks.sender).
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True,
                                                        blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {masked_url(self.url)}"


class Delivery(models.Model):
    """One event owed to one subscription: the body as sent, and where its sending stands."""

    class DeliveryStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (gave up)")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries",
        verbose_name=_("subscription"), db_index=False,  # the indexes below lead with it
    )
    # The event's id (no foreign key: handled events are purged, deliveries are kept a while
    # longer); empty for a test ping.
    event_id = models.BigIntegerField(_("event id"), null=True, blank=True)
    event_type = models.CharField(_("event type"), max_length=64)
    order_id = models.BigIntegerField(_("order id"), null=True, blank=True)
    # The exact JSON sent, the same bytes on every attempt (only the signature's timestamp
    # changes); text, not JSON, so that PostgreSQL keeps it as written.
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next attempt may start: now for a new delivery, the backoff after a failure,
    # the lease while a sender holds it; empty when nothing is planned (sent, given up, or the
    # subscription is switched off).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True,
                                           default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True,
                                                        blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [
            # A fan-out that runs twice for an event never owes it twice.
            models.UniqueConstraint(fields=["subscription", "event_id"],
                                    name="uniq_webhook_delivery_event"),
        ]
        indexes = [
            # The sender's queue: what is due, oldest first.
            models.Index(fields=["next_attempt_at", "id"], name="webhook_delivery_due_idx",
                         condition=Q(status="pending")),
            # Unfinished deliveries per subscription and order: the in-order check and the
            # health counts of the API.
            models.Index(fields=["subscription", "order_id", "id"],
                         name="webhook_delivery_open_idx",
                         condition=Q(status__in=["pending", "failed"])),
            # A subscription's deliveries, newest first (the admin).
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.event_type} → {self.subscription_id}"


class DeliveryAttempt(models.Model):
    """One try of a delivery: when, how long, what the receiver answered or what went wrong."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    # The address the hub connected to (the one the address check let through).
    address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_excerpt = models.TextField(_("response (first 2 kB)"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
