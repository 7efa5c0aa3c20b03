"""The finance permissions the services, the API and the admin check (roles in finance/roles.py)."""
from __future__ import annotations

from orderhub.core.errors import PermissionRefused

VIEW = "finance.view_statement"
IMPORT = "finance.import_statement"
EXPORT = "finance.export_finance"
REVIEW = "finance.review_statementline"
RECORD_INVOICE = "finance.add_invoice"
CHANGE_COST = "finance.change_ordercost"

_WHAT = {
    VIEW: "see finance data",
    IMPORT: "import payment statements",
    EXPORT: "export finance reports",
    REVIEW: "confirm or resolve statement lines",
    RECORD_INVOICE: "record invoices",
    CHANGE_COST: "change order costs",
}


def require(actor, permission: str) -> None:
    """Refuse (403) an actor whose role lacks ``permission``; ``None`` is the hub itself."""
    if actor is None:
        return
    if not actor.has_perm(permission):
        raise PermissionRefused(
            f"Your role may not {_WHAT.get(permission, permission)} "
            f"(needs permission '{permission}'; only finance and managers have it)."
        )
