"""Cross-border stores: the Amazon, Shopee and Lazada platforms, and the exchange rates finance
keeps (used only where amounts in several currencies are compared or added)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0009_metrics'),
    ]

    operations = [
        migrations.AlterField(
            model_name='channel',
            name='platform',
            field=models.CharField(choices=[('taobao', 'Taobao'), ('tmall', 'Tmall'), ('jd', 'JD'), ('pdd', 'Pinduoduo'), ('douyin', 'Douyin shop'), ('miniprogram', 'Own mini-program'), ('pos', 'Offline store (POS)'), ('shopify', 'Shopify'), ('amazon', 'Amazon'), ('shopee', 'Shopee'), ('lazada', 'Lazada')], max_length=20, verbose_name='platform'),
        ),
        migrations.CreateModel(
            name='ExchangeRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('currency', models.CharField(help_text='ISO 4217 code, e.g. USD.', max_length=3, verbose_name='currency')),
                ('yuan_per_unit', models.DecimalField(decimal_places=6, max_digits=14, verbose_name='yuan per unit')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('note', models.CharField(blank=True, help_text="Where the rate comes from, e.g. the bank's rate of the day.", max_length=200, verbose_name='source')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'exchange rate',
                'verbose_name_plural': 'exchange rates',
                'ordering': ['currency', '-valid_from'],
                'constraints': [models.UniqueConstraint(fields=('currency', 'valid_from'), name='uniq_exchange_rate_day'), models.CheckConstraint(condition=models.Q(('yuan_per_unit__gt', 0)), name='exchange_rate_positive')],
            },
        ),
    ]
