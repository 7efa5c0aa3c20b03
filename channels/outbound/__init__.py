"""One outbound adapter per platform: confirming a shipment to the channel an order came from.

Beside the inbound adapters (``channels/adapters``), which read each platform's orders, these
send each platform its documented shipping confirmation (``base.py`` has the contract). The
write-back machinery (``channels/writeback``) picks the adapter of the order's platform.
"""
from __future__ import annotations

from orders.models import Channel

from channels.outbound.amazon import AmazonOutbound
from channels.outbound.base import OutboundAdapter
from channels.outbound.douyin import DouyinOutbound
from channels.outbound.jd import JdOutbound
from channels.outbound.lazada import LazadaOutbound
from channels.outbound.none import NoConfirmation
from channels.outbound.pdd import PddOutbound
from channels.outbound.shopee import ShopeeOutbound
from channels.outbound.shopify import ShopifyOutbound
from channels.outbound.taobao import TaobaoOutbound, TmallOutbound

OUTBOUND: dict[str, OutboundAdapter] = {
    adapter.platform: adapter
    for adapter in (
        TaobaoOutbound(), TmallOutbound(), JdOutbound(), PddOutbound(), DouyinOutbound(),
        ShopifyOutbound(), NoConfirmation(Channel.Platform.MINIPROGRAM.value),
        NoConfirmation(Channel.Platform.POS.value),
        AmazonOutbound(), ShopeeOutbound(), LazadaOutbound(),
    )
}
assert set(OUTBOUND) == set(Channel.Platform.values), "every platform needs its outbound adapter"


def outbound_for(platform: str) -> OutboundAdapter:
    """The outbound adapter of a platform (a channel's ``platform``)."""
    return OUTBOUND[platform]
