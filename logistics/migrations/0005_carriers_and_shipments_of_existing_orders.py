"""The carrier table (editable in the admin), the shipments of orders that already carry a
tracking number, and the two schedules of tracking (trace alerts, Kuaidi100 subscriptions).

Idempotent: carriers are found by code (staff edits are kept), an order that already has its
shipment is left alone. Existing orders get their shipment from their carrier and tracking
number as channels or staff gave them (a carrier the table does not know is kept under
"OTHER"); their status follows the order's, their trust is a person's (red) until a courier
pushes. No events are recorded: those parcels left long ago and were confirmed then.
"""
from django.db import migrations
from django.utils import timezone

from logistics.rules import normalise_place
from logistics.shipments.carriers import CARRIERS, OTHER, name_key

BATCH = 5000
# Where the shipped warehouses are (the origin of their routes), kept when staff set another.
WAREHOUSE_PROVINCES = {"SH": "上海", "GZ": "广东", "BJ": "北京", "CD": "四川"}
SCHEDULES = [
    ("logistics: trace alerts", "logistics.tasks.trace_alert_sweep", 15),
    ("logistics: Kuaidi100 subscriptions", "logistics.tasks.kuaidi100_subscriptions_sweep", 5),
]
SHIPMENT_STATUS = {
    "awaiting_pickup": "awaiting_pickup", "in_transit": "in_transit",
    **{status: "delivered" for status in ("delivered", "invoiced", "settled", "archived",
                                          "closed")},
}


def seed_carriers(apps, schema_editor):
    carrier_model = apps.get_model("logistics", "Carrier")
    for code, name, name_en, phone, pattern, kuaidi100, aliases in CARRIERS:
        carrier_model.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "phone": phone, "tracking_pattern": pattern,
            "kuaidi100_code": kuaidi100, "aliases": ", ".join(aliases)})
    warehouse_model = apps.get_model("logistics", "Warehouse")
    for code, province in WAREHOUSE_PROVINCES.items():
        warehouse_model.objects.filter(code=code, province="").update(province=province)
    schedule_model = apps.get_model("django_q", "Schedule")
    for name, func, minutes in SCHEDULES:
        schedule_model.objects.update_or_create(name=name, defaults={
            "func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1})


def shipments_of_existing_orders(apps, schema_editor):
    order_model = apps.get_model("orders", "Order")
    carrier_model = apps.get_model("logistics", "Carrier")
    shipment_model = apps.get_model("logistics", "Shipment")
    link_model = apps.get_model("logistics", "ShipmentOrder")
    names = {}
    for carrier in carrier_model.objects.all():
        for text in (carrier.code, carrier.name, carrier.name_en, carrier.kuaidi100_code,
                     *carrier.aliases.split(",")):
            if text.strip():
                names.setdefault(name_key(text), carrier.pk)
    other = names[name_key(OTHER)]
    last = 0
    now = timezone.now()
    while True:
        rows = list(order_model.objects.filter(
            pk__gt=last, status__in=list(SHIPMENT_STATUS)).exclude(tracking_no="")
            .order_by("pk").values_list("pk", "carrier", "tracking_no", "status",
                                        "state_entered_at", "receiver_province")[:BATCH])
        if not rows:
            return
        last = rows[-1][0]
        wanted = {}
        for pk, carrier, number, status, entered, province in rows:
            number = "".join(number.split())[:40]
            if not number:
                continue
            key = (names.get(name_key(carrier), other), number)
            when = entered or now
            wanted.setdefault(key, (status, when, normalise_place(province), []))[3].append(pk)
        shipment_model.objects.bulk_create([
            shipment_model(
                carrier_id=carrier_id, tracking_no=number, status=SHIPMENT_STATUS[status],
                trust="red", source="migration", last_event_at=when, created_at=when,
                dest_province=province[:32],
                picked_up_at=when if status != "awaiting_pickup" else None,
                delivered_at=when if SHIPMENT_STATUS[status] == "delivered" else None)
            for (carrier_id, number), (status, when, province, _ids) in wanted.items()
        ], ignore_conflicts=True, batch_size=1000)
        ids = {}
        for carrier_id in {carrier_id for carrier_id, _number in wanted}:
            numbers = [number for c, number in wanted if c == carrier_id]
            ids.update(((carrier_id, number), pk) for pk, number in shipment_model.objects.filter(
                carrier_id=carrier_id, tracking_no__in=numbers).values_list("pk", "tracking_no"))
        link_model.objects.bulk_create([
            link_model(shipment_id=ids[key], order_id=order_id)
            for key, (_status, _when, _province, order_ids) in wanted.items()
            for order_id in order_ids
        ], ignore_conflicts=True, batch_size=2000)


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        name__in=[name for name, _func, _minutes in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0004_shipments"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [
        migrations.RunPython(seed_carriers, remove_schedules),
        migrations.RunPython(shipments_of_existing_orders, migrations.RunPython.noop),
    ]
