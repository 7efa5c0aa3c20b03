"""Shipping write-back: the channels' API access, write-backs and their attempts, and the
every-minute write-back sweep (sends what is due, alerts near the ship-by deadline)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SCHEDULE_NAME = "channels: shipping write-back sweep"
SCHEDULE_FUNC = "channels.writeback.tasks.writebacks_sweep"


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SCHEDULE_FUNC, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ('channels', '0003_webhook_secret_help'),
        ('orders', '0008_holds_from_free_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ChannelApiAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('writeback_enabled', models.BooleanField(default=True, help_text="Off: shipped orders of this channel are not confirmed to it (e.g. the seller's ERP does it).", verbose_name='confirm shipments to the channel')),
                ('base_url', models.URLField(blank=True, help_text="Empty: the platform's production gateway. Shopify: https://{shop}.myshopify.com.", max_length=255, verbose_name='API address')),
                ('app_key', models.CharField(blank=True, help_text='TOP app_key, JOS app_key, Pinduoduo client_id, 抖店 app_key.', max_length=128, verbose_name='app key')),
                ('app_secret', models.CharField(blank=True, max_length=255, verbose_name='app secret')),
                ('access_token', models.CharField(blank=True, help_text="The shop's authorisation: TOP session, JOS/Pinduoduo/抖店 access_token, Shopify Admin API access token.", max_length=1024, verbose_name='access token')),
                ('carrier_codes', models.JSONField(blank=True, default=dict, help_text='The platform\'s code for a hub carrier code where this shop\'s account differs from the built-in table, e.g. {"JTEXPRESS": "384"}.', verbose_name='carrier codes')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('channel', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='api_access', to='orders.channel', verbose_name='channel')),
            ],
            options={
                'verbose_name': 'channel API access',
                'verbose_name_plural': 'channel API access',
                'ordering': ['channel__code'],
            },
        ),
        migrations.CreateModel(
            name='WriteBack',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('carrier', models.CharField(help_text="The hub's carrier code (SF, ZTO, …), or the carrier's name as given when it is none of them.", max_length=64, verbose_name='carrier')),
                ('carrier_given', models.CharField(blank=True, max_length=64, verbose_name='carrier as given')),
                ('tracking_no', models.CharField(blank=True, max_length=64, verbose_name='tracking number')),
                ('shipment_ref', models.CharField(blank=True, max_length=64, verbose_name='shipment')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent, answer awaited'), ('confirmed', 'Confirmed by the channel'), ('failed', 'Failed'), ('not_needed', 'Not needed')], default='pending', max_length=12, verbose_name='status')),
                ('reason', models.CharField(blank=True, choices=[('no_confirmation', 'The channel takes no shipping confirmation'), ('writeback_off', 'Write-back is off for this channel (no API access)'), ('channel_reported_shipped', 'The channel itself reports the order shipped'), ('already_confirmed', 'Another tracking number of the order is confirmed already'), ('no_tracking_no', 'The order has no tracking number'), ('timeout', 'The platform did not answer in time'), ('unreachable', 'The platform could not be reached'), ('server_error', 'The platform answered with a server error'), ('rate_limited', 'The platform limits the calls for now'), ('platform_busy', 'The platform is busy or failed internally'), ('bad_answer', "The platform's answer could not be read"), ('answer_lost', 'The sender stopped before the answer was recorded'), ('credentials', "The platform refused the channel's API credentials"), ('unknown_carrier', 'No platform code is known for the carrier'), ('carrier_refused', 'The platform refused the carrier code'), ('already_shipped', 'The platform says the order is shipped already'), ('order_not_shippable', 'The platform will not ship the order (cancelled, refunded or unknown)'), ('invalid_request', "The platform refused the request's parameters"), ('platform_refused', 'The platform refused the confirmation')], max_length=32, verbose_name='reason')),
                ('platform_code', models.CharField(blank=True, max_length=120, verbose_name="platform's error code")),
                ('platform_message', models.CharField(blank=True, max_length=500, verbose_name="platform's message")),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('answer_excerpt', models.TextField(blank=True, verbose_name="platform's answer (excerpt)")),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                ('last_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='last attempt')),
                ('ship_by', models.DateTimeField(blank=True, null=True, verbose_name='promised ship-by')),
                ('deadline_alerted_at', models.DateTimeField(blank=True, null=True, verbose_name='deadline alert raised at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='confirmed at')),
                ('retried_at', models.DateTimeField(blank=True, null=True, verbose_name='retried at')),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orders.channel', verbose_name='channel')),
                ('order', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='writebacks', to='orders.order', verbose_name='order')),
                ('retried_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='retried by')),
            ],
            options={
                'verbose_name': 'shipping write-back',
                'verbose_name_plural': 'shipping write-backs',
                'ordering': ['-id'],
                'permissions': [('retry_writeback', 'Can retry shipping write-backs')],
            },
        ),
        migrations.CreateModel(
            name='WriteBackAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(verbose_name='attempt')),
                ('started_at', models.DateTimeField(verbose_name='started at')),
                ('duration_ms', models.PositiveIntegerField(default=0, verbose_name='duration (ms)')),
                ('verdict', models.CharField(max_length=20, verbose_name='outcome')),
                ('reason', models.CharField(blank=True, choices=[('no_confirmation', 'The channel takes no shipping confirmation'), ('writeback_off', 'Write-back is off for this channel (no API access)'), ('channel_reported_shipped', 'The channel itself reports the order shipped'), ('already_confirmed', 'Another tracking number of the order is confirmed already'), ('no_tracking_no', 'The order has no tracking number'), ('timeout', 'The platform did not answer in time'), ('unreachable', 'The platform could not be reached'), ('server_error', 'The platform answered with a server error'), ('rate_limited', 'The platform limits the calls for now'), ('platform_busy', 'The platform is busy or failed internally'), ('bad_answer', "The platform's answer could not be read"), ('answer_lost', 'The sender stopped before the answer was recorded'), ('credentials', "The platform refused the channel's API credentials"), ('unknown_carrier', 'No platform code is known for the carrier'), ('carrier_refused', 'The platform refused the carrier code'), ('already_shipped', 'The platform says the order is shipped already'), ('order_not_shippable', 'The platform will not ship the order (cancelled, refunded or unknown)'), ('invalid_request', "The platform refused the request's parameters"), ('platform_refused', 'The platform refused the confirmation')], max_length=32, verbose_name='reason')),
                ('http_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='HTTP status')),
                ('platform_code', models.CharField(blank=True, max_length=120, verbose_name="platform's error code")),
                ('platform_message', models.CharField(blank=True, max_length=500, verbose_name="platform's message")),
                ('detail', models.TextField(blank=True, verbose_name='detail')),
                ('excerpt', models.TextField(blank=True, verbose_name="platform's answer (excerpt)")),
                ('writeback', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempt_log', to='channels.writeback', verbose_name='write-back')),
            ],
            options={
                'verbose_name': 'write-back attempt',
                'verbose_name_plural': 'write-back attempts',
                'ordering': ['id'],
            },
        ),
        migrations.AddIndex(
            model_name='writeback',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'sent'])), fields=['next_attempt_at', 'id'], name='writeback_due_idx'),
        ),
        migrations.AddIndex(
            model_name='writeback',
            index=models.Index(condition=models.Q(('deadline_alerted_at__isnull', True), ('ship_by__isnull', False), ('status__in', ['pending', 'sent', 'failed'])), fields=['ship_by', 'id'], name='writeback_deadline_idx'),
        ),
        migrations.AddIndex(
            model_name='writeback',
            index=models.Index(fields=['status', '-id'], name='writeback_status_idx'),
        ),
        migrations.AddConstraint(
            model_name='writeback',
            constraint=models.UniqueConstraint(fields=('order', 'tracking_no'), name='uniq_writeback'),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
