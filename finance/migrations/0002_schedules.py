"""The finance sweeps as django-q2 schedules (idempotent: re-running finds them by name)."""
from django.db import migrations

SCHEDULES = [
    # name, function, minutes
    ("finance: consistency check", "finance.tasks.finance_consistency_check", 30),
    ("finance: red-line sweep", "finance.tasks.finance_red_line_sweep", 10),
    ("finance: settlement sweep", "finance.tasks.finance_settlement_sweep", 30),
]


def create_schedules(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    for name, func, minutes in SCHEDULES:
        schedule_model.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1},
        )


def remove_schedules(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    schedule_model.objects.filter(name__in=[name for name, _func, _minutes in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
