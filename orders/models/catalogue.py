"""The catalogue the orders refer to: sales channels, customers, the product master and the
names channels give its products."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orderhub.core.history import bulk_history
from orderhub.core.models import TimeStampedModel


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
        AMAZON = "amazon", _("Amazon")
        SHOPEE = "shopee", _("Shopee")
        LAZADA = "lazada", _("Lazada")

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
    history = bulk_history(not_indexed=["phone"])

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


class ExchangeRate(models.Model):
    """How many yuan one unit of a currency is worth from a day on, as finance keeps it.

    The hub never converts an order's money: orders, lines, the API and exports stay in the
    order's currency. Where a figure or a rule must compare or add amounts across currencies
    (the fulfilment rules' "paid amount > 5,000 yuan"), it converts at the rate in force on
    the order's day and says so; with no rate it does not guess.
    """

    currency = models.CharField(_("currency"), max_length=3,
                                help_text=_("ISO 4217 code, e.g. USD."))
    yuan_per_unit = models.DecimalField(_("yuan per unit"), max_digits=14, decimal_places=6)
    valid_from = models.DateField(_("valid from"))
    note = models.CharField(_("source"), max_length=200, blank=True,
                            help_text=_("Where the rate comes from, e.g. the bank's rate of "
                                        "the day."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"],
                                    name="uniq_exchange_rate_day"),
            models.CheckConstraint(condition=models.Q(yuan_per_unit__gt=0),
                                   name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.yuan_per_unit} CNY ({self.valid_from})"
