"""Logistics permissions per role, and the shipped schedules and defaults."""
from __future__ import annotations

import pytest
from django_q.models import Schedule

from logistics.models import FulfilmentSettings, Warehouse
from logistics.services.fulfilment import fulfilment_process, fulfilment_retry
from orderhub.core.errors import PermissionRefused

pytestmark = pytest.mark.django_db

PERMISSIONS = {
    "logistics.import_stock": {"warehouse", "manager", "integrator"},
    "logistics.export_stock": {"warehouse", "operations", "manager", "integrator"},
    "logistics.change_fulfilmentrule": {"operations", "manager"},
    "logistics.retry_fulfilment": {"warehouse", "operations", "manager"},
    "logistics.view_fulfilmentdecision": {"customer_service", "warehouse", "operations",
                                          "manager"},
    "logistics.view_pickingqueueentry": {"warehouse", "operations", "manager"},
    "logistics.view_parcel": {"customer_service", "warehouse", "operations", "finance",
                              "manager"},
}
ROLES = ["customer_service", "warehouse", "operations", "finance", "manager", "integrator"]


@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
def test_each_role_has_exactly_the_logistics_permissions_it_needs(make_user, permission):
    holders = {role for role in ROLES if make_user(role).has_perm(permission)}
    assert holders == PERMISSIONS[permission]


def test_retry_needs_its_permission(make_user, paid_order, only_warehouse, stocked,
                                    no_default_rules):
    stocked(only_warehouse(), "SKU-A", 1)
    order = paid_order({"SKU-A": 2})
    fulfilment_process(order_id=order.pk)
    with pytest.raises(PermissionRefused, match="logistics.retry_fulfilment"):
        fulfilment_retry(order_id=order.pk, actor=make_user("customer_service"))


def test_schedules_and_defaults_are_installed(db):
    schedules = dict(Schedule.objects.filter(name__startswith="logistics:")
                     .values_list("func", "minutes"))
    # (paid orders are decided by an event handler: there is no fulfilment sweep)
    assert schedules == {"logistics.tasks.stock_drift_sweep": 30,
                         "logistics.tasks.trace_alert_sweep": 15,
                         "logistics.tasks.kuaidi100_subscriptions_sweep": 5}
    assert sorted(Warehouse.objects.values_list("code", flat=True)) == ["BJ", "CD", "GZ", "SH"]
    settings = FulfilmentSettings.current()
    assert (settings.merge_min_orders, settings.merge_window_hours) == (3, 24)
