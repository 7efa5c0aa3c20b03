"""The staff roles (groups with permissions) and the channels of DESIGN.md section 2."""
from django.db import migrations

CHANNELS = [
    # code, abbreviation, name, platform, currency, skips_invoicing
    ("taobao", "TB", "淘宝店", "taobao", "CNY", False),
    ("tmall", "TM", "天猫旗舰店", "tmall", "CNY", False),
    ("jd", "JD", "京东POP店", "jd", "CNY", False),
    ("pdd", "PDD", "拼多多店", "pdd", "CNY", False),
    ("douyin", "DY", "抖店", "douyin", "CNY", False),
    ("miniprogram", "MP", "微信小程序商城", "miniprogram", "CNY", False),
    ("pos", "POS", "线下门店", "pos", "CNY", True),
    ("shopify", "SH", "Shopify Store", "shopify", "USD", True),
]


def create_roles(apps, schema_editor):
    from orderhub.core.roles import sync_roles

    sync_roles(apps, strict=False)


def create_channels(apps, schema_editor):
    channel_model = apps.get_model("orders", "Channel")
    for code, abbreviation, name, platform, currency, skips_invoicing in CHANNELS:
        channel_model.objects.get_or_create(
            code=code,
            defaults={
                "abbreviation": abbreviation, "name": name, "platform": platform,
                "currency": currency, "skips_invoicing": skips_invoicing,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]
    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(create_channels, migrations.RunPython.noop),
    ]
