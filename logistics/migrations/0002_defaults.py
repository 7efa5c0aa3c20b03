"""Shipped defaults (all editable in the admin): four regional warehouses, the fulfilment
settings, the default rules of DESIGN.md section 2 and the two logistics schedules.

Idempotent: re-running finds warehouses by code, rules by name and schedules by name, and
leaves what staff changed alone.
"""
from django.db import migrations

URGENT = 20  # orders.models.Order.Priority.URGENT

WAREHOUSES = [
    # code, name, provinces served, priority, daily capacity
    ("SH", "华东仓（上海）", "上海, 江苏, 浙江, 安徽, 江西, 山东", 10, 3000),
    ("GZ", "华南仓（广州）", "广东, 广西, 海南, 福建, 湖南, 香港, 澳门, 台湾", 20, 2000),
    ("BJ", "华北仓（北京）", "北京, 天津, 河北, 山西, 内蒙古, 辽宁, 吉林, 黑龙江, 河南", 30, 2000),
    ("CD", "西南仓（成都）", "四川, 重庆, 贵州, 云南, 西藏, 陕西, 甘肃, 青海, 宁夏, 新疆, 湖北",
     40, 1500),
]

# name, priority, match, description, conditions (fact, operator, value), actions
RULES = [
    (
        "Risk: over 5,000 to Xinjiang, Tibet, Hong Kong, Macau or Taiwan", 10, "all",
        "High-value orders to these regions are reviewed by hand before the warehouse sees them.",
        [("amount", "gt", "5000"), ("province", "in", "新疆, 西藏, 香港, 澳门, 台湾")],
        [{"kind": "risk_review"}],
    ),
    (
        "Risk: many near-identical orders from one buyer", 20, "all",
        "The same buyer (customer, or receiver phone) paying for the same SKUs three or more "
        "times within the window of the fulfilment settings (30 minutes).",
        [("near_identical_orders", "gte", "3")],
        [{"kind": "add_tag", "value": "near_identical_orders"}, {"kind": "risk_review"}],
    ),
    (
        "Priority: VIP over 5,000", 30, "all",
        "VIP and super-VIP customers' orders over 5,000 go to the front of the picking queue.",
        [("customer_level", "in", "vip, svip"), ("amount", "gt", "5000")],
        [{"kind": "set_priority", "priority": URGENT}],
    ),
    (
        "Routing: bulky goods ship from Shanghai, then Beijing", 100, "any",
        "Furniture and large appliances are stocked in the big warehouses; when Shanghai's "
        "capacity for the day is used the order overflows to Beijing, then to the others.",
        [("categories", "in", "furniture, large_appliance, 家具, 大家电")],
        [{"kind": "assign_warehouse", "warehouse": "SH"},
         {"kind": "assign_warehouse", "warehouse": "BJ"}],
    ),
    (
        "Routing: Hong Kong, Macau and Taiwan ship from Guangzhou", 110, "any",
        "Cross-border parcels clear customs through the Guangzhou warehouse.",
        [("province", "in", "香港, 澳门, 台湾")],
        [{"kind": "assign_warehouse", "warehouse": "GZ"}],
    ),
]

SCHEDULES = [
    # name, function, minutes
    ("logistics: fulfilment sweep", "logistics.tasks.fulfilment_sweep", 1),
    ("logistics: stock drift check", "logistics.tasks.stock_drift_sweep", 30),
]


def create_defaults(apps, schema_editor):
    warehouse_model = apps.get_model("logistics", "Warehouse")
    settings_model = apps.get_model("logistics", "FulfilmentSettings")
    rule_model = apps.get_model("logistics", "FulfilmentRule")
    schedule_model = apps.get_model("django_q", "Schedule")
    warehouses = {}
    for code, name, provinces, priority, capacity in WAREHOUSES:
        warehouses[code], _created = warehouse_model.objects.get_or_create(
            code=code, defaults={"name": name, "provinces": provinces, "priority": priority,
                                 "daily_capacity": capacity},
        )
    if not settings_model.objects.exists():
        settings_model.objects.create()
    for name, priority, match, description, conditions, actions in RULES:
        rule, created = rule_model.objects.get_or_create(
            name=name, defaults={"priority": priority, "match": match,
                                 "description": description},
        )
        if not created:
            continue
        for fact, operator, value in conditions:
            rule.conditions.create(fact=fact, operator=operator, value=value)
        for position, action in enumerate(actions):
            rule.actions.create(
                kind=action["kind"], value=action.get("value", ""),
                priority=action.get("priority"), position=position,
                warehouse=warehouses[action["warehouse"]] if "warehouse" in action else None,
            )
    for name, func, minutes in SCHEDULES:
        schedule_model.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1},
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        name__in=[name for name, _func, _minutes in SCHEDULES]).delete()
    apps.get_model("logistics", "FulfilmentRule").objects.filter(
        name__in=[rule[0] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_defaults, remove_defaults)]
