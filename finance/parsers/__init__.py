"""Statement parsers: bytes in, a ``ParsedStatement`` (see base.py) out, one per source."""

from __future__ import annotations

from collections.abc import Callable

from finance.models import Source
from finance.parsers import alipay, amazon, generic, wechatpay
from finance.parsers.base import ParsedStatement

PARSERS: dict[str, Callable[..., ParsedStatement]] = {
    Source.ALIPAY_ACCOUNT: alipay.parse_account_bill,
    Source.ALIPAY_TRADE: alipay.parse_trade_bill,
    Source.WECHATPAY: wechatpay.parse_trade_bill,
    Source.GENERIC: generic.parse_generic,
    Source.AMAZON_SETTLEMENT: amazon.parse_settlement_report,
}
