"""How a secret is shown to staff: enough to tell two apart, never enough to use one."""
from __future__ import annotations


def masked(secret: str) -> str:
    """``••••wxyz`` (the last four characters of a secret longer than eight), else ``••••``;
    empty for no secret."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"
