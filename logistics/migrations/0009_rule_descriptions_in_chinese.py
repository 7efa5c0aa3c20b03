"""The default fulfilment rules' descriptions, written in English by 0002, read in Chinese (the
staff's language): a description still as 0002 wrote it is rewritten; one staff edited is left
alone. The rules keep their names (integrations and decisions name them).

The texts are copied here, not imported, so that this migration keeps meaning what it meant.
"""
from django.db import migrations

DESCRIPTIONS = [
    # (what 0002 wrote, what staff read)
    ("High-value orders to these regions are reviewed by hand before the warehouse sees them.",
     "发往这些地区的高额订单先经人工审核，再交给仓库。"),
    ("The same buyer (customer, or receiver phone) paying for the same SKUs three or more "
     "times within the window of the fulfilment settings (30 minutes).",
     "同一买家（客户或收货手机号）在履约设置的时间窗口（30 分钟）内三次及以上购买相同 SKU。"),
    ("VIP and super-VIP customers' orders over 5,000 go to the front of the picking queue.",
     "VIP 和 SVIP 客户 5,000 元以上的订单排在拣货队列最前。"),
    ("Furniture and large appliances are stocked in the big warehouses; when Shanghai's "
     "capacity for the day is used the order overflows to Beijing, then to the others.",
     "家具和大家电存放在大仓；上海仓当天产能用完时，订单依次转到北京仓和其他仓。"),
    ("Cross-border parcels clear customs through the Guangzhou warehouse.",
     "港澳台包裹经广州仓清关。"),
]


def rewrite(apps, schema_editor, *, forward: bool):
    rule_model = apps.get_model("logistics", "FulfilmentRule")
    for english, chinese in DESCRIPTIONS:
        old, new = (english, chinese) if forward else (chinese, english)
        rule_model.objects.filter(description=old).update(description=new)


class Migration(migrations.Migration):
    dependencies = [("logistics", "0008_shipment_direction_for_return_parcels")]

    operations = [
        migrations.RunPython(lambda apps, editor: rewrite(apps, editor, forward=True),
                             lambda apps, editor: rewrite(apps, editor, forward=False)),
    ]
