"""Realistic demo data: people, addresses, products, channel numbers and each order's story.

The builders here are pure (a seeded ``random.Random`` in, plain values out) apart from
:func:`demo_staff_ensure`; ``manage.py seed_demo`` turns their plans into rows through
``orders.services``, and ``manage.py demo_admin`` prints the logins. Names and places are real
Chinese provinces, cities and districts; phone numbers abroad use the ranges reserved for
fiction (555-01xx and the like); e-mail addresses use example.com.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from orders import texts
from orders.models import Channel, Customer, Order
from orders.services import LineInput, OrderInput
from orders.state_machine import Status

CENT = Decimal("0.01")
# Marks what seed_demo wrote, in the history rows that record the creation (``--reset``); the
# English words earlier releases wrote are still found by ``--reset``.
DEMO_REASON = texts.DEMO_ORDER.encode()
DEMO_CUSTOMER_REASON = texts.DEMO_CUSTOMER.encode()
LEGACY_DEMO_REASONS = {DEMO_REASON: "seed_demo: order received from the channel",
                       DEMO_CUSTOMER_REASON: "seed_demo: customer"}

# --- staff -------------------------------------------------------------------------------------
# username → (role group, first name, last name). The roles are the groups of orders/roles.py.
DEMO_STAFF: dict[str, tuple[str, str, str]] = {
    "cs": ("customer_service", "小美", "客服"),
    "warehouse": ("warehouse", "大力", "仓库"),
    "ops": ("operations", "运营", "阿杰"),
    "finance": ("finance", "会计", "王"),
    "manager": ("manager", "经理", "陈"),
}
INTEGRATOR_USERNAME = "integrator"
INTEGRATOR_ROLE = "integrator"


def demo_staff_ensure(*, password: str | None = None) -> dict[str, object]:
    """Create (or update) the demo staff, one user per role; ``None`` keeps their password."""
    user_model = get_user_model()
    users = {}
    for username, (role, first_name, last_name) in DEMO_STAFF.items():
        group = Group.objects.get(name=role)
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "is_staff": True},
        )
        user.is_staff = True
        user.is_active = True
        if password is not None:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        user.groups.add(group)
        # A fresh instance: permissions are cached per instance.
        users[username] = user_model.objects.get(pk=user.pk)
    return users


# --- people and places -------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN_NAMES = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "子涵", "浩然", "梓轩", "欣怡", "雨桐",
    "一诺", "思远", "佳怡", "宇航", "晨曦", "诗涵", "俊杰", "婷婷", "志强", "建华", "海燕",
    "文博", "嘉欣", "雅琪", "晓东", "丹丹", "子墨", "若曦", "博文", "梦瑶", "天佑", "可馨",
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195", "198",
    "199",
)


@dataclass(frozen=True)
class Region:
    province: str
    city: str
    districts: tuple[str, ...]
    weight: int
    remote: bool = False  # slow delivery; with a big amount, the risk rule of DESIGN.md


REGIONS: tuple[Region, ...] = (
    Region("广东省", "广州市", ("天河区", "越秀区", "海珠区", "番禺区", "白云区"), 40),
    Region("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区", "罗湖区"), 40),
    Region("广东省", "佛山市", ("禅城区", "南海区", "顺德区"), 12),
    Region("浙江省", "杭州市", ("西湖区", "拱墅区", "上城区", "滨江区", "余杭区", "萧山区"), 35),
    Region("浙江省", "宁波市", ("海曙区", "鄞州区", "江北区"), 12),
    Region("浙江省", "温州市", ("鹿城区", "瓯海区", "龙湾区"), 8),
    Region("江苏省", "南京市", ("玄武区", "秦淮区", "鼓楼区", "建邺区", "江宁区"), 20),
    Region("江苏省", "苏州市", ("姑苏区", "吴中区", "相城区", "虎丘区"), 20),
    Region("江苏省", "无锡市", ("梁溪区", "滨湖区", "新吴区"), 8),
    Region("上海市", "上海市", ("浦东新区", "徐汇区", "静安区", "黄浦区", "闵行区", "长宁区",
                              "杨浦区"), 40),
    Region("北京市", "北京市", ("朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区"), 35),
    Region("天津市", "天津市", ("和平区", "南开区", "河西区", "滨海新区"), 8),
    Region("重庆市", "重庆市", ("渝中区", "江北区", "南岸区", "九龙坡区", "沙坪坝区"), 12),
    Region("山东省", "济南市", ("历下区", "市中区", "槐荫区"), 8),
    Region("山东省", "青岛市", ("市南区", "市北区", "黄岛区", "崂山区"), 10),
    Region("四川省", "成都市", ("锦江区", "青羊区", "武侯区", "成华区", "双流区"), 20),
    Region("湖北省", "武汉市", ("江汉区", "武昌区", "洪山区", "江岸区"), 15),
    Region("湖南省", "长沙市", ("岳麓区", "芙蓉区", "天心区", "开福区"), 10),
    Region("河南省", "郑州市", ("金水区", "二七区", "中原区", "管城回族区"), 10),
    Region("河北省", "石家庄市", ("长安区", "桥西区", "裕华区"), 6),
    Region("福建省", "福州市", ("鼓楼区", "台江区", "仓山区"), 8),
    Region("福建省", "厦门市", ("思明区", "湖里区", "集美区"), 8),
    Region("陕西省", "西安市", ("雁塔区", "碑林区", "未央区", "莲湖区"), 10),
    Region("安徽省", "合肥市", ("蜀山区", "包河区", "庐阳区"), 8),
    Region("江西省", "南昌市", ("东湖区", "西湖区", "红谷滩区"), 5),
    Region("辽宁省", "沈阳市", ("和平区", "沈河区", "皇姑区"), 6),
    Region("辽宁省", "大连市", ("中山区", "沙河口区", "甘井子区"), 5),
    Region("吉林省", "长春市", ("朝阳区", "南关区", "绿园区"), 4),
    Region("黑龙江省", "哈尔滨市", ("南岗区", "道里区", "香坊区"), 4),
    Region("云南省", "昆明市", ("五华区", "盘龙区", "官渡区"), 5),
    Region("贵州省", "贵阳市", ("南明区", "云岩区", "观山湖区"), 4),
    Region("广西壮族自治区", "南宁市", ("青秀区", "兴宁区", "西乡塘区"), 4),
    Region("海南省", "海口市", ("龙华区", "美兰区"), 3),
    Region("海南省", "三亚市", ("吉阳区", "天涯区"), 2),
    Region("山西省", "太原市", ("小店区", "迎泽区", "杏花岭区"), 4),
    Region("内蒙古自治区", "呼和浩特市", ("新城区", "赛罕区"), 2),
    Region("甘肃省", "兰州市", ("城关区", "七里河区"), 2),
    Region("宁夏回族自治区", "银川市", ("兴庆区", "金凤区"), 1),
    Region("青海省", "西宁市", ("城西区", "城东区"), 1),
    Region("新疆维吾尔自治区", "乌鲁木齐市", ("天山区", "沙依巴克区", "新市区"), 2, remote=True),
    Region("新疆维吾尔自治区", "喀什地区", ("喀什市",), 1, remote=True),
    Region("西藏自治区", "拉萨市", ("城关区", "堆龙德庆区"), 1, remote=True),
    Region("香港特别行政区", "九龙", ("油尖旺区", "深水埗区", "九龙城区"), 2, remote=True),
    Region("香港特别行政区", "香港岛", ("中西区", "湾仔区", "东区"), 1, remote=True),
    Region("澳门特别行政区", "澳门半岛", ("花地玛堂区", "大堂区"), 1, remote=True),
)
REMOTE_REGIONS = tuple(region for region in REGIONS if region.remote)
STREETS = (
    "人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "文化路", "长江路", "黄河路",
    "花园路", "光明街", "学府路", "科技路", "滨江大道", "世纪大道", "迎宾大道", "胜利街",
)
# Hong Kong and Macau number floors and flats, not buildings and units.
SAR_STREETS: dict[str, tuple[str, ...]] = {
    "香港特别行政区": ("弥敦道", "皇后大道中", "轩尼诗道", "英皇道", "太子道西"),
    "澳门特别行政区": ("新马路", "殷皇子大马路", "罗理基博士大马路"),
}
COMMUNITIES = (
    "阳光花园", "锦绣家园", "翠湖苑", "金色港湾", "书香名邸", "万科城", "保利花园", "绿地新都会",
    "碧桂园", "龙湖春江郦城", "世纪新城", "滨江花园",
)
OFFICE_BUILDINGS = ("国际金融中心", "财富大厦", "创新科技园", "环球中心", "时代广场")


@dataclass(frozen=True)
class AbroadPlace:
    country: str
    region: str
    city: str
    streets: tuple[str, ...]
    postcodes: tuple[str, ...]
    phone_format: str  # "{n}" is two digits of the range reserved for fiction


ABROAD: tuple[AbroadPlace, ...] = (
    AbroadPlace("United States", "California", "San Francisco",
                ("Market St", "Valencia St", "Geary Blvd"), ("94103", "94110", "94115"),
                "+1 415-555-01{n}"),
    AbroadPlace("United States", "New York", "New York", ("Broadway", "W 34th St", "Lexington Ave"),
                ("10001", "10016", "10022"), "+1 212-555-01{n}"),
    AbroadPlace("United States", "Washington", "Seattle", ("Pine St", "1st Ave", "Denny Way"),
                ("98101", "98109"), "+1 206-555-01{n}"),
    AbroadPlace("United Kingdom", "England", "London", ("Oxford Street", "Baker Street"),
                ("W1D 1AN", "NW1 6XE"), "+44 20 7946 00{n}"),
    AbroadPlace("Canada", "Ontario", "Toronto", ("Queen St W", "Yonge St"), ("M5V 2T6", "M4W 1A8"),
                "+1 416-555-01{n}"),
    AbroadPlace("Australia", "New South Wales", "Sydney", ("George St", "Pitt St"), ("2000",),
                "+61 2 5550 01{n}"),
    AbroadPlace("Singapore", "Singapore", "Singapore", ("Orchard Road", "Robinson Road"),
                ("238859", "068898"), "+65 6555 01{n}"),
)
FIRST_NAMES_EN = (
    "Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "William", "Mia", "Benjamin",
    "Charlotte", "Lucas", "Amelia", "Henry", "Harper", "Ethan", "Chloe", "Daniel", "Grace", "Jack",
)
LAST_NAMES_EN = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Chen",
    "Wong", "Nguyen",
)


@dataclass(frozen=True)
class Person:
    """A buyer or receiver: who, how to reach them, where the parcel goes."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str
    remote: bool = False
    abroad: bool = False
    email: str = ""
    level: str = Customer.Level.NORMAL

    def receiver(self) -> dict[str, str]:
        return {
            "name": self.name, "phone": self.phone, "province": self.province, "city": self.city,
            "district": self.district, "address": self.address,
        }


def digits(rng: random.Random, count: int) -> str:
    """``count`` random digits, the first one not zero."""
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(count - 1))


def chinese_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    return surname + rng.choice(GIVEN_NAMES)


def mainland_mobile(rng: random.Random) -> str:
    """An 11-digit mainland mobile number starting with 1."""
    return rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def street_address(rng: random.Random, region: Region) -> str:
    if region.province in SAR_STREETS:
        street = rng.choice(SAR_STREETS[region.province])
        return f"{street}{rng.randint(1, 300)}号{rng.randint(2, 30)}楼{rng.choice('ABCDEF')}室"
    street = f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
    if rng.random() < 0.25:
        building = rng.choice(OFFICE_BUILDINGS)
        return f"{street}{building}{rng.randint(2, 38)}{rng.randint(1, 20):02d}室"
    return (
        f"{street}{rng.choice(COMMUNITIES)}{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元"
        f"{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
    )


def pick_region(rng: random.Random, *, remote: bool = False) -> Region:
    regions = REMOTE_REGIONS if remote else REGIONS
    return rng.choices(regions, weights=[region.weight for region in regions])[0]


def domestic_person(rng: random.Random, *, remote: bool = False) -> Person:
    region = pick_region(rng, remote=remote)
    return Person(
        name=chinese_name(rng), phone=mainland_mobile(rng), province=region.province,
        city=region.city, district=rng.choice(region.districts),
        address=street_address(rng, region), remote=region.remote,
    )


def abroad_person(rng: random.Random) -> Person:
    place = rng.choice(ABROAD)
    first, last = rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN)
    unit = f", Apt {rng.randint(1, 40)}" if rng.random() < 0.5 else ""
    return Person(
        name=f"{first} {last}", phone=place.phone_format.format(n=f"{rng.randint(0, 99):02d}"),
        province=place.region, city=place.city, district="",
        address=(
            f"{rng.randint(1, 2999)} {rng.choice(place.streets)}{unit}, "
            f"{rng.choice(place.postcodes)}, {place.country}"
        ),
        remote=True, abroad=True, email=f"{first}.{last}{rng.randint(1, 99)}@example.com".lower(),
    )


def customer_level(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return Customer.Level.SVIP
    if roll < 0.10:
        return Customer.Level.VIP
    return Customer.Level.NORMAL


def customers_build(rng: random.Random, *, domestic: int, abroad: int) -> list[Person]:
    """The buyers of a run: mostly in mainland China, a few abroad (Shopify)."""
    people = [domestic_person(rng) for _ in range(domestic)] + [
        abroad_person(rng) for _ in range(abroad)
    ]
    return [dataclasses.replace(person, level=customer_level(rng)) for person in people]


# --- products ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    name_en: str
    category: str
    price: Decimal  # CNY
    aliases: tuple[str, ...] = ()

    @property
    def price_usd(self) -> Decimal:
        """Shopify list price: roughly the yuan price at 7.1, ending in .99."""
        return max(Decimal(1), (self.price / Decimal("7.1")).quantize(Decimal(1))) - CENT

    def price_in(self, currency: str) -> Decimal:
        """The list price in a cross-border store's currency (yuan per unit in
        ``YUAN_PER_UNIT``): .99 endings for dollars and ringgit, whole pesos and baht."""
        if currency == "USD":
            return self.price_usd
        local = self.price / YUAN_PER_UNIT[currency]
        if currency in ("PHP", "THB"):
            return max(Decimal(1), local.quantize(Decimal(1))).quantize(CENT)
        return max(Decimal(1), local.quantize(Decimal(1))) - CENT


# Cross-border stores and the currencies they sell in (Shopee and Lazada per region), with
# roughly how many yuan one unit is worth: only to price the demo goods, never to convert.
ABROAD_CURRENCIES: dict[str, tuple[str, ...]] = {
    "shopify": ("USD",), "amazon": ("USD",), "shopee": ("SGD", "MYR", "PHP"),
    "lazada": ("MYR", "THB"),
}
YUAN_PER_UNIT = {"USD": Decimal("7.1"), "SGD": Decimal("5.3"), "MYR": Decimal("1.55"),
                 "PHP": Decimal("0.125"), "THB": Decimal("0.2")}


PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct("AP-TS-WHT-M", "纯棉圆领短袖T恤 白色 M", "Cotton crew-neck tee, white, M",
                "apparel", Decimal("79.00"), ("纯棉T恤白M", "Cotton Tee White M")),
    DemoProduct("AP-TS-BLK-L", "纯棉圆领短袖T恤 黑色 L", "Cotton crew-neck tee, black, L",
                "apparel", Decimal("79.00"), ("纯棉T恤黑L",)),
    DemoProduct("AP-HD-GRY-L", "加绒连帽卫衣 灰色 L", "Fleece hoodie, grey, L", "apparel",
                Decimal("199.00")),
    DemoProduct("AP-DJ-BLU-30", "直筒牛仔裤 浅蓝 30码", "Straight-leg jeans, light blue, 30",
                "apparel", Decimal("259.00")),
    DemoProduct("AP-DJK-BLK-XL", "轻薄羽绒服 黑色 XL", "Light down jacket, black, XL", "apparel",
                Decimal("499.00"), ("羽绒服黑XL", "Light Down Jacket Black XL")),
    DemoProduct("AP-SN-WHT-42", "百搭小白鞋 休闲板鞋 42码", "White canvas sneakers, EU 42",
                "apparel", Decimal("329.00")),
    DemoProduct("AP-SK-5P", "精梳棉中筒袜 5双装", "Combed-cotton socks, 5 pairs", "apparel",
                Decimal("39.90")),
    DemoProduct("AP-SC-RED", "羊绒围巾 酒红色", "Cashmere scarf, burgundy", "apparel",
                Decimal("399.00")),
    DemoProduct("EL-PH-X15-256", "X15 5G手机 256GB 曜石黑", "X15 5G phone 256 GB, black",
                "electronics", Decimal("5999.00"), ("X15 256G 黑", "X15 Phone 256GB Black")),
    DemoProduct("EL-LP-14-16", "轻薄笔记本电脑 14英寸 16G+512G", "14-inch laptop 16 GB/512 GB",
                "electronics", Decimal("6499.00"), ("14寸笔记本16+512",)),
    DemoProduct("EL-EB-PRO", "真无线降噪耳机 Pro", "Noise-cancelling earbuds Pro", "electronics",
                Decimal("899.00"), ("降噪耳机Pro", "ANC Earbuds Pro", "TWS-PRO")),
    DemoProduct("EL-PB-20K", "20000mAh 快充移动电源", "20,000 mAh fast-charge power bank",
                "electronics", Decimal("149.00")),
    DemoProduct("EL-SW-S3", "智能手表 S3 GPS版", "Smartwatch S3 GPS", "electronics",
                Decimal("1299.00")),
    DemoProduct("EL-CB-C2C", "USB-C 快充数据线 1米 两条装", "USB-C cable 1 m, 2-pack",
                "electronics", Decimal("29.90")),
    DemoProduct("EL-TB-11", "11英寸平板电脑 8G+256G WiFi版", "11-inch tablet 8 GB/256 GB Wi-Fi",
                "electronics", Decimal("2999.00")),
    DemoProduct("EL-MN-27", "27英寸 4K显示器", "27-inch 4K monitor", "electronics",
                Decimal("1899.00")),
    DemoProduct("FD-TEA-LJ250", "明前龙井茶 250g 礼盒", "Longjing green tea 250 g gift box", "food",
                Decimal("368.00"), ("龙井250g礼盒", "Longjing Tea 250g")),
    DemoProduct("FD-NUT-MIX30", "每日坚果 混合装 30袋", "Daily mixed nuts, 30 packs", "food",
                Decimal("129.00")),
    DemoProduct("FD-COF-BEAN1K", "意式拼配咖啡豆 1kg", "Espresso blend coffee beans 1 kg", "food",
                Decimal("168.00")),
    DemoProduct("FD-RICE-5K", "五常大米 5kg", "Wuchang rice 5 kg", "food", Decimal("89.90")),
    DemoProduct("FD-SNK-BOX", "零食大礼包 1.2kg", "Snack gift box 1.2 kg", "food",
                Decimal("69.90")),
    DemoProduct("FD-HONEY-500", "野生土蜂蜜 500g", "Wild honey 500 g", "food", Decimal("78.00")),
    DemoProduct("FD-BEEF-JERKY", "内蒙古风干牛肉干 500g", "Inner Mongolia beef jerky 500 g", "food",
                Decimal("138.00")),
    DemoProduct("FD-MILK-24", "纯牛奶 250ml×24盒", "Whole milk 250 ml × 24", "food",
                Decimal("65.00")),
)
GIFT_PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct("GIFT-MUG", "品牌马克杯（赠品）", "Branded mug (gift)", "gift", Decimal("0.00")),
    DemoProduct("GIFT-TOTE", "帆布购物袋（赠品）", "Canvas tote bag (gift)", "gift",
                Decimal("0.00")),
    DemoProduct("GIFT-SAMPLE", "新品试用装（赠品）", "New-product samples (gift)", "gift",
                Decimal("0.00")),
)
GIFT_PROMOTIONS = ("满299送马克杯", "新品首发赠帆布袋", "会员日赠试用装", "双11加赠好礼")
EXPENSIVE = tuple(product for product in PRODUCTS if product.price > Decimal("5000"))
# Which kinds of goods sell where (weights for apparel, electronics, food).
CATEGORY_WEIGHTS: dict[str, tuple[int, int, int]] = {
    "taobao": (5, 3, 3), "tmall": (4, 4, 3), "jd": (2, 6, 2), "pdd": (3, 2, 6),
    "douyin": (4, 2, 5), "miniprogram": (4, 2, 3), "pos": (7, 2, 1), "shopify": (5, 4, 1),
    "amazon": (5, 4, 1), "shopee": (6, 2, 2), "lazada": (5, 3, 2),
}
CATEGORIES = ("apparel", "electronics", "food")


def channel_sku(*, channel_code: str, sku: str) -> str:
    """The channel's own id for a master SKU: stable across runs, in the channel's style."""
    number = int(hashlib.sha1(f"{channel_code}:{sku}".encode()).hexdigest(), 16)
    width = {"taobao": 13, "tmall": 13, "jd": 12, "pdd": 12, "douyin": 19}.get(channel_code)
    if width is None:  # own shop, POS and Shopify use the seller's SKU
        return sku
    return str(10 ** (width - 1) + number % (9 * 10 ** (width - 1)))


def line_title(rng: random.Random, *, product: DemoProduct, channel_code: str) -> str:
    """The title as the channel spells it: sometimes an alias, sometimes with shop decoration."""
    if channel_code in ABROAD_CURRENCIES:
        return product.name_en
    roll = rng.random()
    if roll < 0.3 and product.aliases:
        spelled = [alias for alias in product.aliases if not alias.isascii()]
        return rng.choice(spelled or [product.name])
    if roll < 0.45 and channel_code in {"tmall", "jd"}:
        return f"【官方旗舰店】{product.name}"
    return product.name


# --- channel numbers and payments --------------------------------------------------------------
POS_STORES = ("SH01", "SH02", "HZ01", "BJ03", "GZ02", "CD01")


def channel_order_no(rng: random.Random, *, channel_code: str, placed_at: dt.datetime) -> str:
    """An order number in the format the channel really uses."""
    if channel_code in {"taobao", "tmall"}:
        return str(rng.randint(1, 4)) + digits(rng, 18)  # 19-digit tid
    if channel_code == "jd":
        return str(rng.randint(2, 3)) + digits(rng, 11)  # 12 digits
    if channel_code == "pdd":
        return f"{placed_at:%y%m%d}-{digits(rng, 15)}"
    if channel_code == "douyin":
        return "69" + digits(rng, 17)  # 19 digits
    if channel_code == "miniprogram":
        return f"WX{placed_at:%Y%m%d%H%M%S}{rng.randint(0, 9999):04d}"
    if channel_code == "pos":
        return f"{rng.choice(POS_STORES)}-{placed_at:%Y%m%d}-{rng.randint(1, 9999):04d}"
    if channel_code == "shopify":
        return "6" + digits(rng, 12)  # Shopify order ids are 13-digit integers today
    if channel_code == "amazon":
        return f"{rng.randint(111, 114)}-{digits(rng, 7)}-{digits(rng, 7)}"  # 3-7-7
    if channel_code == "shopee":  # order_sn: the day, then 8 letters and digits
        return f"{placed_at:%y%m%d}" + "".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXY0123456789")
                                               for _ in range(8))
    if channel_code == "lazada":
        return "4" + digits(rng, 14)  # 15-digit order_id
    return digits(rng, 16)


def alipay_trade_no(rng: random.Random, paid_at: dt.datetime) -> str:
    """28 digits: the day, then Alipay's 2200 and 16 more digits."""
    return f"{paid_at:%Y%m%d}2200{digits(rng, 16)}"


def wechat_transaction_id(rng: random.Random, paid_at: dt.datetime) -> str:
    """28 digits starting 4200, with the day in the middle."""
    return f"42000{digits(rng, 5)}{paid_at:%Y%m%d}{digits(rng, 10)}"


def payment(rng: random.Random, *, channel_code: str, paid_at: dt.datetime) -> tuple[str, str]:
    """(payment serial number, the reason the payment notice gives)."""
    if channel_code in {"taobao", "tmall"}:
        return alipay_trade_no(rng, paid_at), "支付宝交易成功通知"
    if channel_code == "miniprogram":
        return wechat_transaction_id(rng, paid_at), "微信支付成功回调"
    if channel_code == "shopify":
        return "7" + digits(rng, 12), "Shopify 付款已扣款确认"
    if channel_code in ABROAD_CURRENCIES:  # the marketplace collects; no serial of ours
        return "", f"{channel_code.capitalize()} 通知订单已付款"
    wechat_share = {"pdd": 0.7, "jd": 0.6, "douyin": 0.5, "pos": 0.6}.get(channel_code, 0.5)
    if rng.random() < wechat_share:
        return wechat_transaction_id(rng, paid_at), "微信支付成功回调"
    return alipay_trade_no(rng, paid_at), "支付宝交易成功通知"


# Carriers by Kuaidi100 company code; the tracking-number formats are the carriers' own.
CARRIERS_BY_CHANNEL: dict[str, tuple[tuple[str, int], ...]] = {
    "taobao": (("yuantong", 4), ("zhongtong", 4), ("shunfeng", 2)),
    "tmall": (("shunfeng", 4), ("yuantong", 3), ("zhongtong", 3)),
    "jd": (("jd", 8), ("shunfeng", 2)),
    "pdd": (("yuantong", 5), ("zhongtong", 5)),
    "douyin": (("zhongtong", 4), ("yuantong", 4), ("shunfeng", 2)),
    "miniprogram": (("shunfeng", 7), ("zhongtong", 3)),
    "pos": (("shunfeng", 1),),
    "shopify": (("ups", 4), ("usps", 4), ("dhl", 2)),
    "amazon": (("ups", 4), ("usps", 5), ("dhl", 1)),
    "shopee": (("jtexpress", 5), ("dhl", 5)),
    "lazada": (("jtexpress", 6), ("dhl", 4)),
}


CARRIER_NAMES: dict[str, str] = {
    "shunfeng": "顺丰速运", "yuantong": "圆通速递", "zhongtong": "中通快递", "jd": "京东物流",
    "ems": "中国邮政EMS", "ups": "UPS", "usps": "USPS", "dhl": "DHL Express",
    "jtexpress": "J&T Express",
}


def tracking_no(rng: random.Random, carrier: str) -> str:
    if carrier == "shunfeng":
        return "SF" + digits(rng, 13)
    if carrier == "yuantong":
        return "YT" + digits(rng, 13)
    if carrier == "zhongtong":
        return "78" + digits(rng, 12)
    if carrier == "jd":
        return "JDVA" + digits(rng, 11)
    if carrier == "ems":
        return "11" + digits(rng, 11)
    if carrier == "ups":
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXY0123456789") for _ in range(6))
        return f"1Z{letters}03{digits(rng, 8)}"
    if carrier == "usps":
        return "9400" + digits(rng, 18)
    if carrier == "jtexpress":
        return "JT" + digits(rng, 13)
    return digits(rng, 10)  # DHL Express


def pick_carrier(rng: random.Random, *, channel_code: str, person: Person) -> str:
    if person.remote and not person.abroad and rng.random() < 0.5:
        return "ems"  # the post reaches everywhere
    choices = CARRIERS_BY_CHANNEL.get(channel_code, (("shunfeng", 1),))
    return rng.choices([code for code, _ in choices], weights=[w for _, w in choices])[0]


# --- the story of an order ---------------------------------------------------------------------
# Main path moves, in order, and the state each reaches.
FORWARD: tuple[tuple[str, str], ...] = (
    ("pay", Status.PAID),
    ("start_picking", Status.PICKING),
    ("start_packing", Status.PACKING),
    ("print_label", Status.AWAITING_PICKUP),
    ("hand_over", Status.IN_TRANSIT),
    ("deliver", Status.DELIVERED),
    ("invoice", Status.INVOICED),
    ("settle", Status.SETTLED),
    ("archive", Status.ARCHIVED),
    ("close", Status.CLOSED),
)
# How many of 100 orders end in each state (a normal weekday's mix).
STATUS_WEIGHTS: dict[str, int] = {
    Status.PENDING_PAYMENT: 5, Status.PAID: 6, Status.RISK_REVIEW: 2, Status.PICKING: 5,
    Status.PACKING: 4, Status.AWAITING_PICKUP: 4, Status.IN_TRANSIT: 12, Status.DELIVERED: 11,
    Status.INVOICED: 7, Status.SETTLED: 10, Status.ARCHIVED: 10, Status.CLOSED: 8,
    Status.CANCELLED: 10, Status.REFUNDED: 6,
}
CHANNEL_WEIGHTS: dict[str, int] = {
    "tmall": 22, "taobao": 15, "jd": 18, "pdd": 14, "douyin": 14, "miniprogram": 8, "pos": 4,
    "shopify": 5, "amazon": 4, "shopee": 3, "lazada": 2,
}
# Gift sub-orders go on orders that never get past packing: scanning the gift (which
# packing needs) has no service yet.
GIFT_TARGETS = frozenset({
    Status.PENDING_PAYMENT, Status.PAID, Status.RISK_REVIEW, Status.PICKING, Status.PACKING,
    Status.CANCELLED,
})
HOLDABLE_TARGETS = (Status.PAID, Status.PICKING, Status.PACKING, Status.AWAITING_PICKUP)
RISK_AMOUNT = Decimal("5000")
REVIEW_REASON = "风控规则：金额超过5000元且收货地为新疆、西藏或港澳台，转人工审核"
APPROVE_REASON = "已电话核实买家身份与收货地址，放行"

HOURS = 3600
DAYS = 24 * HOURS
# Seconds from the previous event to this move (a normal pace; remote places deliver slower).
GAPS: dict[str, tuple[int, int]] = {
    "pay": (20, 900), "send_to_review": (5, 60), "approve": (20 * 60, 4 * HOURS),
    "start_picking": (10 * 60, 5 * HOURS), "start_packing": (10 * 60, HOURS),
    "print_label": (2 * 60, 30 * 60), "hand_over": (30 * 60, 6 * HOURS),
    "deliver": (DAYS, 4 * DAYS), "invoice": (HOURS, 2 * DAYS), "settle": (2 * DAYS, 8 * DAYS),
    "archive": (3 * DAYS, 10 * DAYS), "close": (5 * DAYS, 10 * DAYS),
    "cancel": (10 * 60, DAYS), "refund": (HOURS, 3 * DAYS), "hold": (5 * 60, HOURS),
    "release": (30 * 60, DAYS),
}
REMOTE_DELIVERY = (3 * DAYS, 7 * DAYS)
# How long an order has been sitting in the state it is in now.
DWELL: dict[str, tuple[int, int]] = {
    Status.PENDING_PAYMENT: (60, 3 * HOURS), Status.PAID: (5 * 60, 6 * HOURS),
    Status.RISK_REVIEW: (10 * 60, 8 * HOURS), Status.PICKING: (5 * 60, 2 * HOURS),
    Status.PACKING: (2 * 60, HOURS), Status.AWAITING_PICKUP: (10 * 60, 6 * HOURS),
    Status.IN_TRANSIT: (3 * HOURS, 3 * DAYS), Status.DELIVERED: (HOURS, 4 * DAYS),
    Status.INVOICED: (DAYS, 6 * DAYS), Status.SETTLED: (DAYS, 8 * DAYS),
    Status.ARCHIVED: (DAYS, 8 * DAYS),
}
# Who does each move: a DEMO_STAFF username, or None for the hub itself (webhooks, rules).
ACTORS: dict[str, str | None] = {
    "pay": None, "send_to_review": None, "approve": "ops", "start_picking": "warehouse",
    "start_packing": "warehouse", "print_label": "warehouse", "hand_over": "warehouse",
    "deliver": None, "invoice": "finance", "settle": "finance", "archive": None, "close": None,
    "refund": "finance",
}
BUYER_NOTES = (
    "请尽快发货，谢谢", "不要放快递柜，送货上门", "工作日白天送到公司前台", "周末在家，周末送",
    "礼物，请不要放价格单", "发顺丰，差价已补", "包装结实一点，易碎",
)
HOLDS = (
    ("买家要求修改收货地址", "已与买家确认，地址已更新"),
    ("疑似重复下单，待客服核实", "核实为两笔独立订单，继续发货"),
    ("收货地址不完整，待联系买家", "买家已补全门牌号"),
    ("商品缺货，等待补货", "补货到仓，恢复发货"),
    ("买家申请退款，拦截发货", "买家撤回退款申请"),
)
CANCELS: dict[str, tuple[tuple[str | None, str], ...]] = {
    Status.PENDING_PAYMENT: ((None, "超时未支付，订单自动关闭"), ("cs", "买家申请取消：不想买了")),
    Status.PAID: (("cs", "买家申请取消：拍错了规格"), ("cs", "买家申请取消：地址填错，重新下单")),
    Status.RISK_REVIEW: (("ops", "风控审核未通过：收货信息与历史记录不符"),),
    Status.PICKING: (("cs", "仓库缺货，与买家协商取消"),),
}
CANCEL_FROM_WEIGHTS = {
    Status.PENDING_PAYMENT: 50, Status.PAID: 25, Status.RISK_REVIEW: 10, Status.PICKING: 15,
}
REFUNDS = (
    (Status.PAID, "未发货仅退款：买家不想要了"),
    (Status.IN_TRANSIT, "买家拒收，退款"),
    (Status.DELIVERED, "退货退款：尺码不合适"),
    (Status.DELIVERED, "退货退款：商品破损"),
    (Status.DELIVERED, "七天无理由退货"),
    (Status.INVOICED, "发错货，买家退货退款"),
)


@dataclass
class DemoStep:
    """One thing that happens to an order: a move of the state machine, a hold or a release."""

    kind: str
    actor: str | None
    reason: str
    at: dt.datetime | None = None
    kwargs: dict = field(default_factory=dict)


@dataclass
class DemoGift:
    sku: str
    title: str
    promotion: str


@dataclass
class DemoOrder:
    """A planned order: what the channel sent, who bought it, and what happens to it later."""

    channel_code: str
    target: str
    customer_index: int
    data: OrderInput
    steps: list[DemoStep]
    gift: DemoGift | None = None

    @property
    def placed_at(self) -> dt.datetime:
        return self.data.placed_at

    def event_times(self) -> list[dt.datetime]:
        """When each history row happened: the order's arrival, then each step."""
        return [self.data.placed_at] + [step.at for step in self.steps]

    def entered_times(self) -> list[dt.datetime]:
        """For each history row, when the order entered the state it was in (holds are not
        moves)."""
        entered = [self.data.placed_at]
        for step in self.steps:
            entered.append(entered[-1] if step.kind in ("hold", "release") else step.at)
        return entered


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)



@dataclass(frozen=True)
class Ending:
    """Where an order's story stops on the main path, and how it leaves it (if it does)."""

    last_state: str
    cancel: tuple[str | None, str] | None = None  # (actor, reason)
    refund_reason: str = ""


class DemoPlanner:
    """Plans the orders of a run for the channels given; pure apart from its random generator."""

    def __init__(
        self, *, rng: random.Random, now: dt.datetime, days: int, channels: Sequence[Channel],
        customers: Sequence[Person],
    ) -> None:
        self.rng = rng
        self.now = now
        self.span = dt.timedelta(days=days).total_seconds()
        self.channels = {channel.code: channel for channel in channels}
        self.customers = list(customers)
        self.domestic = [i for i, person in enumerate(self.customers) if not person.abroad]
        self.abroad = [i for i, person in enumerate(self.customers) if person.abroad]

    # --- choices ---------------------------------------------------------------------------
    def _target(self, index: int) -> str:
        statuses = list(STATUS_WEIGHTS)
        if index < len(statuses):  # every state at least once
            return statuses[index]
        return self.rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()))[0]

    def _channel(self, index: int, target: str) -> str:
        codes = [code for code in CHANNEL_WEIGHTS if code in self.channels]
        if index < len(codes):  # every channel at least once
            code = codes[index]
        else:
            code = self.rng.choices(codes, weights=[CHANNEL_WEIGHTS[c] for c in codes])[0]
        if code in ABROAD_CURRENCIES and target == Status.RISK_REVIEW:
            code = "tmall"  # the risk rule is about destinations in China
        return code

    def _ending(self, target: str) -> Ending:
        rng = self.rng
        if target == Status.CANCELLED:
            sources = list(CANCEL_FROM_WEIGHTS)
            source = rng.choices(sources, weights=list(CANCEL_FROM_WEIGHTS.values()))[0]
            return Ending(source, cancel=rng.choice(CANCELS[source]))
        if target == Status.REFUNDED:
            source, reason = rng.choice(REFUNDS)
            return Ending(source, refund_reason=reason)
        return Ending(target)

    def _customer(self, *, abroad: bool) -> int:
        pool = self.abroad if abroad and self.abroad else self.domestic
        if self.rng.random() < 0.25:  # loyal buyers (the first 5% of the pool) buy again
            return pool[self.rng.randrange(max(1, len(pool) // 20))]
        return self.rng.choice(pool)

    def _lines(self, channel_code: str, *, expensive: bool,
               currency: str = "CNY") -> list[LineInput]:
        count = self.rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0]
        weights = CATEGORY_WEIGHTS.get(channel_code, (1, 1, 1))
        products: list[DemoProduct] = [self.rng.choice(EXPENSIVE)] if expensive else []
        while len(products) < count:
            category = self.rng.choices(CATEGORIES, weights=weights)[0]
            product = self.rng.choice([p for p in PRODUCTS if p.category == category])
            if product not in products:
                products.append(product)
        lines = []
        for product in products:
            quantity = 1 if product.price > 1000 else self.rng.choices((1, 2, 3), (75, 18, 7))[0]
            lines.append(
                LineInput(
                    title=line_title(self.rng, product=product, channel_code=channel_code),
                    quantity=quantity,
                    unit_price=product.price if currency == "CNY" else
                    product.price_in(currency),
                    sku=product.sku,
                    channel_sku=channel_sku(channel_code=channel_code, sku=product.sku),
                )
            )
        return lines

    def _shipping_and_discount(self, channel_code: str, goods: Decimal,
                               currency: str = "CNY") -> tuple[Decimal, Decimal]:
        rng = self.rng
        zero = Decimal("0.00")
        if currency != "CNY":  # free shipping above about 49 dollars' worth, else a flat fee
            per_dollar = YUAN_PER_UNIT["USD"] / YUAN_PER_UNIT.get(currency, YUAN_PER_UNIT["USD"])
            fee = rng.choice((Decimal("5.99"), Decimal("7.99"))) * per_dollar
            shipping = zero if goods >= 49 * per_dollar else money(fee)
            discount = money(goods * Decimal("0.10")) if rng.random() < 0.15 else zero
            return shipping, discount
        free_shipping = goods >= 99 or channel_code in {"tmall", "jd", "pos"}
        shipping = zero if free_shipping else rng.choice((Decimal("6.00"), Decimal("8.00")))
        discount = zero
        roll = rng.random()
        if roll < 0.25:  # the shop's coupon: so much off above a threshold (满减)
            for threshold, off in ((1000, 100), (300, 30), (200, 20), (100, 10)):
                if goods >= threshold:
                    discount = Decimal(off).quantize(CENT)
                    break
        elif roll < 0.35 and channel_code in {"pdd", "douyin"}:  # the platform's subsidy
            discount = money(goods * rng.randint(5, 15) / 100)
        return shipping, min(discount, goods - Decimal("1.00"))

    # --- the story -------------------------------------------------------------------------
    def _steps(
        self, *, ending: Ending, channel: Channel, review: bool, receiver: Person,
        force_hold: bool,
    ) -> list[DemoStep]:
        rng = self.rng
        steps: list[DemoStep] = []
        end = ending.last_state
        if end != Status.PENDING_PAYMENT:
            for name, reached in FORWARD:
                if name == "invoice" and channel.skips_invoicing and end != Status.INVOICED:
                    continue  # settled straight from delivered
                steps.append(DemoStep(name, ACTORS[name], ""))
                if name == "pay" and review:
                    steps.append(DemoStep("send_to_review", None, REVIEW_REASON))
                    if end == Status.RISK_REVIEW:
                        break
                    steps.append(DemoStep("approve", "ops", APPROVE_REASON))
                if reached == end:
                    break
        if rng.random() < 0.06 and any(step.kind == "start_packing" for step in steps):
            # Intercepted while picking, then released: the timeline shows both.
            position = next(i for i, step in enumerate(steps) if step.kind == "start_picking")
            hold, release = rng.choice(HOLDS)
            steps[position + 1:position + 1] = [
                DemoStep("hold", rng.choice(("cs", "warehouse")), hold),
                DemoStep("release", "cs", release),
            ]
        if ending.cancel is not None:
            actor, reason = ending.cancel
            steps.append(DemoStep("cancel", actor, reason))
        elif ending.refund_reason:
            steps.append(DemoStep("refund", "finance", ending.refund_reason))
        elif end in HOLDABLE_TARGETS and (force_hold or rng.random() < 0.07):
            hold, _release = rng.choice(HOLDS)
            steps.append(DemoStep("hold", rng.choice(("cs", "warehouse")), hold))
        self._describe(steps, channel=channel, receiver=receiver)
        return steps

    def _describe(self, steps: list[DemoStep], *, channel: Channel, receiver: Person) -> None:
        """Reasons (as staff and systems write them) and the label's carrier and number."""
        rng = self.rng
        carrier = pick_carrier(rng, channel_code=channel.code, person=receiver)
        for step in steps:
            if step.reason:
                continue
            if step.kind == "start_picking":
                step.reason = f"波次拣货 W{rng.randint(1, 40):03d}"
            elif step.kind == "start_packing":
                step.reason = f"拣货完成，{rng.randint(1, 12)} 号打包台"
            elif step.kind == "print_label":
                number = tracking_no(rng, carrier)
                step.kwargs = {"carrier": carrier, "tracking_no": number}
                step.reason = f"打印面单：{CARRIER_NAMES[carrier]} {number}"
            elif step.kind == "hand_over":
                step.reason = "快递员已揽收"
            elif step.kind == "deliver":
                step.reason = "物流轨迹：已签收"
            elif step.kind == "invoice":
                step.reason = f"电子发票已开具 No.{digits(rng, 8)}"
            elif step.kind == "settle":
                step.reason = "门店日结已入账" if channel.code == "pos" else "平台结算款已到账"
            elif step.kind == "archive":
                step.reason = rng.choice(("买家已评价", "评价期结束，自动归档"))
            elif step.kind == "close":
                step.reason = "售后期结束，自动关闭"

    def _timeline(self, plan: DemoOrder, *, remote: bool) -> None:
        """Date the order and each step so that it has sat in its state for a plausible while."""
        rng = self.rng
        gaps = []
        for step in plan.steps:
            low, high = REMOTE_DELIVERY if step.kind == "deliver" and remote else GAPS[step.kind]
            gaps.append(rng.uniform(low, high))
        busy = sum(gaps)
        held = bool(plan.steps) and plan.steps[-1].kind == "hold"
        if plan.target in DWELL and not held:
            dwell = rng.uniform(*DWELL[plan.target])
        else:  # final states and held orders: any time in what is left of the window
            dwell = rng.uniform(0, max(self.span * 0.9 - busy, 60))
        total = busy + dwell
        # A short --days squeezes long stories into the window.
        scale = min(1.0, self.span * 0.95 / total)
        moment = self.now - dt.timedelta(seconds=total * scale)
        plan.data.placed_at = moment
        for step, gap in zip(plan.steps, gaps):
            moment += dt.timedelta(seconds=gap * scale)
            step.at = moment

    def order(self, index: int, *, force_hold: bool = False, force_gift: bool = False) -> DemoOrder:
        """Plan the ``index``-th order of the run."""
        rng = self.rng
        target = self._target(index)
        channel_code = self._channel(index, target)
        channel = self.channels[channel_code]
        abroad = channel_code in ABROAD_CURRENCIES
        currency = rng.choice(ABROAD_CURRENCIES[channel_code]) if abroad else channel.currency
        ending = self._ending(target)
        # Big money to a remote destination goes through risk review (DESIGN.md section 2).
        review = ending.last_state == Status.RISK_REVIEW or (
            not abroad
            and ending.last_state not in (Status.PENDING_PAYMENT, Status.PAID)
            and rng.random() < 0.02
        )
        customer_index = self._customer(abroad=abroad)
        buyer = self.customers[customer_index]
        if review:
            receiver = domestic_person(rng, remote=True)
        elif rng.random() < 0.12:  # sent to family or a friend
            receiver = abroad_person(rng) if abroad else domestic_person(rng)
        else:
            receiver = buyer
        lines = self._lines(channel_code, expensive=review, currency=currency)
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
        if not review and receiver.remote and not receiver.abroad and goods > RISK_AMOUNT:
            receiver = domestic_person(rng)
            while receiver.remote:
                receiver = domestic_person(rng)
        shipping, discount = self._shipping_and_discount(channel_code, goods, currency)
        paid = goods + shipping - discount
        vip = buyer.level in (Customer.Level.VIP, Customer.Level.SVIP)
        data = OrderInput(
            channel_order_no="", lines=lines, currency=currency,
            shipping_amount=shipping, discount_amount=discount, receiver=receiver.receiver(),
            priority=Order.Priority.HIGH if vip and paid > RISK_AMOUNT else Order.Priority.NORMAL,
            buyer_note=rng.choice(BUYER_NOTES) if rng.random() < 0.15 else "",
        )
        plan = DemoOrder(
            channel_code=channel_code, target=target, customer_index=customer_index, data=data,
            steps=self._steps(ending=ending, channel=channel, review=review, receiver=receiver,
                              force_hold=force_hold),
        )
        self._timeline(plan, remote=receiver.remote)
        placed_local = timezone.localtime(data.placed_at)
        data.channel_order_no = channel_order_no(rng, channel_code=channel_code,
                                                 placed_at=placed_local)
        for step in plan.steps:
            if step.kind == "pay":
                serial, step.reason = payment(rng, channel_code=channel_code,
                                              paid_at=timezone.localtime(step.at))
                step.kwargs = {"paid_at": step.at, "payment_serial_no": serial}
                hours = 24 if channel_code in {"jd", "tmall"} else 48
                data.ship_by = step.at + dt.timedelta(hours=hours)
        if target in GIFT_TARGETS and ending.last_state in GIFT_TARGETS and (
            force_gift or rng.random() < 0.3
        ):
            gift = rng.choice(GIFT_PRODUCTS)
            plan.gift = DemoGift(sku=gift.sku, title=gift.name,
                                 promotion=rng.choice(GIFT_PROMOTIONS))
        return plan
