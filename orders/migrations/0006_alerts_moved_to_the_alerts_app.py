"""Alerts and their delivery are now the alerts app's (``orderhub.alerts``, its migration 0001
renamed the tables): they leave the orders app's state, and what pointed at them follows.

- Permissions and admin log entries: the content types ``orders.alert`` etc. are relabelled
  ``alerts``, so every group and user keeps exactly the alert abilities it had (now
  ``alerts.view_alert`` ...) and nothing stale is left. Where ``migrate`` already made the
  ``alerts`` ones (a fresh database), the two are merged into the older row.
- django-q2 schedules that run the delivery task by its old path get the new one. (A delivery
  task queued under the old path before the upgrade fails once; the every-minute SLA sweep
  sends what it would have sent.)

Reversible: going back relabels the content types and the schedules to orders.
"""
from django.db import migrations

MOVED_MODELS = (
    "alert", "alertevent", "alertdelivery", "notificationtarget", "escalationstep",
    "historicalescalationstep",
)
OLD_SEND_TASK = "orders.tasks.alert_deliveries_send"
NEW_SEND_TASK = "orderhub.alerts.tasks.alert_deliveries_send"


def _relabel_content_types(apps, old_label: str, new_label: str) -> None:
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    log_entry_model = apps.get_model("admin", "LogEntry")
    for model in MOVED_MODELS:
        old = content_type_model.objects.filter(app_label=old_label, model=model).first()
        if old is None:
            continue
        new = content_type_model.objects.filter(app_label=new_label, model=model).first()
        if new is not None:
            # Made by migrate for the new label already: fold it into the old row, which the
            # groups, users and log entries point at.
            for permission in permission_model.objects.filter(content_type=new):
                kept = permission_model.objects.filter(
                    content_type=old, codename=permission.codename).first()
                if kept is None:
                    permission.content_type = old
                    permission.save(update_fields=["content_type"])
                    continue
                kept.group_set.add(*permission.group_set.all())
                kept.user_set.add(*permission.user_set.all())
                permission.delete()
            log_entry_model.objects.filter(content_type=new).update(content_type=old)
            new.delete()
        old.app_label = new_label
        old.save(update_fields=["app_label"])


def to_alerts(apps, schema_editor):
    _relabel_content_types(apps, "orders", "alerts")
    apps.get_model("django_q", "Schedule").objects.filter(func=OLD_SEND_TASK).update(
        func=NEW_SEND_TASK)


def back_to_orders(apps, schema_editor):
    _relabel_content_types(apps, "alerts", "orders")
    apps.get_model("django_q", "Schedule").objects.filter(func=NEW_SEND_TASK).update(
        func=OLD_SEND_TASK)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0005_deadline_defaults_and_sweep_schedule'),
        ('alerts', '0001_initial'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='alertdelivery',
                name='alert',
            ),
            migrations.RemoveField(
                model_name='alertevent',
                name='alert',
            ),
            migrations.RemoveField(
                model_name='alertdelivery',
                name='target',
            ),
            migrations.RemoveField(
                model_name='alertevent',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='escalationstep',
                name='recipients',
            ),
            migrations.RemoveField(
                model_name='historicalescalationstep',
                name='history_user',
            ),
            migrations.DeleteModel(
                name='Alert',
            ),
            migrations.DeleteModel(
                name='AlertDelivery',
            ),
            migrations.DeleteModel(
                name='AlertEvent',
            ),
            migrations.DeleteModel(
                name='EscalationStep',
            ),
            migrations.DeleteModel(
                name='NotificationTarget',
            ),
            migrations.DeleteModel(
                name='HistoricalEscalationStep',
            ),
        ]),
        migrations.RunPython(to_alerts, back_to_orders),
    ]
