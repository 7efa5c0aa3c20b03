"""The alerts after-sales raises, in words (``orderhub.alerts.kinds``)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orderhub.alerts.kinds import AlertKind, alert_kinds_register

alert_kinds_register(AlertKind("aftersales_overdue", _("After-sales case overdue")))
