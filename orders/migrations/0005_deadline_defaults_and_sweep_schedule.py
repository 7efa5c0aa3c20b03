"""Deadline defaults of DESIGN.md section 2, the every-minute sweep schedule, and room on the
orders' pages for the sweep's updates (PostgreSQL).

Idempotent: rows are found by their natural keys and never overwritten, so staff edits (and
an edited or paused schedule) survive re-running. The values are copied here, not imported,
so that this migration keeps meaning what it meant when it was written.
"""
from decimal import Decimal

from django.db import migrations

SLA_STEPS = [
    # step, minutes, team, note
    ("payment_confirmed", 15, "operations", "Payment confirmed and released to the warehouse."),
    ("picking", 120, "warehouse", "Picking."),
    ("packing", 60, "warehouse", "Packing and weighing."),
    ("label", 3, "warehouse", "Label printed once packed (both end with print_label)."),
    ("handover", 30, "warehouse", "The courier collects the labelled parcel."),
]
PROMISES = [
    # channel code (None: the default), hours from payment, hours for urgent orders
    (None, 48, 12),
    ("jd", 24, 6),
    ("tmall", 24, 6),
]
LADDER = [
    # kind ("": every kind without its own ladder), level, minutes after raising, to team lead
    ("", 1, 0, True),
    ("", 2, 30, False),
    ("", 3, 60, False),
]
SCHEDULE_NAME = "orders: SLA sweep"
SCHEDULE_FUNC = "orders.tasks.sla_sweep_task"


def create_defaults(apps, schema_editor):
    policy_model = apps.get_model("orders", "SlaPolicy")
    promise_model = apps.get_model("orders", "ShipByPromise")
    channel_model = apps.get_model("orders", "Channel")
    for step, minutes, team, note in SLA_STEPS:
        if not policy_model.objects.filter(step=step, channel__isnull=True).exists():
            policy_model.objects.create(step=step, minutes=minutes, team=team, note=note)
    for code, hours, urgent_hours in PROMISES:
        channel = channel_model.objects.filter(code=code).first() if code else None
        if code and channel is None:
            continue
        if not promise_model.objects.filter(channel=channel).exists():
            promise_model.objects.create(channel=channel, hours=hours, urgent_hours=urgent_hours)
    lights_model = apps.get_model("orders", "TrafficLightSettings")
    if not lights_model.objects.exists():
        lights_model.objects.create(yellow_hours=Decimal("6.0"), red_hours=Decimal("2.0"))
    step_model = apps.get_model("orders", "EscalationStep")
    for kind, level, after_minutes, to_team_lead in LADDER:
        step_model.objects.get_or_create(
            kind=kind, level=level,
            defaults={"after_minutes": after_minutes, "to_team_lead": to_team_lead},
        )


def create_schedule(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    # MINUTES ("I") every minute, forever; get_or_create keeps staff changes on re-runs.
    schedule_model.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SCHEDULE_FUNC, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


def leave_room_for_updates(apps, schema_editor):
    # PostgreSQL: 10% free space per page of orders, so that updates of unindexed columns
    # (the sweep's is_stuck, holds) stay on the page (HOT) and touch none of the indexes.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE orders_order SET (fillfactor = 90)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE orders_order RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_deadlines_and_escalation"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.RunPython(leave_room_for_updates, fill_pages),
    ]
