"""Waves and pick locations.

A :class:`Wave` is a batch of allocated orders of one warehouse released for picking together:
its pick list sums the goods per SKU and location, so a picker walks the aisles once. An order
is in at most one wave. :class:`PickLocation` says where a SKU sits in a warehouse (aisle,
shelf, bin as the warehouse labels them: ``A-03-2``).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from logistics.models import Warehouse
from orders.models import Order


class PickLocation(models.Model):
    """Where a SKU is picked from in one warehouse."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE,
                                  related_name="pick_locations", verbose_name=_("warehouse"))
    sku = models.CharField(_("SKU"), max_length=64)
    location = models.CharField(_("location"), max_length=32,
                                help_text=_("Aisle, shelf and bin as labelled, e.g. A-03-2."))

    class Meta:
        verbose_name = _("pick location")
        verbose_name_plural = _("pick locations")
        ordering = ["warehouse", "location", "sku"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "sku"],
                                               name="uniq_pick_location_sku")]

    def __str__(self) -> str:
        return f"{self.sku} @ {self.location}"


class Wave(models.Model):
    """Orders of one warehouse picked together from one pick list."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="waves",
                                  verbose_name=_("warehouse"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    orders = models.ManyToManyField(Order, through="WaveOrder", related_name="waves",
                                    verbose_name=_("orders"))

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ["-id"]
        # The floor's own pages: people at the packing table, not integrators (who move
        # orders through the API with the same order permissions).
        permissions = [("use_scan_station", "Can work at the scan station"),
                       ("hand_over_batch", "Can hand a courier's parcels over in one step")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """What the pick list prints and its barcode holds: ``W`` and six digits."""
        return wave_number(self.pk)


def wave_number(pk: int) -> str:
    return f"W{pk:06d}"


class WaveOrder(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="members")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="wave_membership",
                                 verbose_name=_("order"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("order in a wave")
        verbose_name_plural = _("orders in waves")
        ordering = ["wave", "position", "id"]

    def __str__(self) -> str:
        return f"{self.wave_id}: {self.order_id}"
