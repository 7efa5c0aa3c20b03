"""The settlement sweep goes: orders settle on events (a statement imported, an order
delivered or invoiced, ``finance/handlers.py``), and the event sweep catches up."""
from django.db import migrations

NAME = "finance: settlement sweep"


def remove_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


def restore_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME, defaults={"func": "finance.tasks.finance_settlement_sweep",
                             "schedule_type": "I", "minutes": 30, "repeats": -1})


class Migration(migrations.Migration):
    dependencies = [("finance", "0002_schedules")]
    operations = [migrations.RunPython(remove_sweep, restore_sweep)]
