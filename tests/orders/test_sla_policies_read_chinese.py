"""The SLA policy list reads in Chinese: the default steps' notes (0015) and each step's state."""
from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from orders.models import SlaPolicy

pytestmark = pytest.mark.django_db
notes_migration = importlib.import_module("orders.migrations.0015_sla_notes_in_chinese")


def test_the_default_steps_notes_are_chinese_and_a_note_staff_wrote_is_kept():
    # after migrating, the defaults read in Chinese
    assert SlaPolicy.objects.get(step="picking", channel=None).note == "仓库拣货。"
    # a note staff edited is not rewritten either way
    SlaPolicy.objects.filter(step="picking", channel=None).update(note="早班 2 小时内拣完")
    notes_migration.rewrite(apps, None, forward=False)
    assert SlaPolicy.objects.get(step="picking", channel=None).note == "早班 2 小时内拣完"
    assert SlaPolicy.objects.get(step="packing", channel=None).note == "Packing and weighing."
    notes_migration.rewrite(apps, None, forward=True)
    assert SlaPolicy.objects.get(step="packing", channel=None).note == "打包并称重。"


def test_the_list_shows_each_steps_state_by_its_label():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "x"))
    html = client.get("/admin/orders/slapolicy/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<td class=\"field-state\">快递揽收</td>" in html
    assert "awaiting_pickup" not in html and "print_label" not in html
