"""The address table and the pasted-address parser (issue 13 item 6): every case written out
with the parts a person expects (name, phone, province, city, district, street)."""
from __future__ import annotations

import pytest

from orders.addresses.parsing import address_parse
from orders.addresses.regions import region_choices, region_problem, region_table

# text, then name, phone, province, city, district, address
CASES = [
    # The issue's own example, and the same without 省/市.
    ("浙江省杭州市西湖区文三路 90 号 张三 13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路 90 号"),
    ("浙江杭州西湖区文三路90号 张三 13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("浙江 杭州 西湖区 文三路90号 张三 13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    # Name first, with and without separators.
    ("张三 13800001234 浙江省杭州市西湖区文三路90号",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("张三，13800001234，浙江省杭州市西湖区文三路90号",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("张三浙江省杭州市西湖区文三路90号13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    # The name right after the number, no space.
    ("浙江省杭州市西湖区文三路90号张三13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    # Phones with spaces, dashes, +86, full-width digits, a landline.
    ("浙江省杭州市西湖区文三路90号 张三 138 0000 1234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("浙江省杭州市西湖区文三路90号 张三 138-0000-1234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("张三 +86 138 0000 1234 浙江省杭州市西湖区文三路90号",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("张三 １３８００００１２３４ 浙江省杭州市西湖区文三路９０号",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("张三 0571-88886666 浙江省杭州市西湖区文三路90号",
     "张三", "0571-88886666", "浙江省", "杭州市", "西湖区", "文三路90号"),
    # Labels as platforms and chats write them.
    ("收货人：李四 手机：13912345678 所在地区：上海市浦东新区 详细地址：世纪大道100号",
     "李四", "13912345678", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("收货人:李四\n联系电话:13912345678\n收货地址:上海市浦东新区世纪大道100号",
     "李四", "13912345678", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("姓名：李四；电话：13912345678；地址：上海市 浦东新区 世纪大道100号",
     "李四", "13912345678", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    # Municipalities: no separate city, written once or twice, with or without 市.
    ("上海市浦东新区世纪大道100号 李四 13912345678",
     "李四", "13912345678", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("上海上海市浦东新区世纪大道100号 李四 13912345678",
     "李四", "13912345678", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("北京朝阳区建国路88号3栋2单元 钱七 18600003333",
     "钱七", "18600003333", "北京市", "北京市", "朝阳区", "建国路88号3栋2单元"),
    ("天津市和平区南京路1号 孙八 15000004444",
     "孙八", "15000004444", "天津市", "天津市", "和平区", "南京路1号"),
    ("重庆市渝中区解放碑步行街8号 周九 15100005555",
     "周九", "15100005555", "重庆市", "重庆市", "渝中区", "解放碑步行街8号"),
    ("重庆市石柱土家族自治县南宾街道1号 周九 15100005555",
     "周九", "15100005555", "重庆市", "重庆市", "石柱土家族自治县", "南宾街道1号"),
    # The province left out: found from the city.
    ("杭州市西湖区文三路90号 张三 13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("深圳南山区科技园科苑路15号 吴十 13500006666",
     "吴十", "13500006666", "广东省", "深圳市", "南山区", "科技园科苑路15号"),
    # The city left out: found from a district unique in the province.
    ("浙江省余杭区五常街道文一西路969号 郑一 13300007777",
     "郑一", "13300007777", "浙江省", "杭州市", "余杭区", "五常街道文一西路969号"),
    # Autonomous regions and prefectures, with their short names.
    ("广西南宁市青秀区民族大道100号 冯二 13200008888",
     "冯二", "13200008888", "广西壮族自治区", "南宁市", "青秀区", "民族大道100号"),
    ("内蒙古呼和浩特市新城区新华大街1号 陈三 13100009999",
     "陈三", "13100009999", "内蒙古自治区", "呼和浩特市", "新城区", "新华大街1号"),
    ("新疆维吾尔自治区乌鲁木齐市天山区解放南路2号 褚四 18900001111",
     "褚四", "18900001111", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放南路2号"),
    ("湖北省恩施州恩施市舞阳大街3号 卫五 18800002222",
     "卫五", "18800002222", "湖北省", "恩施土家族苗族自治州", "恩施市", "舞阳大街3号"),
    ("湖北恩施土家族苗族自治州利川市都亭街道4号 卫五 18800002222",
     "卫五", "18800002222", "湖北省", "恩施土家族苗族自治州", "利川市", "都亭街道4号"),
    # Cities without districts, and county-level cities under the province itself.
    ("王五，13600001111，广东省东莞市长安镇乌沙路1号",
     "王五", "13600001111", "广东省", "东莞市", "", "长安镇乌沙路1号"),
    ("海南省琼海市嘉积镇红星路5号 赵六 13700002222",
     "赵六", "13700002222", "海南省", "琼海市", "", "嘉积镇红星路5号"),
    ("湖北省仙桃市干河街道6号 蒋七 17700003333",
     "蒋七", "17700003333", "湖北省", "仙桃市", "", "干河街道6号"),
    # Two provinces named alike, two cities named like their province.
    ("黑龙江省哈尔滨市南岗区西大直街7号 沈八 17600004444",
     "沈八", "17600004444", "黑龙江省", "哈尔滨市", "南岗区", "西大直街7号"),
    ("吉林省吉林市船营区北京路8号 韩九 17500005555",
     "韩九", "17500005555", "吉林省", "吉林市", "船营区", "北京路8号"),
    # A place name as the last word is the street's, not a name.
    ("广东省深圳市福田区深南大道2号 联合大厦 杨十 13800001234",
     "杨十", "13800001234", "广东省", "深圳市", "福田区", "深南大道2号 联合大厦"),
    ("江苏省南京市玄武区中山路9号 13800001234",
     "", "13800001234", "江苏省", "南京市", "玄武区", "中山路9号"),
    # A postcode is dropped.
    ("江苏省苏州市姑苏区人民路10号 215000 朱一 13800001234",
     "朱一", "13800001234", "江苏省", "苏州市", "姑苏区", "人民路10号"),
    # "To be received by", a name in Latin letters, a name with the middle dot, phone first.
    ("浙江省杭州市西湖区文三路90号 张三收 13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    ("四川省成都市武侯区人民南路四段1号 Li Lei 13800001234",
     "Li Lei", "13800001234", "四川省", "成都市", "武侯区", "人民南路四段1号"),
    ("阿依古丽·买买提 13800001234 新疆乌鲁木齐市天山区解放南路2号",
     "阿依古丽·买买提", "13800001234", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放南路2号"),
    ("13800001234 张三 广东省深圳市南山区粤海街道科技园路1号",
     "张三", "13800001234", "广东省", "深圳市", "南山区", "粤海街道科技园路1号"),
    ("地址：浙江省杭州市西湖区文三路90号，收货人：张三，电话：13800001234",
     "张三", "13800001234", "浙江省", "杭州市", "西湖区", "文三路90号"),
    # Hong Kong.
    ("香港特别行政区油尖旺区弥敦道11号 秦二 13800001234",
     "秦二", "13800001234", "香港特别行政区", "油尖旺区", "", "弥敦道11号"),
]


@pytest.mark.parametrize(
    "text, name, phone, province, city, district, address", CASES,
    ids=[f"{index:02d}" for index in range(len(CASES))],
)
def test_a_pasted_address_is_split_into_its_parts(
    text, name, phone, province, city, district, address
):
    parsed = address_parse(text)
    assert (parsed.name, parsed.phone, parsed.province, parsed.city, parsed.district,
            parsed.address) == (name, phone, province, city, district, address)


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30


def test_what_is_not_there_is_named_missing_and_nothing_is_guessed():
    parsed = address_parse("文三路90号 张三")
    assert (parsed.province, parsed.city, parsed.district) == ("", "", "")
    assert parsed.missing == ["phone", "province", "city", "district"]
    assert address_parse("").missing == ["name", "phone", "province", "city", "district",
                                         "address"]


def test_an_ambiguous_district_alone_names_no_region():
    # 西湖区 is in Hangzhou and in Nanchang: without a city it is not guessed.
    parsed = address_parse("西湖区文三路90号 张三 13800001234")
    assert (parsed.province, parsed.city, parsed.district) == ("", "", "")


def test_a_city_without_districts_needs_none():
    assert address_parse("广东省东莞市长安镇乌沙路1号 王五 13600001111").missing == []


def test_the_table_has_every_province_and_the_municipalities_have_one_city():
    table = region_table()
    names = [province.name for province in table.provinces]
    assert len(names) == 34 and "浙江省" in names and "澳门特别行政区" in names
    assert [city.name for city in table.province("重庆市").children] == ["重庆市"]
    assert len(table.city("重庆市", "重庆市").children) > 30  # districts and counties, merged
    assert "琼海市" in [city.name for city in table.province("海南省").children]


def test_choices_follow_the_chosen_province_and_city():
    choices = region_choices(province="浙江省", city="杭州市")
    assert "杭州市" in choices["cities"] and "广州市" not in choices["cities"]
    assert "西湖区" in choices["districts"] and "南山区" not in choices["districts"]
    assert region_choices(province="火星") == {
        "provinces": choices["provinces"], "cities": [], "districts": []}


@pytest.mark.parametrize("province, city, district, problem", [
    ("浙江省", "杭州市", "西湖区", None),
    ("广东省", "东莞市", "", None),
    ("浙江省", "深圳市", "南山区", "city"),
    ("浙江省", "杭州市", "南山区", "district"),
    ("浙江省", "杭州市", "", "district"),
    ("火星", "", "", "province"),
])
def test_region_problem_checks_that_the_parts_fit(province, city, district, problem):
    assert region_problem(province=province, city=city, district=district) == problem
