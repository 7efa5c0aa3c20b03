"""Verifying a platform's push (DESIGN.md section 4), always on the raw body, in constant time.

- Shopify: ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(secret, raw body)).
- Every other channel: ``X-Hub-Timestamp`` (Unix seconds) and ``X-Hub-Signature`` = hex
  HMAC-SHA256(secret, ``"<timestamp>.<raw body>"``) (``orderhub.core.signing``, the scheme the
  hub's own webhooks are signed with), refused more than 300 s off, so that a captured push
  cannot be replayed later.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from orderhub.core.errors import DomainError
from orderhub.core.signing import HUB_SIGNATURE_HEADER, HUB_TIMESTAMP_HEADER, hub_signature

from channels.models import ChannelEndpoint, SignatureScheme

SHOPIFY_HEADER = "X-Shopify-Hmac-Sha256"
MAX_CLOCK_SKEW_SECONDS = 300


class SignatureRefused(DomainError):
    """The push is not signed by the channel (answers 401; nothing is processed)."""

    status_code = 401
    code = "signature_refused"


def has_signature(headers: Mapping[str, str]) -> bool:
    return bool(headers.get(SHOPIFY_HEADER) or headers.get(HUB_SIGNATURE_HEADER))


def shopify_signature(*, secret: str, body: bytes) -> str:
    """The base64 X-Shopify-Hmac-Sha256 of ``body``."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_verify(
    *, endpoint: ChannelEndpoint | None, headers: Mapping[str, str], body: bytes,
    now: float | None = None,
) -> None:
    """Accept the push or raise :class:`SignatureRefused` with the reason."""
    if endpoint is None or not endpoint.accepts_pushes:
        raise SignatureRefused("This channel does not accept signed pushes; authenticate with a "
                               "token instead.")
    if not endpoint.webhook_secret:
        raise SignatureRefused("No webhook secret is configured for this channel.")
    secret = endpoint.webhook_secret
    if endpoint.scheme == SignatureScheme.SHOPIFY:
        given = headers.get(SHOPIFY_HEADER, "").strip()
        if not given:
            raise SignatureRefused(f"The {SHOPIFY_HEADER} header is missing.")
        if not hmac.compare_digest(given.encode(), shopify_signature(secret=secret,
                                                                     body=body).encode()):
            raise SignatureRefused(f"The {SHOPIFY_HEADER} signature does not match the body.")
        return
    given = headers.get(HUB_SIGNATURE_HEADER, "").strip().lower()
    stamp = headers.get(HUB_TIMESTAMP_HEADER, "").strip()
    if not given or not stamp:
        raise SignatureRefused(f"The {HUB_SIGNATURE_HEADER} and {HUB_TIMESTAMP_HEADER} headers "
                               f"are both required.")
    # ASCII digits only ("²".isdigit() is true) and no more than Unix seconds ever need.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise SignatureRefused(f"{HUB_TIMESTAMP_HEADER} must be Unix seconds.")
    skew = abs((time.time() if now is None else now) - int(stamp))
    if skew > MAX_CLOCK_SKEW_SECONDS:
        raise SignatureRefused(f"{HUB_TIMESTAMP_HEADER} is {int(skew)} s off; at most "
                               f"{MAX_CLOCK_SKEW_SECONDS} s are accepted.")
    expected = hub_signature(secret=secret, timestamp=stamp, body=body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise SignatureRefused(f"The {HUB_SIGNATURE_HEADER} signature does not match the body.")
