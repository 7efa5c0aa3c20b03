"""Reads for getting orders in: channels and their endpoints, cleaning data, deliveries."""
from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet

from orderhub.core.errors import NotFound
from orderhub.core.texts import render
from orders.channel_sync import chunks, one_of
from orders.models import Channel, Product, ProductAlias

from channels.models import (
    ChannelEndpoint,
    CustomerIdentity,
    Delivery,
    IdentityMatchSettings,
    TestOrderRule,
)

_SPACES = re.compile(r"\s+")


# Raw channel payloads and their headers carry the buyer's phone, e-mail and IP address: only
# roles that look customers up see them (customer service, operations, managers), the same
# roles that see customer identities; finance (which sees that deliveries came) and
# integrators do not.
PAYLOAD_PERMISSION = "channels.view_customeridentity"


def can_see_payloads(user) -> bool:
    return bool(user is not None and user.has_perm(PAYLOAD_PERMISSION))


def channel_get(*, code: str) -> Channel:
    """The channel with API code ``code``; NotFound lists the codes there are."""
    try:
        return Channel.objects.select_related("endpoint").get(code=code)
    except Channel.DoesNotExist:
        codes = ", ".join(Channel.objects.order_by("code").values_list("code", flat=True))
        raise NotFound(f"There is no channel '{code}'. Channels: {codes}.") from None


def endpoint_of(channel: Channel) -> ChannelEndpoint | None:
    try:
        return channel.endpoint
    except ChannelEndpoint.DoesNotExist:
        return None


def alias_key(text: str) -> str:
    """How aliases are compared: case, width of spaces and surrounding blanks do not matter."""
    return _SPACES.sub(" ", text or "").strip().casefold()


def sku_index(*, channel: Channel, keys: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Alias key → (product id, master SKU): the channel's aliases over the global ones, and
    master SKUs themselves. Two queries, whatever the number of lines."""
    raw = {key for key in keys if key}
    wanted = {alias_key(key) for key in raw}
    index: dict[str, tuple[int, str]] = {}
    if not wanted:
        return index
    # Aliases are few (thousands) next to lines; comparing in Python keeps the key rules in one
    # place (alias_key) instead of case-folding in SQL.
    aliases = (ProductAlias.objects.filter(Q(channel=channel) | Q(channel__isnull=True))
               .select_related("product").order_by(F("channel_id").asc(nulls_last=True), "pk"))
    for alias in aliases:
        key = alias_key(alias.alias)
        # The channel's own aliases come first, so they win over the global ones.
        if key in wanted and key not in index and alias.product.is_active:
            index[key] = (alias.product_id, alias.product.sku)
    # Titles are never SKUs: only codes (no spaces, at most 64 characters) are looked up.
    candidates = sorted({value for key in raw if len(key) <= 64 and " " not in key.strip()
                         for value in (key.strip(), key.strip().upper())})
    for part in chunks(candidates):
        for pk, sku in Product.objects.filter(one_of(Product, "sku", part),
                                              is_active=True).values_list("pk", "sku"):
            index.setdefault(alias_key(sku), (pk, sku))
    return index


def active_test_order_rules(*, channel: Channel) -> list[TestOrderRule]:
    return list(TestOrderRule.objects.filter(Q(channel=channel) | Q(channel__isnull=True),
                                             is_active=True))


def identity_settings_get() -> IdentityMatchSettings:
    """The one settings row (created with the defaults when missing)."""
    settings_row = IdentityMatchSettings.objects.order_by("pk").first()
    return settings_row or IdentityMatchSettings.objects.create()


def identities_find(*, values: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(kind, value) → customer id for the identities that exist (one query)."""
    pairs = set(values)
    by_value = sorted({value for _kind, value in pairs})
    found: dict[tuple[str, str], int] = {}
    for part in chunks(by_value):
        rows = CustomerIdentity.objects.filter(one_of(CustomerIdentity, "value", part)).values_list(
            "kind", "value", "customer_id"
        )
        found.update(((kind, value), customer) for kind, value, customer in rows
                     if (kind, value) in pairs)
    return found


def delivery_list(*, status: str | None = None, channel: str | None = None) -> QuerySet[Delivery]:
    qs = Delivery.objects.select_related("channel").defer("body")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel__code=channel)
    return qs.order_by("-id")


def delivery_earlier_answer(*, delivery: Delivery) -> Delivery | None:
    """An earlier processed delivery of the very same body to the same channel."""
    return (Delivery.objects.filter(channel_id=delivery.channel_id,
                                    body_sha256=delivery.body_sha256,
                                    status=Delivery.Status.PROCESSED, replay_of__isnull=True)
            .exclude(pk=delivery.pk).defer("body").order_by("pk").first())


def delivery_answer_shown(result: dict) -> dict:
    """A delivery's answer (its stored result) as its reader reads it: each order's note, a
    stored text, in the active language."""
    orders = result.get("orders") if isinstance(result, dict) else None
    if not isinstance(orders, list):
        return result
    return {**result, "orders": [{**answer, "note": render(answer.get("note", ""))}
                                 if isinstance(answer, dict) else answer for answer in orders]}
