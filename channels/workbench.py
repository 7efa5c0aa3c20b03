"""The channels' share of the workbench: shipping write-backs the platform refused (operations
retry or fix them; platforms penalise late confirmations). Read on ``writeback_status_idx``."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels.writeback.models import WriteBack
from orderhub.workbench.registry import Breakdown, Row, Tile, capped_count, register, roles

VIEW = "channels.view_writeback"
FAILED = WriteBack.WriteBackStatus.FAILED


def failed_writebacks() -> int:
    return capped_count(WriteBack.objects.filter(status=FAILED))


def failed_writebacks_url() -> str:
    return f"{reverse('admin:channels_writeback_changelist')}?status__exact={FAILED}"


def failed_writeback_rows() -> list[Row]:
    return [Row(label=gettext("Shipping write-back failed"), count=failed_writebacks(),
                url=failed_writebacks_url(), tone="danger")]


register(Tile(
    key="channels.writebacks_failed", label=_("Shipping write-backs failing"),
    roles=roles("operations"), permission=VIEW, position=45, tone="danger",
    count=failed_writebacks, url=failed_writebacks_url,
    help=_("The platform refused the shipping confirmation: fix the cause and retry."),
))
register(Breakdown(key="channels.writebacks_failed_by_reason", rows=failed_writeback_rows,
                   roles=roles("operations"), permission=VIEW))
