"""What finance tells the hub: the events it records (``orderhub.events``)."""
from __future__ import annotations

from orderhub.events.services import event_record

#: ``{"statement_id": <id>, "actor_id": <id or null>}``: a payment statement was imported and
#: reconciled; its orders whose money matched can settle.
STATEMENT_IMPORTED = "finance.statement_imported"


def statement_imported_record(*, statement_id: int, actor_id: int | None) -> None:
    event_record(STATEMENT_IMPORTED, payload={"statement_id": statement_id, "actor_id": actor_id})
