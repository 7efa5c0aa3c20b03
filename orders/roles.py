"""Staff roles: one Django group each, with the permissions the role needs.

The admin and the API check these permissions (``user.has_perm``), never group names, so a
seller can adjust a role in the admin (Authentication → Groups). ``sync_roles`` only adds what
is missing: it never takes away a permission that staff granted by hand.
"""
from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

_VIEW_ORDERS = [
    "orders.view_order", "orders.view_orderline", "orders.view_giftorder",
    "orders.view_customer", "orders.view_product", "orders.view_productalias",
    "orders.view_channel", "orders.view_ordertag",
    # Every role has the alert inbox: it sees alerts and acknowledges or resolves them.
    "orders.view_alert", "orders.change_alert",
]
_ORDER_MOVES = [
    "orders.confirm_payment", "orders.review_risk", "orders.pick_order", "orders.pack_order",
    "orders.ship_order", "orders.deliver_order", "orders.invoice_order", "orders.settle_order",
    "orders.archive_order", "orders.close_order", "orders.cancel_order", "orders.refund_order",
    "orders.hold_order",
]

ROLES: dict[str, list[str]] = {
    # 客服: looks orders up, talks to buyers, intercepts and cancels.
    "customer_service": _VIEW_ORDERS + [
        "orders.change_order", "orders.change_customer", "orders.hold_order", "orders.cancel_order",
    ],
    # 仓库: picks, packs, labels and hands over; can hold an order that cannot ship.
    "warehouse": _VIEW_ORDERS + [
        "orders.pick_order", "orders.pack_order", "orders.ship_order", "orders.hold_order",
    ],
    # 运营: reviews risk, runs the order flow and keeps the catalogue and channels.
    "operations": _VIEW_ORDERS + [
        "orders.change_order", "orders.change_customer",
        "orders.add_product", "orders.change_product",
        "orders.add_productalias", "orders.change_productalias", "orders.delete_productalias",
        "orders.change_channel",
        "orders.confirm_payment", "orders.review_risk", "orders.deliver_order",
        "orders.archive_order", "orders.close_order", "orders.cancel_order", "orders.hold_order",
    ],
    # 财务: money in and out.
    "finance": _VIEW_ORDERS + [
        "orders.confirm_payment", "orders.invoice_order", "orders.settle_order",
        "orders.refund_order",
    ],
    # 经理: everything on orders.
    "manager": _VIEW_ORDERS + [
        "orders.add_order", "orders.change_order", "orders.change_customer",
        "orders.add_product", "orders.change_product",
        "orders.add_productalias", "orders.change_productalias", "orders.delete_productalias",
        "orders.add_channel", "orders.change_channel", "orders.view_historicalorder",
    ] + _ORDER_MOVES,
    # Integrators (ERP, WMS, the seller's own systems) through the API.
    "integrator": _VIEW_ORDERS + [
        "orders.add_order", "orders.change_order",
        "orders.confirm_payment", "orders.pick_order", "orders.pack_order", "orders.ship_order",
        "orders.deliver_order", "orders.invoice_order", "orders.cancel_order",
    ],
}


def sync_roles(
    apps=global_apps, roles: dict[str, list[str]] | None = None, *, strict: bool = True
) -> None:
    """Create the role groups and grant them their permissions (idempotent, additive).

    Migrations call it with ``strict=False``: a permission whose model a later migration
    creates is granted by the ``post_migrate`` run at the end of ``migrate``, which is strict
    so that a typo in ``ROLES`` fails loudly.
    """
    for app_config in apps.get_app_configs():
        # In a migration the app configs carry no models module, which create_permissions
        # needs to be set; restore it afterwards.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in (roles or ROLES).items():
        group, _created = group_model.objects.get_or_create(name=role)
        wanted = {tuple(name.split(".", 1)) for name in names}
        found = list(
            permission_model.objects.filter(
                content_type__app_label__in={app for app, _ in wanted},
                codename__in={codename for _, codename in wanted},
            ).select_related("content_type")
        )
        by_key = {(p.content_type.app_label, p.codename): p for p in found}
        missing = wanted - by_key.keys()
        if missing and strict:
            raise LookupError(f"Role {role!r} names unknown permissions: {sorted(missing)}")
        group.permissions.add(*(by_key[key] for key in wanted if key in by_key))
