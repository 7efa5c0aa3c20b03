"""The kinds of alert, with the words staff read for them: a registry every app fills.

Alerts live in infrastructure that imports no app, so each app declares the kinds it raises
in its own ``alert_kinds`` module (found at start-up, like ``admin`` modules)::

    from orderhub.alerts.kinds import AlertKind, alert_kinds_register

    alert_kinds_register(
        AlertKind("shipment_stale", _("Parcel without movement"), cause_key="carrier",
                  cause_label=carrier_name),
    )

What a kind gives:
- ``label``: the kind's name in the inbox, its filters and the escalation ladder's choices
  (staff choose a kind from the list instead of typing a code);
- ``cause_key``: the key of the alert's ``data`` whose value is the alert's cause, so that the
  inbox shows the alerts of one kind and one cause (120 silent parcels of one carrier) as one
  row with a count; ``cause_label`` turns that value into words (a carrier's name, a state's
  label).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

CAUSE_MAX_LENGTH = 100


@dataclass(frozen=True)
class AlertKind:
    code: str
    label: Any  # a lazy translation
    cause_key: str = ""
    cause_label: Callable[[str], str] | None = None

    def cause_of(self, data: Mapping[str, Any] | None) -> str:
        """The alert's cause as stored (``""`` when the kind has none or the data lacks it)."""
        if not self.cause_key or not data:
            return ""
        value = data.get(self.cause_key)
        return "" if value in (None, "") else str(value)[:CAUSE_MAX_LENGTH]

    def cause_text(self, cause: str) -> str:
        """The cause in words, for the inbox."""
        if not cause:
            return ""
        return str(self.cause_label(cause)) if self.cause_label else cause


_KINDS: dict[str, AlertKind] = {}
_discovered = False


def alert_kinds_register(*kinds: AlertKind) -> None:
    """Declare kinds (from an app's ``alert_kinds`` module); a code is declared once."""
    for kind in kinds:
        known = _KINDS.get(kind.code)
        if known is not None and known != kind:
            raise ValueError(f"The alert kind {kind.code!r} is declared twice.")
        _KINDS[kind.code] = kind


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("alert_kinds")


def alert_kinds() -> dict[str, AlertKind]:
    """Every declared kind, by code."""
    _discover()
    return dict(_KINDS)


def alert_kind(code: str) -> AlertKind:
    """The kind ``code``; an undeclared code is still shown (as itself), never an error."""
    return alert_kinds().get(code) or AlertKind(code, code)


def alert_kind_choices() -> list[tuple[str, str]]:
    """(code, label) of every kind, by label: for filters and the ladder's kind field."""
    return sorted(((code, str(kind.label)) for code, kind in alert_kinds().items()),
                  key=lambda pair: pair[1])
