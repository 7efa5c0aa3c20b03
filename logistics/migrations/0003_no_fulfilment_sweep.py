"""The every-minute fulfilment sweep goes: paid orders are decided by the logistics event
handler right after commit, and the event sweep catches up whatever a lost worker left."""
from django.db import migrations

NAME = "logistics: fulfilment sweep"


def remove_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


def restore_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME, defaults={"func": "logistics.tasks.fulfilment_sweep", "schedule_type": "I",
                             "minutes": 1, "repeats": -1})


class Migration(migrations.Migration):
    dependencies = [("logistics", "0002_defaults")]
    operations = [migrations.RunPython(remove_sweep, restore_sweep)]
