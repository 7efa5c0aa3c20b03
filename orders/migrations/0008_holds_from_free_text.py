"""Holds become records: every open free-text hold becomes ``Hold`` rows, then the text goes.

Until now a held order carried one ``hold_reason``, several reasons joined by " / ", and code
recognised its own by the words they started with. Each part becomes a hold with its source
(and the key by which that source lifts it), placed when the order's history last recorded a
hold, by whoever recorded it. Going back joins the open holds into the text again (the
records of lifted holds are not kept then).
"""
from django.db import migrations

JOINER = " / "
CHANNEL_PREFIX = "[channel] "


def _source_and_key(part: str) -> tuple[str, str]:
    """What placed a hold, judged by the words the old code wrote."""
    if part.startswith(CHANNEL_PREFIX):
        if "the channel stops the order: " in part:
            return "channel", "channel:stop"
        if "receiver changed after the warehouse started" in part:
            return "channel", "channel:address"
        if "after the warehouse took it" in part:
            return "channel", "channel:cancel"
        return "channel", ""
    if part.startswith("out of stock: "):
        return "out_of_stock", "out_of_stock"
    if part.startswith("refund requested: "):
        return "refund_request", "refund_request"
    if part.startswith("address changed after picking started"):
        return "address_change", "address_change"
    return "person", ""


def holds_from_text(apps, schema_editor):
    order_model = apps.get_model("orders", "Order")
    hold_model = apps.get_model("orders", "Hold")
    history_model = apps.get_model("orders", "HistoricalOrder")
    holds = []
    for order in order_model.objects.filter(on_hold=True).only("id", "hold_reason", "updated_at"):
        placed = (history_model.objects.filter(id=order.id, history_change_reason__startswith="hold")
                  .order_by("-history_id").values_list("history_date", "history_user_id").first())
        placed_at, placed_by = placed or (order.updated_at, None)
        parts = [part.strip() for part in (order.hold_reason or "").split(JOINER) if part.strip()]
        seen_keys = set()
        for part in parts or ["(no reason was given)"]:
            source, key = _source_and_key(part)
            if key in seen_keys:
                key = ""
            seen_keys.add(key)
            reason = part.removeprefix(CHANNEL_PREFIX)[:255]
            holds.append(hold_model(order_id=order.id, source=source, key=key, reason=reason,
                                    placed_at=placed_at, placed_by_id=placed_by))
    hold_model.objects.bulk_create(holds, batch_size=1000)


def text_from_holds(apps, schema_editor):
    order_model = apps.get_model("orders", "Order")
    hold_model = apps.get_model("orders", "Hold")
    texts: dict[int, list[str]] = {}
    for hold in hold_model.objects.filter(released_at__isnull=True).order_by("id"):
        prefix = CHANNEL_PREFIX if hold.source == "channel" else ""
        texts.setdefault(hold.order_id, []).append(prefix + hold.reason)
    for order_id, parts in texts.items():
        order_model.objects.filter(pk=order_id).update(hold_reason=JOINER.join(parts)[:255])
    # The text is the record again; going forward once more makes the rows anew.
    hold_model.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_holds")]

    # Going back runs these in reverse: the field comes back (empty), then it is filled.
    operations = [
        migrations.RunPython(holds_from_text, text_from_holds),
        migrations.RemoveField(model_name="historicalorder", name="hold_reason"),
        migrations.RemoveField(model_name="order", name="hold_reason"),
    ]
