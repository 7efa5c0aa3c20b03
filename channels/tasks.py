"""Background jobs of the channels app (django-q2).

``spreadsheets_import_folder`` runs daily at 08:00 (schedule created by migration 0002): it
imports every POS spreadsheet (``*.xlsx``, ``*.csv``) dropped into ``ORDERHUB_IMPORT_DIR``
(e.g. ``orders_daily.xlsx``), moves each file aside into ``processed/`` or ``failed/`` with a
per-row report next to it, and is an idempotent sweep: a file left behind by a crash is simply
imported at the next run, and a file imported twice changes nothing (same body, same answer).
"""
from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from orderhub.core.errors import DomainError
from orderhub.core.texts import render
from orders.models import Channel

from channels.models import Delivery, DeliverySource
from channels.services.deliveries import delivery_process, delivery_store

logger = logging.getLogger(__name__)
PATTERNS = ("*.xlsx", "*.csv")


def import_folder() -> Path:
    return Path(getattr(settings, "ORDERHUB_IMPORT_DIR", settings.BASE_DIR / "var" / "imports"))


def spreadsheets_import_folder(folder: str | None = None, channel_code: str = "pos") -> dict:
    """Import the spreadsheets waiting in the folder; returns what happened to each file."""
    root = Path(folder) if folder else import_folder()
    root.mkdir(parents=True, exist_ok=True)
    channel = Channel.objects.get(code=channel_code)
    summary: dict[str, str] = {}
    files = sorted({path for pattern in PATTERNS for path in root.glob(pattern)})
    for path in files:
        delivery = delivery_store(channel=channel, body=path.read_bytes(),
                                  source=DeliverySource.SCHEDULED, filename=path.name)
        try:
            delivery_process(delivery=delivery, actor=None)
        except DomainError:
            pass  # kept as a failed delivery with its error; the report says why
        except Exception:  # a bug: keep going with the other files, the delivery is kept
            logger.exception("Importing %s failed", path)
        delivery.refresh_from_db()
        summary[path.name] = _move_aside(path, delivery)
    return summary


def _move_aside(path: Path, delivery: Delivery) -> str:
    ok = delivery.status == Delivery.Status.PROCESSED
    target_dir = path.parent / ("processed" if ok else "failed")
    target_dir.mkdir(exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = target_dir / f"{stamp}-{path.name}"
    path.rename(target)
    target.with_name(target.name + ".report.csv").write_text(report_csv(delivery),
                                                             encoding="utf-8-sig")
    return f"{'processed' if ok else 'failed'}: delivery #{delivery.pk} → {target}"


def report_csv(delivery: Delivery) -> str:
    """The per-row (per-order) report of a spreadsheet delivery, as csv text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order_no", "hub_no", "result", "flags", "problems"])
    for answer in delivery.result.get("orders", []):
        writer.writerow([answer["channel_order_no"], answer["hub_no"] or "", answer["result"],
                         " ".join(answer["flags"]), render(answer["note"])])
    for error in delivery.result.get("errors", []):
        writer.writerow([error["channel_order_no"], "", "refused", "",
                         "; ".join(error["problems"])])
    if delivery.status == Delivery.Status.FAILED and not delivery.result.get("errors"):
        writer.writerow(["", "", "refused", "", delivery.error])
    return out.getvalue()
