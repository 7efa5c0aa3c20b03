"""Split a pasted address ("浙江省杭州市西湖区文三路 90 号 张三 13800001234") into the order's
receiver parts: province, city, district, street and number, name and phone.

Pure rules, no database: what buyers paste from chats and platforms, in the forms seen there.

- The phone is a mainland mobile (11 digits from 1, written with spaces or dashes, perhaps
  after +86) or a landline with its area code (0571-88886666); it may stand anywhere.
- Labels are dropped: 收货人/收件人/联系人/姓名, 手机/电话/联系电话, 地址/收货地址/详细地址/所在地区,
  with a full-width or ASCII colon.
- The regions are found in the table of ``regions`` by their official names or as people
  write them without 省/市/自治区 (浙江杭州, 广西南宁, 内蒙古呼和浩特); a province left out is
  found from its city (杭州市西湖区 …), a city left out from its district when the district's
  name is unique in the province (浙江省西湖区 …) or in the country. A municipality (上海市浦东新区)
  is its own city. Districts are read by their full names only: short ones (西湖, 朝阳) begin
  too many street names.
- The name is what stands before the regions (张三 浙江省…), or the last short word after the
  street (…90号 张三, …90号张三).

Whatever cannot be found is left blank and named in ``missing``: the form shows the parts for
the person to confirm, and never guesses a region that the text does not name.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from orders.addresses.regions import Region, region_table

MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d(?:[\s-]?\d){8})(?![\d])")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[\s-]?(\d{7,8})(?:[\s-]?(?:转|ext\.?)\s?(\d{1,6}))?(?!\d)")
LABELS = re.compile(
    r"(?:收货人|收件人|联系人|姓名|手机号码|手机号|手机|联系电话|电话号码|电话|收货地址|详细地址|所在地区|"
    r"地址|邮编)\s*[:：]?"
)
POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
SEPARATORS = re.compile(r"[\s,，;；|、/]+")
# Where a street number ends, so that a name written right after it can be told apart.
NUMBER_END = re.compile(r"(.*(?:[号室栋幢楼层座弄户元]|\d))([\u4e00-\u9fff·]{2,4})$")
NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}(?:（收）|\(收\))?$")
LATIN_WORD = re.compile(r"^[A-Za-z][A-Za-z.'-]{0,20}$")
# A last word ending so is a place, not a name (…2号 联合大厦, …3栋2单元).
STREET_WORDS = ("路", "街", "道", "巷", "弄", "号", "村", "镇", "乡", "楼", "室", "单元", "小区", "厦",
                "园", "苑", "院", "府", "城", "场", "店", "馆", "公寓", "中心", "旁", "边", "对面",
                "附近", "门口")


@dataclass
class ParsedAddress:
    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    missing: list[str] = field(default_factory=list)

    def receiver(self) -> dict[str, str]:
        """The parts under the names ``order_change_address`` takes."""
        return {key: getattr(self, key)
                for key in ("name", "phone", "province", "city", "district", "address")}


@dataclass
class _Match:
    start: int
    end: int
    province: Region | None = None
    city: Region | None = None
    district: Region | None = None

    @property
    def levels(self) -> int:
        return sum(part is not None for part in (self.province, self.city, self.district))


def address_parse(text: str) -> ParsedAddress:
    """The receiver's parts found in ``text``; blanks for what is not there (see ``missing``)."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u3000", " ")
    result = ParsedAddress()
    text, result.phone = _take_phone(text)
    text = LABELS.sub(" ", text)
    match = _find_regions(text)
    if match is None:
        before, after = "", text
    else:
        before, after = text[: match.start], text[match.end:]
        if match.province:
            result.province = match.province.name
        if match.city:
            result.city = match.city.name
        if match.district:
            result.district = match.district.name
    result.name, street = _take_name(before, after)
    result.address = _tidy(street)
    result.missing = [key for key in ("name", "phone", "province", "city", "district", "address")
                      if not getattr(result, key) and not _not_needed(key, match)]
    return result


def _not_needed(key: str, match: _Match | None) -> bool:
    # A city without districts (东莞, 琼海) needs none.
    return key == "district" and match is not None and match.city is not None and \
        not match.city.children


def _take_phone(text: str) -> tuple[str, str]:
    found = MOBILE.search(text)
    if found:
        return text[: found.start()] + " " + text[found.end():], re.sub(r"\D", "", found.group(1))
    found = LANDLINE.search(text)
    if found:
        phone = f"{found.group(1)}-{found.group(2)}" + (f"-{found.group(3)}" if found.group(3)
                                                         else "")
        return text[: found.start()] + " " + text[found.end():], phone
    return text, ""


def _take_name(before: str, after: str) -> tuple[str, str]:
    """The name (before the regions, or the last short word after the street) and the rest."""
    words = [word for word in SEPARATORS.split(before) if word]
    words = [word for word in words if not POSTCODE.fullmatch(word)]
    if words:
        return _without_receipt(" ".join(words)), after
    parts = [word for word in SEPARATORS.split(after.strip()) if word]
    latin = 0
    while latin < min(3, len(parts) - 1) and LATIN_WORD.match(parts[-1 - latin]):
        latin += 1  # Li Lei, Anna Smith: a name in Latin letters is a few words
    if latin:
        name = " ".join(parts[-latin:])
        return name, after[: after.rstrip().rfind(parts[-latin])]
    if len(parts) > 1 and NAME.match(parts[-1]) and not parts[-1].endswith(STREET_WORDS):
        name = parts[-1]
        return _without_receipt(name), after[: after.rstrip().rfind(name)]
    attached = NUMBER_END.match(after.strip())
    if attached and not attached.group(2).endswith(STREET_WORDS):
        return _without_receipt(attached.group(2)), attached.group(1)
    return "", after


def _without_receipt(name: str) -> str:
    # 张三收, 张三（收）: "to be received by", not part of the name.
    for ending in ("（收）", "(收)", "收"):
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            return name[: -len(ending)].strip()
    return name


def _tidy(street: str) -> str:
    # A postcode standing on its own (… 90号 310012) is not part of the street.
    words = [word for word in street.split() if not POSTCODE.fullmatch(word)]
    return " ".join(words).strip(" ,，;；、")


# --- finding the regions ---------------------------------------------------------------------
Aliases = dict[str, list[tuple[str, Region]]]  # first character → (name, region), longest first


@lru_cache(maxsize=1)
def _aliases() -> dict[str, Aliases]:
    """Each level's names as people write them (so 黑龙江省 is tried before 黑龙江)."""
    table = region_table()

    def names(regions: list[Region], short: bool) -> Aliases:
        pairs = [(region.name, region) for region in regions]
        if short:
            pairs += [(region.short, region) for region in regions
                      if region.short != region.name and len(region.short) >= 2]
            # 恩施州, 延边州: an autonomous prefecture is often written so.
            pairs += [(f"{region.short}州", region) for region in regions
                      if region.name.endswith("自治州")]
        index: Aliases = {}
        for alias, region in sorted(pairs, key=lambda pair: len(pair[0]), reverse=True):
            index.setdefault(alias[0], []).append((alias, region))
        return index

    return {"province": names(table.provinces, True), "city": names(table.cities(), True),
            "district": names(table.districts(), False)}


def _at(text: str, position: int, aliases: Aliases,
        within: Region | None = None) -> tuple[Region, int] | None:
    """The region whose name starts at ``position`` (spaces skipped), inside ``within``;
    None when there is none or when it is ambiguous (two regions of the same name)."""
    while position < len(text) and text[position] in " ,，":
        position += 1
    if position >= len(text):
        return None
    found: list[tuple[Region, int]] = []
    for alias, region in aliases.get(text[position], []):
        if found and len(alias) < found[0][1] - position:
            break
        if within is not None and region.parent is not within and (
                region.parent is None or region.parent.parent is not within):
            continue
        if text.startswith(alias, position):
            found.append((region, position + len(alias)))
    distinct = {id(region) for region, _end in found}
    return found[0] if len(distinct) == 1 else None


def _match_at(text: str, start: int) -> _Match | None:
    aliases = _aliases()
    match = _Match(start=start, end=start)
    province = _at(text, start, aliases["province"])
    if province:
        match.province, match.end = province
        if match.province.children and len(match.province.children) == 1:
            # A municipality: 上海市浦东新区, and also 上海上海市浦东新区.
            match.city = match.province.children[0]
            again = _at(text, match.end, {match.city.name[0]: [(match.city.name, match.city)]})
            if again:
                match.end = again[1]
        else:
            city = _at(text, match.end, aliases["city"], within=match.province)
            if city:
                match.city, match.end = city
    else:
        city = _at(text, start, aliases["city"])
        if city is None:
            district = _at(text, start, aliases["district"])
            if district is None:
                return None
            match.district, match.end = district
            match.city = match.district.parent
            match.province = match.city.parent
            return match
        match.city, match.end = city
        match.province = match.city.parent
    if match.city is not None and match.city.children:
        district = _at(text, match.end, aliases["district"], within=match.city)
        if district:
            match.district, match.end = district
    elif match.city is None:
        # 浙江省西湖区: the district's name, if unique in the province, names its city too.
        district = _at(text, match.end, aliases["district"], within=match.province)
        if district:
            match.district, match.end = district
            match.city = match.district.parent
    return match


def _find_regions(text: str) -> _Match | None:
    """The first place where a province or a city is named (or a district unique in the
    country); a province with its city beats a lone city name met earlier in a name."""
    best: _Match | None = None
    # Any position may start the regions: a name may stand before them without a space.
    for start in range(len(text)):
        match = _match_at(text, start)
        if match is None:
            continue
        if best is None or match.levels > best.levels:
            best = match
        if best.levels >= 2:
            break
    return best

