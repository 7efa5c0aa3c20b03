"""The reason phrases a fresh hub starts with (operations edit them in the admin after), and
the every-minute sweep of after-sales deadlines."""

from django.db import migrations

SCHEDULE_NAME = "aftersales: answer deadline sweep"
SCHEDULE_FUNC = "aftersales.tasks.cases_sweep_task"

# A copy, not an import: a migration must not change when the code's defaults change.
PHRASES = {
    "wrong_item": (30, "发错 错发 寄错 发成 发的是 给我发了 不是我买的 不是我拍的 不是我要的 货不对 "
                       "型号不对 颜色不对 尺码不对 码数不对 款式不对 发的不对 送错 拿错 配错 搞错 错了货 "
                       "跟我买的不一样 和我买的不一样 和订单不一样 跟订单不一样 错款 错码 串货"),
    "missing_item": (30, "少发 漏发 少了 缺了 少一 少个 少件 少寄 漏寄 没发 缺件 缺少 只收到 只有一 "
                         "只发了 没收到 没有收到 收到空 空包 空盒 数量不对 数量不够 没有赠品 赠品没 配件没 "
                         "少配件 缺配件"),
    "damaged": (25, "破损 破了 裂 碎 压坏 摔坏 压扁 压烂 摔碎 变形 漏液 漏了 撒了 洒了 凹 烂了 包装坏 "
                    "外包装 磕坏 磕碰 划痕 刮花 撞坏 运输"),
    "quality": (20, "质量 起球 坏了 掉色 褪色 开线 脱线 脱胶 开胶 断了 异味 臭 故障 失灵 不能用 没法用 "
                    "用不了 不工作 开不了机 不开机 不亮 没反应 充不进 瑕疵 线头 做工 掉毛 缩水 生锈 发霉 "
                    "过期 变质 次品 残次 假货 劣质 毛病 有问题 不灵 卡顿 死机 没声音 漏水 漏电 不制冷 "
                    "不加热 噪音"),
    "not_as_described": (20, "不符 色差 与描述 和描述 跟描述 与图片 和图片 跟图片 图片不一样 实物 货不对板 "
                             "材质不对 不是纯棉 不是真皮 虚假宣传 宣传 夸大 尺寸不对 偏小 偏大 太小 太大 "
                             "比图 跟详情 和详情 与详情 与页面 跟页面 和页面 描述不一样 名不副实 缩水严重"),
    "no_longer_wanted": (10, "不想要 不要了 拍错 多拍 拍多 买错 买多 不需要 用不上 用不到 七天无理由 "
                             "7天无理由 无理由 不喜欢 不合适 不适合 改主意 后悔 冲动 买贵 降价 便宜 地址填错 "
                             "信息填错 重复下单 下错单 不想买 不太想要 家人不让 已经买了 别处买 送人不要"),
}


def install(apps, schema_editor):
    phrase_model = apps.get_model("aftersales", "ReasonPhrase")
    for category, (weight, words) in PHRASES.items():
        for word in words.split():
            phrase_model.objects.get_or_create(phrase=word, defaults={
                "category": category, "weight": weight})
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SCHEDULE_FUNC, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("aftersales", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, remove)]
