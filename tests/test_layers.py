"""The arrows between the apps point one way (STYLE.md): project infrastructure (``orderhub``)
imports no domain app, and ``orders`` imports none of the apps downstream of it. An app that
must make another act records an event instead (``orderhub.events``)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = {"orders", "channels", "logistics", "finance", "aftersales"}
# Who may import whom: channels → orders → logistics/finance/aftersales read orders.
MAY_NOT_IMPORT = {
    "orderhub": DOMAIN_APPS,
    "channels": {"logistics", "finance", "aftersales"},
    "orders": DOMAIN_APPS - {"orders"},
    "logistics": {"channels", "finance", "aftersales"},
    "finance": {"channels", "logistics", "aftersales"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(MAY_NOT_IMPORT))
def test_no_module_imports_against_the_arrows(package):
    modules = sorted((ROOT / package).rglob("*.py"))
    assert len(modules) > 5  # the walk found the package
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & MAY_NOT_IMPORT[package])
        for path in modules
    }
    assert {name: apps for name, apps in offending.items() if apps} == {}
