"""Shipping write-back: confirming each shipped order's carrier and tracking number to the
channel it came from (DESIGN.md section 2, logistics › write-back).

- ``models``: the channels' API access (credentials, masked) and the write-back records with
  their attempts;
- ``services``: the entry (:func:`~channels.writeback.services.writeback_request`), recording
  an attempt's outcome, staff retries;
- ``sender``: claims due write-backs, calls the platforms with no transaction open;
- ``deadlines``: the alert for a write-back still unconfirmed shortly before the ship-by time;
- ``tasks``: the after-commit send and the every-minute sweep; ``admin``: the pages.

The requests themselves are the outbound adapters' (``channels/outbound``); the trigger is the
handler in ``channels/handlers.py``.
"""
