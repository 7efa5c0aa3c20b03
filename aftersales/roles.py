"""What each staff role may do on after-sales cases (merged by ``orderhub.core.roles``)."""
from __future__ import annotations

_VIEW = ["aftersales.view_case", "aftersales.view_caseline", "aftersales.view_reasonphrase",
         "aftersales.view_teamroute", "aftersales.view_returnrisk"]
_RULES = [f"aftersales.{action}_{model}" for model in ("reasonphrase", "teamroute")
          for action in ("add", "change", "delete")]

ROLES: dict[str, list[str]] = {
    # 客服 answers the cases: opens, approves, rejects, refunds, resends, closes.
    "customer_service": _VIEW + ["aftersales.add_case", "aftersales.change_case",
                                 "aftersales.answer_case", "aftersales.view_casedelivery"],
    # 仓库 receives and inspects returns.
    "warehouse": _VIEW + ["aftersales.inspect_return"],
    # 运营 keeps the phrase table and the routes, and answers cases when needed.
    "operations": _VIEW + _RULES + ["aftersales.answer_case", "aftersales.view_casedelivery"],
    # 财务 confirms refunds against the statements.
    "finance": _VIEW + ["aftersales.confirm_refund"],
    # 经理 everything.
    "manager": _VIEW + _RULES + [
        "aftersales.add_case", "aftersales.change_case", "aftersales.answer_case",
        "aftersales.inspect_return", "aftersales.confirm_refund",
        "aftersales.view_casedelivery", "aftersales.view_historicalcase"],
    # Integrators read cases and post platform payloads (with orders.add_order).
    "integrator": ["aftersales.view_case", "aftersales.view_caseline",
                   "aftersales.view_returnrisk"],
}
