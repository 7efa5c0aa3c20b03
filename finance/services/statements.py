"""Importing a payment statement: parse, match, colour, save; once per file and per row.

``statement_import`` takes the file as downloaded. It is all or nothing: one unreadable row
refuses the whole file (the rows and their problems are listed) and nothing is written. A dry
run does everything but write, and returns the colours each row would get. The same file
imported again (same SHA-256) adds nothing and answers with the first import; rows already
held by another statement (overlapping downloads) are skipped by their line key.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from finance import permissions, texts
from finance.models import Cause, Colour, Source, Statement, StatementLine
from finance.parsers import PARSERS
from finance.parsers.base import ParsedLine, StatementRejected
from finance.parsers.detect import detect_source
from finance.events import statement_imported_record
from finance.reconciliation import OrderFacts, Verdict
from finance.services import matching
from finance.services.alerts import alerts_for_lines
from finance.services.bulk import chunks, insert_rows, querysets_in, value_rows
from finance.services.consistency import channel_figures_refresh
from finance.services.locks import matching_lock
from orderhub.core.errors import Conflict, ValidationFailed
from orders.models import Channel

logger = logging.getLogger(__name__)

PREVIEW_LIMIT = 200
# Red causes that need someone at once (the others escalate after two hours).
ALERT_CAUSES = frozenset({Cause.CANCELLED_WITH_MONEY, Cause.AMOUNT_MISMATCH})
LINE_COLUMNS = (
    "statement_id", "line_no", "line_key", "kind", "payment_serial_no", "merchant_order_no",
    "business_serial_no", "occurred_at", "currency", "gross_amount", "amount", "fee",
    "fee_label", "discount", "refund_amount", "business_type", "item_name", "counterparty",
    "remark", "order_id", "channel_id", "colour", "cause", "explanation",
    "expected_amount", "received_amount", "difference", "red_since", "review_reason",
    "created_at",
)


@dataclass(frozen=True)
class PreviewLine:
    """What one row would become (the dry run) or became."""

    line_no: int
    kind: str
    payment_serial_no: str
    merchant_order_no: str
    occurred_at: object
    amount: object
    hub_no: str | None
    colour: str
    explanation: str


@dataclass
class ImportOutcome:
    source: str
    file_name: str
    dry_run: bool = False
    duplicate: bool = False
    statement: Statement | None = None
    counts: dict[str, int] = field(default_factory=dict)
    line_count: int = 0
    skipped_lines: int = 0
    preview: list[PreviewLine] = field(default_factory=list)

    @property
    def statement_id(self) -> int | None:
        return self.statement.pk if self.statement else None


@contextlib.contextmanager
def _phase(name: str, file_name: str) -> Iterator[None]:
    """Log how long each phase of an import takes (INFO on ``finance.services.statements``)."""
    started = time.perf_counter()
    yield
    logger.info("import %s: %s took %.2f s", file_name, name, time.perf_counter() - started)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A million parsed rows are millions of objects without reference cycles; Python's cyclic
    collector would walk them over and over while they are built (a large share of a
    million-line import when measured). They are freed by reference counting as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def statement_import(
    *,
    content: bytes,
    file_name: str,
    source: str = "",
    actor,
    channel: Channel | None = None,
    dry_run: bool = False,
    preview_limit: int = PREVIEW_LIMIT,
) -> ImportOutcome:
    """Import a statement file and reconcile it (or, with ``dry_run``, only say what would be);
    ``source`` empty: the kind of statement is told from the file."""
    with _collector_paused(), transaction.atomic():
        return _import(
            content=content, file_name=file_name, source=source, actor=actor, channel=channel,
            dry_run=dry_run, preview_limit=preview_limit,
        )


def _import(
    *, content: bytes, file_name: str, source: str, actor, channel: Channel | None, dry_run: bool,
    preview_limit: int,
) -> ImportOutcome:
    permissions.require(actor, permissions.IMPORT)
    if not content:
        raise ValidationFailed(f"{file_name or 'The file'} is empty.")
    if not source:
        # Told from the file's own header; a source given is an override.
        source = detect_source(content, file_name=file_name)
    if source not in Source.values:
        raise ValidationFailed(
            f"Unknown statement source '{source}'; use one of {', '.join(Source.values)}."
        )
    if not dry_run:
        # One import (or red-line re-match) at a time: see finance/services/locks.py.
        matching_lock()
    digest = file_digest(content)
    existing = Statement.objects.filter(file_sha256=digest).first()
    if existing is not None:
        return _already_imported(existing, dry_run=dry_run, file_name=file_name)
    with _phase("parse", file_name):
        parsed = PARSERS[source](content, file_name=file_name)
    if parsed.errors:
        raise StatementRejected.from_errors(parsed.errors, file_name=file_name)
    if not parsed.lines:
        raise StatementRejected(texts.NO_ROWS.encode(file=file_name))
    _cover_line_times(parsed)
    with _phase("skip rows already imported", file_name):
        lines, skipped = _new_lines(parsed.lines, source=source)
    with _phase("match and judge", file_name):
        result = matching.reconcile(lines)
    channel_id = channel.pk if channel else _commonest_channel(result.matches)
    outcome = ImportOutcome(
        source=source, file_name=file_name, dry_run=dry_run,
        counts=_counts(result.verdicts), line_count=len(lines), skipped_lines=skipped,
        preview=_preview(lines, result, limit=preview_limit),
    )
    if dry_run:
        return outcome
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                source=source,
                channel_id=channel_id,
                file_name=file_name[:255],
                original=ContentFile(content, name=f"{digest}{_suffix(file_name)}"),
                file_sha256=digest,
                account=parsed.account[:64],
                period_start=parsed.period_start,
                period_end=parsed.period_end,
                summary=parsed.summary,
                line_count=len(lines),
                duplicate_line_count=skipped,
                green_count=outcome.counts[Colour.GREEN],
                yellow_count=outcome.counts[Colour.YELLOW],
                red_count=outcome.counts[Colour.RED],
                grey_count=outcome.counts[Colour.GREY],
                imported_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            with _phase("save lines", file_name):
                insert_rows(
                    StatementLine, LINE_COLUMNS, _line_rows(statement, lines, result, channel_id)
                )
    except IntegrityError:
        raise Conflict(
            f"{file_name} overlaps an import that finished at the same moment; import it again "
            f"(rows already imported are skipped)."
        ) from None
    outcome.statement = statement
    if result.changed_earlier:
        statements_recount(matching.save_changed(result.changed_earlier))
    matching.refund_pairs_save(result.refund_pairs)
    with _phase("cost breakdown", file_name):
        matching.costs_refresh(result.units)
    alerts_for_lines(_alerting_lines(lines, result))
    with _phase("channel figures", file_name):
        channel_figures_refresh(statement=statement)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    statement_imported_record(statement_id=statement.pk, actor_id=actor_id)
    return outcome


def _already_imported(statement: Statement, *, dry_run: bool, file_name: str) -> ImportOutcome:
    counts = statement_counts(statement)
    return ImportOutcome(
        source=statement.source, file_name=file_name or statement.file_name, dry_run=dry_run,
        duplicate=True, statement=statement, counts=counts, line_count=sum(counts.values()),
        skipped_lines=statement.line_count,
    )


def _suffix(file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower()
    return suffix if suffix in (".csv", ".xlsx", ".txt") else ".csv"


def _cover_line_times(parsed) -> None:
    """The statement's period covers its header's and every row's time (see _new_lines)."""
    times = [line.occurred_at for line in parsed.lines if line.occurred_at is not None]
    if times:
        first, last = min(times), max(times)
        parsed.period_start = min(parsed.period_start or first, first)
        parsed.period_end = max(parsed.period_end or last, last)


def _new_lines(lines: list[ParsedLine], *, source: str) -> tuple[list[ParsedLine], int]:
    """The rows no statement holds yet (by line key), each once."""
    unique: dict[str, ParsedLine] = {}
    for line in lines:
        unique.setdefault(line.line_key, line)
    times = [line.occurred_at for line in unique.values() if line.occurred_at is not None]
    if len(times) == len(unique) and not Statement.objects.filter(
        source=source, period_start__lte=max(times), period_end__gte=min(times)
    ).exists():
        # A row carries the same time in every file it appears in: when no statement of this
        # kind covers these times, none of the rows can be held (the usual case: the next
        # day's bill), and a million keys need not be looked up.
        return list(unique.values()), len(lines) - len(unique)
    held: set[str] = set()
    for queryset in querysets_in(StatementLine.objects.order_by(), "line_key", unique.keys()):
        held.update(key for (key,) in value_rows(queryset, "line_key"))
    fresh = [line for key, line in unique.items() if key not in held]
    return fresh, len(lines) - len(fresh)


def _commonest_channel(matches: Sequence[OrderFacts | None]) -> int | None:
    channels = Counter(match.channel_id for match in matches if match is not None)
    return channels.most_common(1)[0][0] if channels else None


def _counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
    counts = Counter(verdict.colour for verdict in verdicts)
    return {colour: counts.get(colour, 0) for colour in Colour.values}


def _preview(
    lines: Sequence[ParsedLine], result: matching.Reconciliation, *, limit: int
) -> list[PreviewLine]:
    # Red and yellow rows first: they are what a person previewing wants to see.
    order = sorted(
        range(len(lines)),
        key=lambda i: (
            {Colour.RED: 0, Colour.YELLOW: 1}.get(result.verdicts[i].colour, 2), lines[i].line_no
        ),
    )
    preview = []
    for position in order[:limit]:
        line, verdict, match = lines[position], result.verdicts[position], result.matches[position]
        preview.append(
            PreviewLine(
                line_no=line.line_no, kind=line.kind, payment_serial_no=line.payment_serial_no,
                merchant_order_no=line.merchant_order_no, occurred_at=line.occurred_at,
                amount=line.amount, hub_no=match.hub_no if match else None,
                colour=verdict.colour, explanation=verdict.explanation,
            )
        )
    return preview


def _line_rows(
    statement: Statement, lines: Sequence[ParsedLine], result: matching.Reconciliation,
    channel_id: int | None,
) -> Iterator[tuple]:
    now = timezone.now()
    for line, verdict, match in zip(lines, result.verdicts, result.matches):
        yield (
            statement.pk, line.line_no, line.line_key, line.kind, line.payment_serial_no[:64],
            line.merchant_order_no[:64], line.business_serial_no[:64], line.occurred_at,
            line.currency, line.gross_amount, line.amount, line.fee, line.fee_label,
            line.discount, line.refund_amount, line.business_type, line.item_name,
            line.counterparty, line.remark,
            match.id if match else None, match.channel_id if match else channel_id,
            verdict.colour, verdict.cause, verdict.explanation, verdict.expected,
            verdict.received, verdict.difference,
            now if verdict.colour == Colour.RED else None, "", now,
        )


def _alerting_lines(
    lines: Sequence[ParsedLine], result: matching.Reconciliation
) -> list[StatementLine]:
    """The lines that need someone now: money for a cancelled order, an unexplained amount."""
    keys = [line.line_key for line, verdict in zip(lines, result.verdicts) if verdict.alert]
    keys += [
        line.line_key for line in result.changed_earlier
        if line.colour == Colour.RED and line.cause in ALERT_CAUSES
    ]
    if not keys:
        return []
    found = []
    for chunk in chunks(keys):
        found += list(StatementLine.objects.filter(line_key__in=chunk).select_related("order"))
    return found


def statement_counts(statement: Statement) -> dict[str, int]:
    """The statement's lines per colour as they are now."""
    rows = (
        StatementLine.objects.filter(statement=statement).order_by().values("colour")
        .annotate(n=Count("id"))
    )
    found = {row["colour"]: row["n"] for row in rows}
    return {colour: found.get(colour, 0) for colour in Colour.values}


def statements_recount(statement_ids: set[int]) -> None:
    """Store fresh colour counts on statements whose lines were re-judged."""
    for statement in Statement.objects.filter(pk__in=statement_ids):
        counts = statement_counts(statement)
        statement.green_count = counts[Colour.GREEN]
        statement.yellow_count = counts[Colour.YELLOW]
        statement.red_count = counts[Colour.RED]
        statement.grey_count = counts[Colour.GREY]
        statement.save(
            update_fields=["green_count", "yellow_count", "red_count", "grey_count", "updated_at"]
        )
