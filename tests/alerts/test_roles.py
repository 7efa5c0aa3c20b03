"""Every role keeps the alert inbox it had inside orders, now under the ``alerts`` label (that
the alerts app imports no domain app is held by tests/test_layers.py)."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

INBOX = {"alerts.view_alert", "alerts.change_alert", "alerts.view_alertevent",
         "alerts.view_alertdelivery"}


@pytest.mark.django_db
def test_every_role_has_the_inbox_and_only_operations_and_managers_the_ladders():
    abilities = {
        group.name: {f"{p.content_type.app_label}.{p.codename}"
                     for p in group.permissions.filter(content_type__app_label="alerts")
                     .select_related("content_type")}
        for group in Group.objects.all()
    }
    for role in ("customer_service", "warehouse", "finance", "integrator"):
        assert abilities[role] == INBOX
    for role in ("operations", "manager"):
        assert INBOX | {"alerts.change_alertdelivery", "alerts.add_escalationstep",
                        "alerts.delete_notificationtarget"} <= abilities[role]
        assert len(abilities[role]) == len(INBOX) + 1 + 8
