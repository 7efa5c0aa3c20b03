"""The free-text holds of an existing database become hold records (migration 0008), and going
back joins the open holds into the text again."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orders", "0007_holds")]
AFTER = [("orders", "0008_holds_from_free_text")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _whole_schema_afterwards():
    """Going back to orders 0007 also unapplies what depends on later orders migrations (other
    apps' tables and columns); every app is migrated forward again for the tests that follow."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_free_text_holds_become_records_with_their_source_and_back():
    # given the database as it was: a held order whose reason joins three holds with " / "
    apps = migrate(BEFORE)
    channel = apps.get_model("orders", "Channel").objects.create(
        code="mig", abbreviation="MIG", name="Migration shop", platform="jd")
    order_model = apps.get_model("orders", "Order")
    text = ("[channel] jd delivery #7: the channel stops the order: JD: order locked (LOCKED) / "
            "out of stock: SKU A (needs 2, 0 available) / call the buyer first")
    held = order_model.objects.create(hub_no="MIG2026010100001", channel=channel,
                                      channel_order_no="1", status="paid", on_hold=True,
                                      hold_reason=text)
    order_model.objects.create(hub_no="MIG2026010100002", channel=channel,
                               channel_order_no="2", status="paid")

    # when the migration runs
    apps = migrate(AFTER)

    # then each part is a hold of its own, with the source that placed it and its key
    holds = apps.get_model("orders", "Hold").objects.filter(order_id=held.pk).order_by("id")
    assert [(h.source, h.key, h.reason, h.released_at) for h in holds] == [
        ("channel", "channel:stop",
         "jd delivery #7: the channel stops the order: JD: order locked (LOCKED)", None),
        ("out_of_stock", "out_of_stock", "out of stock: SKU A (needs 2, 0 available)", None),
        ("person", "", "call the buyer first", None),
    ]
    assert apps.get_model("orders", "Hold").objects.count() == 3

    # and going back puts the same text back
    apps = migrate(BEFORE)
    assert apps.get_model("orders", "Order").objects.get(pk=held.pk).hold_reason == text
    migrate(AFTER)
