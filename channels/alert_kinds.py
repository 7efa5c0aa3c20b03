"""The alerts channels raise, in words (``orderhub.alerts.kinds``)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orderhub.alerts.kinds import AlertKind, alert_kinds_register

alert_kinds_register(
    AlertKind("writeback_failed", _("Shipping confirmation refused by the channel")),
    AlertKind("writeback_deadline", _("Shipping confirmation late")),
)
