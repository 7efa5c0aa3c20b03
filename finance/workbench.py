"""Finance's share of the workbench: statement lines waiting for a person (red, yellow), and
paid orders with no money after the settlement window. Red lines are read on the partial index
of open red lines; yellow ones are counted up to the cap."""
from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finance.models import Cause, Colour, StatementLine
from orderhub.workbench.registry import Tile, capped_count, register, roles

VIEW = "finance.view_statementline"


def line_list_url(**params: str) -> str:
    return f"{reverse('admin:finance_statementline_changelist')}?{urlencode(params)}"


def _lines(**filters):
    return lambda: capped_count(StatementLine.objects.filter(reviewed_at__isnull=True, **filters))


FINANCE = roles("finance")

for tile in (
    Tile(key="finance.red", label=_("Red lines to resolve"), roles=FINANCE, permission=VIEW,
         position=60, tone="danger", count=_lines(colour=Colour.RED),
         url=lambda: line_list_url(colour__exact=Colour.RED, reviewed="no"),
         help=_("Money that matches no order, or an order that does not match its money.")),
    Tile(key="finance.yellow", label=_("Yellow lines to confirm"), roles=FINANCE,
         permission=VIEW, position=61, tone="warning", count=_lines(colour=Colour.YELLOW),
         url=lambda: line_list_url(colour__exact=Colour.YELLOW, reviewed="no"),
         help=_("An explained difference (partial refund, fee, coupon) waiting for a look.")),
    Tile(key="finance.no_money", label=_("Unsettled past the window"), roles=FINANCE,
         permission=VIEW, position=62, tone="danger",
         count=_lines(colour=Colour.RED, cause=Cause.NO_MONEY),
         url=lambda: line_list_url(cause__exact=Cause.NO_MONEY, reviewed="no"),
         help=_("Orders delivered long enough ago whose money never arrived.")),
):
    register(tile)
