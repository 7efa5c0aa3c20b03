"""The webhooks app's schedules (editable in the admin under Background jobs)."""
from django.db import migrations

SCHEDULES = [
    # name, function, schedule type, minutes
    ("webhooks: send sweep", "orderhub.webhooks.tasks.webhooks_sweep", "I", 1),
    ("webhooks: purge old deliveries", "orderhub.webhooks.tasks.webhooks_purge_task", "D", None),
]


def create_schedules(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    for name, func, schedule_type, minutes in SCHEDULES:
        schedule_model.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": schedule_type, "minutes": minutes,
                      "repeats": -1},
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        name__in=[row[0] for row in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
