"""Channel platforms: Amazon, Shopee and Lazada (the cross-border stores)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0008_holds_from_free_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='channel',
            name='platform',
            field=models.CharField(choices=[('taobao', 'Taobao'), ('tmall', 'Tmall'), ('jd', 'JD'), ('pdd', 'Pinduoduo'), ('douyin', 'Douyin shop'), ('miniprogram', 'Own mini-program'), ('pos', 'Offline store (POS)'), ('shopify', 'Shopify'), ('amazon', 'Amazon'), ('shopee', 'Shopee'), ('lazada', 'Lazada')], max_length=20, verbose_name='platform'),
        ),
    ]
