"""The alerts' models, until now the orders app's, with their rows: nothing is created.

The tables exist (orders migrations 0003 and 0004 made them): the models enter this app's
state as they stand there (``SeparateDatabaseAndState``), then the tables take this app's names
(``AlterModelTable``: a rename, the rows stay; the recipients' many-to-many table is renamed
with its model), and the history table's date index its name. Orders migration 0006 then
removes them from the orders app's state and hands their permissions over. Reversible: going
back renames the tables to ``orders_*`` again.

Depends on orders because the tables were made there and ``Alert.order`` points at an order.
"""
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('orders', '0005_deadline_defaults_and_sweep_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='NotificationTarget',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('transport', models.CharField(choices=[('email', 'E-mail'), ('dingtalk', 'DingTalk robot'), ('feishu', 'Feishu robot'), ('wecom', 'WeCom robot')], max_length=20, verbose_name='transport')),
                    ('team', models.CharField(blank=True, choices=[('customer_service', 'Customer service'), ('warehouse', 'Warehouse'), ('operations', 'Operations'), ('finance', 'Finance')], help_text="Set for a team lead's channel: the team's level-1 alerts go here.", max_length=30, verbose_name='lead of team')),
                    ('email_to', models.CharField(blank=True, help_text='Comma-separated.', max_length=500, verbose_name='e-mail addresses')),
                    ('webhook_url', models.URLField(blank=True, max_length=500, verbose_name='robot webhook URL')),
                    ('secret', models.CharField(blank=True, help_text='DingTalk (SEC…) and Feishu signature secrets; WeCom robots have none.', max_length=200, verbose_name='signing secret')),
                    ('mention_mobiles', models.CharField(blank=True, help_text='Comma-separated mobile numbers to @ in DingTalk and WeCom messages.', max_length=300, verbose_name='mention mobiles')),
                    ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ],
                options={
                    'db_table': 'orders_notificationtarget',
                    'verbose_name': 'notification target',
                    'verbose_name_plural': 'notification targets',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Alert',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                    ('key', models.CharField(max_length=200, verbose_name='key')),
                    ('kind', models.CharField(max_length=50, verbose_name='kind')),
                    ('level', models.SmallIntegerField(choices=[(1, 'Team lead'), (2, 'Operations director'), (3, 'Owner')], default=1, verbose_name='level')),
                    ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved')], default='open', max_length=20, verbose_name='status')),
                    ('team', models.CharField(blank=True, max_length=50, verbose_name='responsible team')),
                    ('title', models.CharField(max_length=200, verbose_name='title')),
                    ('message', models.TextField(blank=True, verbose_name='message')),
                    ('data', models.JSONField(blank=True, default=dict, verbose_name='data')),
                    ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged at')),
                    ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved at')),
                    ('resolution', models.CharField(blank=True, max_length=255, verbose_name='resolution')),
                    ('raised_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='raised at')),
                    ('next_escalation_at', models.DateTimeField(blank=True, null=True, verbose_name='next escalation at')),
                    ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='acknowledged by')),
                    ('order', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='orders.order', verbose_name='order')),
                    ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='resolved by')),
                ],
                options={
                    'db_table': 'orders_alert',
                    'verbose_name': 'alert',
                    'verbose_name_plural': 'alerts',
                    'ordering': ['-id'],
                },
            ),
            migrations.CreateModel(
                name='AlertEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('raised', 'Raised'), ('escalated', 'Escalated'), ('notified', 'Notified'), ('delivery_failed', 'Delivery failed'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved')], max_length=20, verbose_name='event')),
                    ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='at')),
                    ('level', models.SmallIntegerField(choices=[(1, 'Team lead'), (2, 'Operations director'), (3, 'Owner')], verbose_name='level')),
                    ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                    ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='alerts.alert', verbose_name='alert')),
                ],
                options={
                    'db_table': 'orders_alertevent',
                    'verbose_name': 'alert event',
                    'verbose_name_plural': 'alert events',
                    'ordering': ['alert', 'id'],
                },
            ),
            migrations.CreateModel(
                name='HistoricalEscalationStep',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                    ('kind', models.CharField(blank=True, help_text='e.g. sla, ship_by, low_stock. Empty: the ladder of every kind without a ladder of its own.', max_length=50, verbose_name='alert kind')),
                    ('level', models.SmallIntegerField(choices=[(1, 'Team lead'), (2, 'Operations director'), (3, 'Owner')], verbose_name='level')),
                    ('after_minutes', models.PositiveIntegerField(default=0, verbose_name='minutes after the alert was raised')),
                    ('to_team_lead', models.BooleanField(default=False, help_text="Also notify the targets marked as lead of the alert's team.", verbose_name="to the responsible team's lead")),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField()),
                    ('history_change_reason', models.TextField(null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'orders_historicalescalationstep',
                    'verbose_name': 'historical escalation step',
                    'verbose_name_plural': 'historical escalation ladder',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='EscalationStep',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(blank=True, help_text='e.g. sla, ship_by, low_stock. Empty: the ladder of every kind without a ladder of its own.', max_length=50, verbose_name='alert kind')),
                    ('level', models.SmallIntegerField(choices=[(1, 'Team lead'), (2, 'Operations director'), (3, 'Owner')], verbose_name='level')),
                    ('after_minutes', models.PositiveIntegerField(default=0, verbose_name='minutes after the alert was raised')),
                    ('to_team_lead', models.BooleanField(default=False, help_text="Also notify the targets marked as lead of the alert's team.", verbose_name="to the responsible team's lead")),
                    ('recipients', models.ManyToManyField(blank=True, related_name='escalation_steps', to='alerts.notificationtarget', verbose_name='recipients')),
                ],
                options={
                    'db_table': 'orders_escalationstep',
                    'verbose_name': 'escalation step',
                    'verbose_name_plural': 'escalation ladder',
                    'ordering': ['kind', 'level'],
                },
            ),
            migrations.CreateModel(
                name='AlertDelivery',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('level', models.SmallIntegerField(choices=[(1, 'Team lead'), (2, 'Operations director'), (3, 'Owner')], verbose_name='level')),
                    ('transport', models.CharField(choices=[('email', 'E-mail'), ('dingtalk', 'DingTalk robot'), ('feishu', 'Feishu robot'), ('wecom', 'WeCom robot')], max_length=20, verbose_name='transport')),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed (gave up)')], default='pending', max_length=10, verbose_name='status')),
                    ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                    ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt at')),
                    ('last_error', models.TextField(blank=True, verbose_name='last error')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                    ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                    ('alert', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='alerts.alert', verbose_name='alert')),
                    ('target', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='alerts.notificationtarget', verbose_name='target')),
                ],
                options={
                    'db_table': 'orders_alertdelivery',
                    'verbose_name': 'alert delivery',
                    'verbose_name_plural': 'alert deliveries',
                    'ordering': ['-id'],
                },
            ),
            migrations.AddIndex(
                model_name='alert',
                index=models.Index(fields=['status', '-id'], name='alert_status_idx'),
            ),
            migrations.AddIndex(
                model_name='alert',
                index=models.Index(fields=['order', '-id'], name='alert_order_idx'),
            ),
            migrations.AddIndex(
                model_name='alert',
                index=models.Index(condition=models.Q(('next_escalation_at__isnull', False)), fields=['next_escalation_at'], name='alert_escalation_due_idx'),
            ),
            migrations.AddConstraint(
                model_name='alert',
                constraint=models.UniqueConstraint(fields=('key',), name='uniq_alert_key'),
            ),
            migrations.AddIndex(
                model_name='historicalescalationstep',
                index=models.Index(fields=['history_date', 'id'], name='orders_hist_history_c3bd28_idx'),
            ),
            migrations.AddConstraint(
                model_name='escalationstep',
                constraint=models.UniqueConstraint(fields=('kind', 'level'), name='uniq_escalation_kind_level'),
            ),
            migrations.AddIndex(
                model_name='alertdelivery',
                index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='delivery_due_idx'),
            ),
            migrations.AddConstraint(
                model_name='alertdelivery',
                constraint=models.UniqueConstraint(fields=('alert', 'target', 'level'), name='uniq_delivery_alert_target_level'),
            ),
        ]),
        migrations.AlterModelTable(name='alert', table=None),
        migrations.AlterModelTable(name='alertevent', table=None),
        migrations.AlterModelTable(name='alertdelivery', table=None),
        migrations.AlterModelTable(name='notificationtarget', table=None),
        migrations.AlterModelTable(name='escalationstep', table=None),
        migrations.AlterModelTable(name='historicalescalationstep', table=None),
        migrations.RenameIndex(
            model_name='historicalescalationstep',
            new_name='alerts_hist_history_264666_idx',
            old_name='orders_hist_history_c3bd28_idx',
        ),
    ]
