"""The hub's carrier codes and the names they go by.

Orders carry the carrier as it was typed, printed or pushed: a Kuaidi100 company code from the
label (``shunfeng``), a Chinese name (``顺丰速运``), a TOP code (``SF``). A write-back needs the
hub's code, which each outbound adapter maps to its platform's own code (its
``CARRIER_CODES`` table, keyed by these codes). The hub codes are the ones the shipments of the
logistics app use; channels may not import logistics, so the list is written here and a test
keeps the two in step once shipments exist.
"""
from __future__ import annotations

#: Hub carrier code → the names and other platforms' codes that mean it.
HUB_CARRIERS: dict[str, tuple[str, ...]] = {
    "SF": ("shunfeng", "顺丰", "顺丰速运", "顺丰快递", "SF Express"),
    "ZTO": ("zhongtong", "中通", "中通快递", "ZTO Express"),
    "YTO": ("yuantong", "圆通", "圆通速递", "圆通快递", "YTO Express"),
    "YUNDA": ("yunda", "YD", "韵达", "韵达快递", "韵达速递", "Yunda Express"),
    "STO": ("shentong", "申通", "申通快递", "STO Express"),
    "JD": ("jd", "jingdong", "京东", "京东快递", "京东物流", "JDL", "JD Logistics"),
    "EMS": ("ems", "EMS", "中国邮政EMS", "邮政EMS", "China EMS", "China EMS (ePacket)"),
    "JTEXPRESS": ("jtexpress", "JTSD", "极兔", "极兔速递", "极兔快递", "J&T", "J&T Express"),
    "BEST": ("huitongkuaidi", "baishiwuliu", "HTKY", "百世", "百世快递", "百世汇通",
             "Best Express"),
    "DEPPON": ("debangwuliu", "debangkuaidi", "DBL", "DBKD", "德邦", "德邦快递", "德邦物流",
               "Deppon"),
    "UPS": ("ups", "UPS"),
    "USPS": ("usps", "USPS"),
    "DHL": ("dhl", "DHL", "DHL Express"),
}


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


_BY_NAME: dict[str, str] = {
    _key(name): code for code, names in HUB_CARRIERS.items() for name in (code, *names)
}


def carrier_code(text: str) -> str:
    """The hub carrier code for a carrier's name or code; the text itself (trimmed) when it is
    none of the known ones, so that a channel's own carrier table can still map it."""
    return _BY_NAME.get(_key(text), text.strip())
