"""Who sees finance data: only the finance role and managers (merged by core.roles.sync_roles).

Every other role gets nothing here, so the finance menus are hidden from it in the admin and
the finance API answers it 403.
"""
from __future__ import annotations

_VIEW = [
    "finance.view_statement", "finance.view_statementline", "finance.view_linereview",
    "finance.view_invoice", "finance.view_ordercost", "finance.view_channelfigure",
    "finance.view_consistencycheck", "finance.view_feeceiling", "finance.view_expectedrefund",
]
_WORK = [
    "finance.import_statement", "finance.export_finance", "finance.review_statementline",
    "finance.add_invoice", "finance.change_ordercost",
    # The fee ceilings per channel (what a platform may take before a person looks).
    "finance.add_feeceiling", "finance.change_feeceiling", "finance.delete_feeceiling",
]

ROLES: dict[str, list[str]] = {
    # 财务: imports statements, confirms differences, records invoices, exports reports.
    "finance": _VIEW + _WORK,
    # 经理: the same, to stand in for finance.
    "manager": _VIEW + _WORK,
}
