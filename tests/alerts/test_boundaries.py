"""The alerts app is infrastructure: no module of it imports a domain app, and every role keeps
the alert inbox it had inside orders (now under the ``alerts`` label)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

import orderhub.alerts

DOMAIN_APPS = {"orders", "channels", "logistics", "finance", "aftersales"}
INBOX = {"alerts.view_alert", "alerts.change_alert", "alerts.view_alertevent",
         "alerts.view_alertdelivery"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def domain_imports(package) -> tuple[int, dict[str, set[str]]]:
    """How many modules the package has, and the domain apps each offending one imports."""
    folder = Path(package.__file__).parent
    modules = sorted(folder.rglob("*.py"))
    offending = {str(path.relative_to(folder)): imported_roots(path) & DOMAIN_APPS
                 for path in modules}
    return len(modules), {name: apps for name, apps in offending.items() if apps}


def test_no_module_of_the_alerts_app_imports_a_domain_app():
    modules, offending = domain_imports(orderhub.alerts)
    assert modules > 10  # the walk found the app
    assert offending == {}


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
