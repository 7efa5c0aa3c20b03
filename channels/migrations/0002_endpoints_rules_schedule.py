"""Data: an endpoint per channel (no secret: set it in the admin), the identity-matching
settings row, two test-order rules, and the daily 08:00 spreadsheet import schedule.

The schedule is DAILY with its first run at the next 08:00 Beijing time (a CRON schedule would
need croniter, which the project does not install). Every step is idempotent.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations

SCHEDULE_NAME = "channels: import spreadsheets from the import folder"
SCHEDULE_FUNC = "channels.tasks.spreadsheets_import_folder"


def create_endpoints(apps, schema_editor):
    channel_model = apps.get_model("orders", "Channel")
    endpoint_model = apps.get_model("channels", "ChannelEndpoint")
    for channel in channel_model.objects.all():
        endpoint_model.objects.get_or_create(
            channel=channel,
            defaults={"scheme": "shopify" if channel.platform == "shopify" else "hub"},
        )


def create_settings_and_rules(apps, schema_editor):
    settings_model = apps.get_model("channels", "IdentityMatchSettings")
    if not settings_model.objects.exists():
        settings_model.objects.create()
    rule_model = apps.get_model("channels", "TestOrderRule")
    for name, field, match, value in [
        ("Buyer note says test order", "buyer_note", "contains", "测试订单"),
        ("Receiver named test", "receiver_name", "contains", "测试"),
    ]:
        rule_model.objects.get_or_create(
            name=name, defaults={"field": field, "match": match, "value": value}
        )


def create_schedule(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    beijing = ZoneInfo("Asia/Shanghai")
    now = dt.datetime.now(beijing)
    first = now.replace(hour=8, minute=0, second=0, microsecond=0)
    if first <= now:
        first += dt.timedelta(days=1)
    schedule_model.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SCHEDULE_FUNC, "schedule_type": "D", "repeats": -1},
        create_defaults={"func": SCHEDULE_FUNC, "schedule_type": "D", "repeats": -1,
                         "next_run": first},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_initial"),
        ("orders", "0002_roles_and_channels"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [
        migrations.RunPython(create_endpoints, migrations.RunPython.noop),
        migrations.RunPython(create_settings_and_rules, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
