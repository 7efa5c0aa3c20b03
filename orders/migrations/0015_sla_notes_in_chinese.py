"""The default SLA steps' notes, written in English by 0005, read in Chinese (the staff's
language): a note still as 0005 wrote it is rewritten; one staff edited is left alone.

The texts are copied here, not imported, so that this migration keeps meaning what it meant.
"""
from django.db import migrations

NOTES = {
    # step: (what 0005 wrote, what staff read)
    "payment_confirmed": ("Payment confirmed and released to the warehouse.",
                          "确认付款并下发仓库。"),
    "picking": ("Picking.", "仓库拣货。"),
    "packing": ("Packing and weighing.", "打包并称重。"),
    "label": ("Label printed once packed (both end with print_label).",
              "打包后打印面单（打包和打印面单两步都在打印面单时结束）。"),
    "handover": ("The courier collects the labelled parcel.", "快递员揽收已贴面单的包裹。"),
}


def rewrite(apps, schema_editor, *, forward: bool):
    policy_model = apps.get_model("orders", "SlaPolicy")
    for step, (english, chinese) in NOTES.items():
        old, new = (english, chinese) if forward else (chinese, english)
        policy_model.objects.filter(step=step, channel__isnull=True, note=old).update(note=new)


class Migration(migrations.Migration):
    dependencies = [("orders", "0014_lean_indexes_for_ingestion")]

    operations = [
        migrations.RunPython(lambda apps, editor: rewrite(apps, editor, forward=True),
                             lambda apps, editor: rewrite(apps, editor, forward=False)),
    ]
