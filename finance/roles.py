"""Who sees finance data: only the finance role and managers (merged by core.roles.sync_roles).

Every other role gets nothing here, so the finance menus are hidden from it in the admin and
the finance API answers it 403.
"""
from __future__ import annotations

_VIEW = [
    "finance.view_statement", "finance.view_statementline", "finance.view_linereview",
    "finance.view_invoice", "finance.view_ordercost", "finance.view_channelfigure",
    "finance.view_consistencycheck",
]
_WORK = [
    "finance.import_statement", "finance.export_finance", "finance.review_statementline",
    "finance.add_invoice", "finance.change_ordercost",
]

ROLES: dict[str, list[str]] = {
    # 财务: imports statements, confirms differences, records invoices, exports reports.
    "finance": _VIEW + _WORK,
    # 经理: the same, to stand in for finance.
    "manager": _VIEW + _WORK,
}
