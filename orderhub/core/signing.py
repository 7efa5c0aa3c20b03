"""The hub's signature scheme (DESIGN.md section 4), stated once for both directions.

``X-Hub-Timestamp`` is Unix seconds and ``X-Hub-Signature`` the hex HMAC-SHA256 of
``"<timestamp>.<raw body>"`` with the shared secret. Channels verify the pushes they receive
with it (``channels.services.signatures``, which also refuses a timestamp more than 300 s
off); the webhook sender signs what it sends to integrators with it (``orderhub.webhooks``).
"""
from __future__ import annotations

import hashlib
import hmac

HUB_SIGNATURE_HEADER = "X-Hub-Signature"
HUB_TIMESTAMP_HEADER = "X-Hub-Timestamp"


def hub_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The hex X-Hub-Signature of ``body`` sent at ``timestamp`` (integrators sign the same)."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
