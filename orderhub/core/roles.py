"""Staff roles: one Django group each, with the permissions the role needs.

Each app declares what every role may do in its own ``<app>/roles.py`` as
``ROLES = {"warehouse": ["logistics.view_stock", ...], ...}``; :func:`sync_roles` merges them.
The role names are fixed (``ROLE_NAMES``). The admin and the API check permissions
(``user.has_perm``), never group names, so a seller can adjust a role in the admin
(Authentication → Groups). ``sync_roles`` only adds what is missing: it never takes away a
permission that staff granted by hand.
"""
from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.utils.translation import gettext_lazy as _

ROLE_NAMES = ("customer_service", "warehouse", "operations", "finance", "manager", "integrator")
# How staff read the role names (the groups' names are these codes).
ROLE_LABELS = {
    "customer_service": _("Customer service"), "warehouse": _("Warehouse"),
    "operations": _("Operations"), "finance": _("Finance"), "manager": _("Manager"),
    "integrator": _("Integrator"),
}


def declared_roles() -> dict[str, list[str]]:
    """Every installed app's ``roles.ROLES``, merged per role."""
    merged: dict[str, list[str]] = {name: [] for name in ROLE_NAMES}
    for app_config in global_apps.get_app_configs():
        module_name = f"{app_config.name}.roles"
        if importlib.util.find_spec(module_name) is None:
            continue
        for role, names in getattr(importlib.import_module(module_name), "ROLES", {}).items():
            if role not in merged:
                raise LookupError(f"{module_name} names an unknown role {role!r}.")
            merged[role].extend(names)
    return merged


def sync_roles(
    apps=global_apps, roles: dict[str, list[str]] | None = None, *, strict: bool = True
) -> None:
    """Create the role groups and grant them their permissions (idempotent, additive).

    Migrations call it with ``strict=False``: a permission whose model a later migration
    creates is granted by the ``post_migrate`` run at the end of ``migrate``, which is strict
    so that a typo in a ``ROLES`` table fails loudly.
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
    for role, names in (roles if roles is not None else declared_roles()).items():
        group, _created = group_model.objects.get_or_create(name=role)
        wanted = {tuple(name.split(".", 1)) for name in names}
        if not wanted:
            continue
        found = permission_model.objects.filter(
            content_type__app_label__in={app for app, _ in wanted},
            codename__in={codename for _, codename in wanted},
        ).select_related("content_type")
        by_key = {(p.content_type.app_label, p.codename): p for p in found}
        missing = wanted - by_key.keys()
        if missing and strict:
            raise LookupError(f"Role {role!r} names unknown permissions: {sorted(missing)}")
        group.permissions.add(*(by_key[key] for key in wanted if key in by_key))
