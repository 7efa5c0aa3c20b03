"""The carrier table the hub ships with (seeded by a migration, edited in the admin).

Tracking-number formats as the carriers print them on their labels (checked when a label is
recorded by hand, so that a typo is caught at the packing table, not by the buyer):

- SF 顺丰: ``SF`` and 12 or 13 digits (older labels: 12 digits);
- ZTO 中通: 12 digits (older) or 14 to 15 digits;
- YTO 圆通: ``YT`` and 13 to 15 digits;
- Yunda 韵达: 13 or 15 digits;
- STO 申通: 12 to 15 digits;
- JD 京东: ``JD`` (and up to two letters) then 10 to 15 digits;
- EMS: 13 digits, or the UPU S10 form (two letters, nine digits, two letters);
- J&T 极兔: ``JT`` and 13 digits;
- Best 百世: 12 to 14 digits (an optional letter first);
- Deppon 德邦: ``DPK`` and 12 digits, or 8 to 10 digits (freight).

The hub codes and names are those of ``channels/outbound/carriers.py`` (channels may not import
logistics; a test keeps the two in step).
"""
from __future__ import annotations

import re

# code, Chinese name, English name, phone, format, Kuaidi100 code, other names
CARRIERS: list[tuple[str, str, str, str, str, str, tuple[str, ...]]] = [
    ("SF", "顺丰速运", "SF Express", "95338", r"SF\d{12,13}|\d{12}", "shunfeng",
     ("shunfeng", "顺丰", "顺丰速运", "顺丰快递", "SF Express")),
    ("ZTO", "中通快递", "ZTO Express", "95311", r"\d{12}|\d{14,15}", "zhongtong",
     ("zhongtong", "中通", "中通快递", "ZTO Express")),
    ("YTO", "圆通速递", "YTO Express", "95554", r"YT\d{13,15}", "yuantong",
     ("yuantong", "圆通", "圆通速递", "圆通快递", "YTO Express")),
    ("YUNDA", "韵达快递", "Yunda Express", "95546", r"\d{13}|\d{15}", "yunda",
     ("yunda", "YD", "韵达", "韵达快递", "韵达速递", "Yunda Express")),
    ("STO", "申通快递", "STO Express", "95543", r"\d{12,15}", "shentong",
     ("shentong", "申通", "申通快递", "STO Express")),
    ("JD", "京东快递", "JD Logistics", "950616", r"JD[A-Z]{0,2}\d{10,15}", "jd",
     ("jd", "jingdong", "京东", "京东快递", "京东物流", "JDL", "JD Logistics")),
    ("EMS", "中国邮政EMS", "China EMS", "11183", r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}", "ems",
     ("ems", "中国邮政EMS", "邮政EMS", "China EMS", "China EMS (ePacket)")),
    ("JTEXPRESS", "极兔速递", "J&T Express", "956025", r"JT\d{13}", "jtexpress",
     ("jtexpress", "JTSD", "极兔", "极兔速递", "极兔快递", "J&T", "J&T Express")),
    ("BEST", "百世快递", "Best Express", "95320", r"[A-Z]?\d{12,14}", "huitongkuaidi",
     ("huitongkuaidi", "baishiwuliu", "HTKY", "百世", "百世快递", "百世汇通", "Best Express")),
    ("DEPPON", "德邦快递", "Deppon", "95353", r"DPK\d{12}|\d{8,10}", "debangkuaidi",
     ("debangwuliu", "debangkuaidi", "DBL", "DBKD", "德邦", "德邦快递", "德邦物流", "Deppon")),
    ("UPS", "UPS", "UPS", "4008208388", r"1Z[0-9A-Z]{16}", "ups", ("ups",)),
    ("USPS", "美国邮政", "USPS", "", r"\d{20,22}|[A-Z]{2}\d{9}US", "usps", ("usps",)),
    ("DHL", "DHL", "DHL Express", "95380", r"\d{10}", "dhl", ("dhl", "DHL Express")),
    # What a channel or an old order names and the table does not know: kept, never guessed.
    ("OTHER", "其他快递", "Other carrier", "", "", "", ()),
]
OTHER = "OTHER"
ANY_NUMBER = re.compile(r"[0-9A-Za-z-]{6,32}")


def name_key(text: str) -> str:
    """Names compare without spaces and case: "SF Express" = "sf express" = "SFExpress"."""
    return "".join(text.split()).casefold()


def number_matches(pattern: str, tracking_no: str) -> bool:
    """Whether ``tracking_no`` has the carrier's format (any plain number without one)."""
    if not pattern:
        return ANY_NUMBER.fullmatch(tracking_no) is not None
    try:
        return re.fullmatch(f"(?:{pattern})", tracking_no) is not None
    except re.error:  # a pattern staff broke in the admin: do not block the warehouse
        return ANY_NUMBER.fullmatch(tracking_no) is not None
