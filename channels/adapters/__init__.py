"""One adapter per platform; :func:`adapter_for` picks the one of a channel."""
from __future__ import annotations

from orderhub.core.errors import ValidationFailed
from orders.models import Channel

from channels.adapters.amazon import AmazonAdapter
from channels.adapters.base import Adapter
from channels.adapters.douyin import DouyinAdapter
from channels.adapters.jd import JdAdapter
from channels.adapters.lazada import LazadaAdapter
from channels.adapters.miniprogram import MiniProgramAdapter
from channels.adapters.pdd import PddAdapter
from channels.adapters.pos import PosAdapter
from channels.adapters.shopee import ShopeeAdapter
from channels.adapters.shopify import ShopifyAdapter
from channels.adapters.taobao import TaobaoAdapter, TmallAdapter

ADAPTERS: dict[str, Adapter] = {
    adapter.platform: adapter
    for adapter in (
        TaobaoAdapter(), TmallAdapter(), JdAdapter(), PddAdapter(), DouyinAdapter(),
        MiniProgramAdapter(), PosAdapter(), ShopifyAdapter(), AmazonAdapter(), ShopeeAdapter(),
        LazadaAdapter(),
    )
}
assert set(ADAPTERS) == set(Channel.Platform.values), "every platform needs its adapter"


def adapter_for(channel: Channel) -> Adapter:
    """The adapter of the channel's platform (a shop's code may differ from its platform)."""
    try:
        return ADAPTERS[channel.platform]
    except KeyError:
        raise ValidationFailed(f"Channel {channel.code} has no adapter for platform "
                               f"'{channel.platform}'.") from None
