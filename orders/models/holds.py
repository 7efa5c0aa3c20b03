"""Holds: why an order may not move forward, each on its own record.

An order can carry several holds at once (a person's, the channel's, an address change, a
refund request, out of stock, a rule, after-sales), each with its source, reason, who and
when. A hold is lifted by its own source (the channel that stopped the order, a restock) or by
a person with the hold permission, and the lifting is recorded on it. ``Order.on_hold`` says
whether any is open (the state machine's guard reads it); the services in ``orders.holds`` keep
the two in step, under the order's lock.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.core.texts import render
from orders.models.order import Order


class Hold(models.Model):
    class Source(models.TextChoices):
        PERSON = "person", _("Staff")
        CHANNEL = "channel", _("Channel")
        ADDRESS_CHANGE = "address_change", _("Address changed after picking")
        REFUND_REQUEST = "refund_request", _("Refund requested")
        OUT_OF_STOCK = "out_of_stock", _("Out of stock")
        RULE = "rule", _("Fulfilment rule")
        AFTERSALES = "aftersales", _("After-sales")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds",
                              verbose_name=_("order"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # What the source lifts it by: one open hold per order and key (e.g. "out_of_stock", or
    # "channel:stop"); empty for a person's holds, which may be several.
    key = models.CharField(_("key"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=255)
    params = models.JSONField(_("details"), default=dict, blank=True)
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("placed by"), help_text=_("Empty: the hub itself."),
    )
    released_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("lifted by"),
    )
    release_reason = models.CharField(_("why lifted"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "key"], condition=Q(released_at__isnull=True) & ~Q(key=""),
                name="uniq_open_hold_key",
            ),
        ]
        indexes = [
            models.Index(fields=["order", "id"], name="hold_open_idx",
                         condition=Q(released_at__isnull=True)),
            models.Index(fields=["source", "id"], name="hold_source_open_idx",
                         condition=Q(released_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {render(self.reason)}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None
