"""What finance tells the hub, and what it hears: the events (``orderhub.events``)."""
from __future__ import annotations

from collections.abc import Sequence

from orderhub.events.services import NewEvent, event_record, events_record

#: ``{"statement_id": <id>, "actor_id": <id or null>}``: a payment statement was imported and
#: reconciled; its orders whose money matched can settle.
STATEMENT_IMPORTED = "finance.statement_imported"

#: ``{"case_id", "statement_line_id", "colour"}`` (order set): a statement's refund row was
#: matched to the refund an after-sales case approved; ``colour`` is green when it is the
#: approved amount to the cent, yellow when it differs. After-sales handles it.
REFUND_MATCHED = "finance.refund_matched"

#: Recorded by after-sales (issue 11; its own constant lives in ``aftersales/events.py``), order
#: set: ``{"case_id", "case_no", "amount" (string, 2 decimals), "currency", "kind"}``. Finance
#: expects that money to go out (``finance/handlers.py``).
REFUND_APPROVED = "aftersales.refund_approved"


def statement_imported_record(*, statement_id: int, actor_id: int | None) -> None:
    event_record(STATEMENT_IMPORTED, payload={"statement_id": statement_id, "actor_id": actor_id})


def refunds_matched_record(matches: Sequence[tuple[int, int, int, str]]) -> None:
    """One ``finance.refund_matched`` per ``(order_id, case_id, statement_line_id, colour)``."""
    events_record([
        NewEvent(REFUND_MATCHED, order_id, {
            "case_id": case_id, "statement_line_id": line_id, "colour": colour,
        })
        for order_id, case_id, line_id, colour in matches
    ])
