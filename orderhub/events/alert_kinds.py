"""The alerts the event dispatcher raises, in words (``orderhub.alerts.kinds``)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orderhub.alerts.kinds import AlertKind, alert_kinds_register

alert_kinds_register(AlertKind("event_dead_letter", _("An event could not be handled")))
