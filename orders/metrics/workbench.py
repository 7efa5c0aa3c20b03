"""The manager's health figures on the workbench: the last 7 days against the 7 before, each
linking to its card on the management health page. Read from the daily aggregates
(``selectors.recent_against_before``), never by scanning orders. Imported by
``orders/workbench.py`` (the workbench discovers one module per app)."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orderhub.workbench.registry import Measure, Scorecard, Scores, register, roles
from orders.metrics.definitions import LABELS, Figure
from orders.metrics.selectors import recent_against_before
from orders.metrics.words import LOWER_IS_BETTER, figure_shown

PERMISSION = "orders.view_metriccount"
DAYS = 7
#: The figures shown, in order; the Order Health Index's three parts follow it, indented.
SHOWN = ("on_time_ship_rate", "channel_fulfilment_rate", "payment_to_ship_hours",
         "transit_days", "breakpoint_rate", "interventions_per_1000", "order_health_index",
         "status_timeliness", "cross_system_consistency", "self_healed")
OHI_PARTS = {"status_timeliness": 40, "cross_system_consistency": 35, "self_healed": 25}


def _trend(code: str, now: Figure, before: Figure) -> tuple[str, str]:
    """("better" | "worse" | "", arrow) for a change, on the values as shown (a change
    below the shown precision is no change)."""
    if now.value is None or before.value is None:
        return "", ""
    if figure_shown(code, now.value) == figure_shown(code, before.value):
        return "", ""
    up = now.value > before.value
    better = up != (code in LOWER_IS_BETTER)
    return ("better" if better else "worse"), ("▲" if up else "▼")


def _day(day: dt.date) -> str:
    return f"{day.month}/{day.day}"


def health_scores() -> Scores:
    """The scorecard's rows (three queries whatever the number of orders)."""
    data = recent_against_before(days=DAYS)
    page = reverse("admin:orders_metriccount_changelist")
    query = urlencode({"since": data["since"].isoformat(), "until": data["until"].isoformat()})
    measures = []
    for code in SHOWN:
        now, before = data["figures"][code], data["before"][code]
        label, definition = LABELS[code]
        label = str(label)
        if code in OHI_PARTS:
            label = gettext("%(part)s (%(weight)d%% of the index)") % {
                "part": label, "weight": OHI_PARTS[code]}
        trend, arrow = _trend(code, now, before)
        measures.append(Measure(
            code=code, label=label, current=figure_shown(code, now.value),
            previous=figure_shown(code, before.value), url=f"{page}?{query}#figure-{code}",
            help=str(definition), trend=trend, arrow=arrow, indent=code in OHI_PARTS))
    return Scores(
        caption=gettext("%(since)s–%(until)s against %(before_since)s–%(before_until)s") % {
            "since": _day(data["since"]), "until": _day(data["until"]),
            "before_since": _day(data["before_since"]),
            "before_until": _day(data["before_until"])},
        current_label=gettext("Last 7 days"), previous_label=gettext("7 days before"),
        measures=measures, more_url=f"{page}?{query}")


register(Scorecard(key="orders.health", title=_("Order health"), scores=health_scores,
                   roles=roles(), permission=PERMISSION, position=10))
