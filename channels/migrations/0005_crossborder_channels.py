"""Cross-border stores: the Amazon, Shopee and Lazada channels (each with its endpoint, hub
signature scheme, no secret: set it in the admin), their buyer identities, and the kept parts
of orders that arrive in two calls (Amazon, Lazada), and the API access's platform settings and
signing secret (Amazon's marketplace and SigV4 key, Shopee's shop). Idempotent: existing rows
are kept."""

import django.core.serializers.json
import django.db.models.deletion
from django.db import migrations, models

CHANNELS = [
    # code, abbreviation, name, platform, the shop's currency; marketplaces invoice themselves
    ("amazon", "AMZ", "Amazon Store", "amazon", "USD"),
    ("shopee", "SHP", "Shopee Shop", "shopee", "SGD"),
    ("lazada", "LZD", "Lazada Shop", "lazada", "MYR"),
]


def create_channels(apps, schema_editor):
    channel_model = apps.get_model("orders", "Channel")
    endpoint_model = apps.get_model("channels", "ChannelEndpoint")
    for code, abbreviation, name, platform, currency in CHANNELS:
        channel, _created = channel_model.objects.get_or_create(
            code=code, defaults={"abbreviation": abbreviation, "name": name,
                                 "platform": platform, "currency": currency,
                                 "skips_invoicing": True},
        )
        endpoint_model.objects.get_or_create(channel=channel, defaults={"scheme": "hub"})


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0004_writeback'),
        ('orders', '0010_crossborder_platforms_rates'),
    ]

    operations = [
        migrations.AlterField(
            model_name='customeridentity',
            name='kind',
            field=models.CharField(choices=[('phone', 'Phone'), ('taobao_open_uid', 'Taobao/Tmall buyer_open_uid'), ('jd_open_id', 'JD buyer open id'), ('pdd_open_id', 'Pinduoduo buyer id'), ('douyin_open_id', 'Douyin doudian_open_id'), ('wechat_openid', 'WeChat OpenID'), ('wechat_unionid', 'WeChat UnionID'), ('shopify_customer', 'Shopify customer id'), ('amazon_buyer', 'Amazon buyer (BuyerEmail)'), ('shopee_buyer', 'Shopee buyer_user_id'), ('lazada_buyer', 'Lazada buyer_id'), ('pos_member', 'Store member number'), ('device', 'Device fingerprint')], max_length=20, verbose_name='kind'),
        ),
        migrations.CreateModel(
            name='ChannelOrderPart',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel_order_no', models.CharField(max_length=64, verbose_name='channel order number')),
                ('kind', models.CharField(choices=[('order', 'order (header)'), ('items', 'items')], max_length=5, verbose_name='part')),
                ('payload', models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='payload')),
                ('received_at', models.DateTimeField(auto_now=True, verbose_name='received at')),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orders.channel', verbose_name='channel')),
                ('delivery', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='channels.delivery', verbose_name='delivery')),
            ],
            options={
                'verbose_name': 'channel order part',
                'verbose_name_plural': 'channel order parts',
                'constraints': [models.UniqueConstraint(fields=('channel', 'channel_order_no', 'kind'), name='uniq_channel_order_part')],
            },
        ),
        migrations.AddField(
            model_name='channelapiaccess',
            name='platform_settings',
            field=models.JSONField(blank=True, default=dict, help_text='Parameters of the platform that are no secret. Amazon: {"marketplace_id": "ATVPDKIKX0DER", "aws_region": "us-east-1", "aws_access_key_id": "…"}; Shopee: {"shop_id": "…"}.', verbose_name='platform settings'),
        ),
        migrations.AddField(
            model_name='channelapiaccess',
            name='signing_secret',
            field=models.CharField(blank=True, help_text="A second secret where the platform signs with one: Amazon's AWS secret access key (SigV4).", max_length=255, verbose_name='signing secret'),
        ),
        migrations.AlterField(
            model_name='channelapiaccess',
            name='access_token',
            field=models.CharField(blank=True, help_text="The shop's authorisation: TOP session, JOS/Pinduoduo/抖店 access_token, Shopify Admin API access token, Amazon LWA refresh token, Shopee/Lazada access_token.", max_length=1024, verbose_name='access token'),
        ),
        migrations.AlterField(
            model_name='channelapiaccess',
            name='app_key',
            field=models.CharField(blank=True, help_text='TOP app_key, JOS app_key, Pinduoduo client_id, 抖店 app_key, Amazon LWA client id, Shopee partner_id, Lazada app_key.', max_length=128, verbose_name='app key'),
        ),
    
        migrations.RunPython(create_channels, migrations.RunPython.noop),
    ]
