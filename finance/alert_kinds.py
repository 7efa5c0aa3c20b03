"""The alerts finance raises, in words (``orderhub.alerts.kinds``)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from orderhub.alerts.kinds import AlertKind, alert_kinds_register

alert_kinds_register(
    AlertKind("finance_red_line", _("Red statement line left unresolved")),
    AlertKind("finance_cancelled_with_money", _("Money received for a cancelled order")),
    AlertKind("finance_amount_mismatch", _("Amount differs from the order")),
    AlertKind("finance_consistency", _("Paid orders differ from the channel's")),
    AlertKind("finance_import_failed", _("Statement not imported")),
)
