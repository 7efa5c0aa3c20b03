"""Finance's alerts, raised through the hub's one alert mechanism (``orderhub.alerts``).

Keys make them idempotent: one alert per statement line and reason, one per channel, day and
figure source for the consistency check. Delivery and escalation (e-mail, chat robots, the
inbox) belong to the alerts app.
"""
from __future__ import annotations

from collections.abc import Iterable

from finance import texts
from finance.models import Cause, StatementLine
from orderhub.alerts.services import alert_raise

TEAM = "finance"

_TITLES = {
    Cause.CANCELLED_WITH_MONEY: texts.CANCELLED_WITH_MONEY,
    Cause.AMOUNT_MISMATCH: texts.AMOUNT_MISMATCH,
}


def line_alert_key(line: StatementLine, reason: str) -> str:
    return f"finance:{reason}:{line.line_key}"


def _line_data(line: StatementLine) -> dict:
    # The explanation is the alert's message (a stored text, read in the reader's language).
    return {
        "statement_line": line.pk,
        "statement": line.statement_id,
        "payment_serial_no": line.payment_serial_no,
        "merchant_order_no": line.merchant_order_no,
        "amount": str(line.amount),
    }


def alerts_for_lines(lines: Iterable[StatementLine]) -> int:
    """Raise the at-once alerts (money for a cancelled order, an unexplained amount)."""
    raised = 0
    for line in lines:
        title = _TITLES.get(line.cause)
        if title is None:
            continue
        _alert, created = alert_raise(
            key=line_alert_key(line, line.cause), kind=f"finance_{line.cause}",
            title=title.encode(order=line.order.hub_no if line.order else "?"),
            message=line.explanation, order=line.order, team=TEAM, data=_line_data(line),
        )
        raised += created
    return raised


def red_line_alert(line: StatementLine) -> bool:
    """The 2-hour escalation of a red line; ``True`` if the alert is new."""
    what = (
        line.order.hub_no
        if line.order
        else (line.payment_serial_no or line.merchant_order_no or line.line_key[:12])
    )
    _alert, created = alert_raise(
        key=line_alert_key(line, "red"), kind="finance_red_line",
        title=texts.RED_LINE.encode(what=what), message=line.explanation, order=line.order,
        team=TEAM, data=_line_data(line),
    )
    return created
