"""The order state machine drawn as an SVG diagram, generated from ``orders/state_machine.py``.

Nothing here is drawn by hand: the boxes are ``Status``, the arrows are ``MOVES`` (their labels,
permissions, whether a hold stops them, their ``condition``) and the guards ``Order``'s
transitions add (the gift scan before the label, read from django-fsm's own transition list).
Change the table and the diagram follows. Plain SVG from the standard library: no system
binary, no JavaScript, nothing fetched.

Layout: the main path runs down the middle column; risk review sits beside ``paid``; a move
that skips a state (settling a delivered order) curves round the left; cancel and refund, which
leave from many states, gather on a line each to their box on the right.
"""
from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape

from django.utils.translation import gettext, gettext_lazy as _

from orders.models import Order
from orders.models.order import gifts_scanned, not_on_hold
from orders.state_machine import (
    INVOICING_DONE_OR_SKIPPED,
    MAIN_PATH,
    MOVES,
    STATUS_COLOURS,
    Move,
    Status,
)

# Guards written on the arrows, by the function django-fsm calls (or the table's condition).
GUARD_WORDS = {
    not_on_hold: None,  # the table's blocked_by_hold, said once below
    gifts_scanned: _("every gift scanned"),
    INVOICING_DONE_OR_SKIPPED.holds: _("invoiced, or the channel invoices itself"),
}
BOX_W, BOX_H, ROW, TOP = 170, 34, 92, 40
MAIN_X, SIDE_X, EXIT_X = 250, 560, 830
COLUMN = [status for status in MAIN_PATH if status != Status.RISK_REVIEW]
EXITS = {Status.CANCELLED: 3, Status.REFUNDED: 7}  # the row each off-path box sits on


def _box_positions() -> dict[str, tuple[int, int]]:
    places = {status: (MAIN_X, TOP + row * ROW) for row, status in enumerate(COLUMN)}
    places[Status.RISK_REVIEW] = (SIDE_X, places[Status.PAID][1])
    for status, row in EXITS.items():
        places[status] = (EXIT_X, TOP + row * ROW)
    return places


def move_guards(move: Move) -> list[str]:
    """What a move needs besides its source state, in words: the permission, holds, and the
    conditions of the table and of ``Order``'s transition."""
    words = [gettext("permission %(name)s") % {"name": move.permission_label},
             gettext("not while on hold") if move.blocked_by_hold
             else gettext("allowed while on hold")]
    conditions = set()
    for transition in Order._meta.get_field("status").get_all_transitions(Order):
        if transition.name == move.name:
            conditions.update(transition.conditions)
    if move.condition is not None:
        conditions.add(move.condition.holds)
    found = [GUARD_WORDS.get(condition, getattr(condition, "__name__", str(condition)))
             for condition in conditions]
    # The conditions first: they are the surprising part.
    return sorted(str(words) for words in found if words is not None) + words


def _text(x: int, y: int, lines: list[str], *, anchor: str = "start", first_bold=True) -> str:
    bold = ' font-weight="600"'
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if i == 0 else 13}"{bold if i == 0 and first_bold else ""}>'
        f'{escape(line)}</tspan>'
        for i, line in enumerate(lines))
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="11">{spans}</text>'


def _arrow(points: list[tuple[int, int]], colour: str = "#546e7a") -> str:
    path = " ".join(f"{x},{y}" for x, y in points)
    return (f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5" '
            f'marker-end="url(#oh-arrow)"/>')


def state_machine_svg() -> str:
    """The diagram as an ``<svg>`` element, in the active language."""
    places = _box_positions()
    parts: list[str] = []
    for status, (x, y) in places.items():
        background, colour = STATUS_COLOURS[status]
        parts.append(
            f'<g class="oh-state" data-status="{status}"><rect x="{x}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="8" fill="{background}" stroke="{colour}"/>'
            f'<text x="{x + BOX_W // 2}" y="{y + 22}" text-anchor="middle" font-size="13" '
            f'font-weight="600" fill="{colour}">{escape(str(Status(status).label))}</text></g>')
    gathered: dict[str, list[Move]] = defaultdict(list)
    for move in MOVES:
        label = [str(move.label), *move_guards(move)]
        tx, ty = places[move.target]
        if move.target in EXITS:
            gathered[move.target].append(move)
            continue
        for source in move.sources:
            sx, sy = places[source]
            if sx == tx == MAIN_X and ty - sy == ROW:  # straight down the main path
                cx = MAIN_X + BOX_W // 2
                parts.append(_arrow([(cx, sy + BOX_H), (cx, ty - 2)]))
                parts.append(_text(cx + 8, sy + BOX_H + 12, label))
            elif sx == tx == MAIN_X:  # skips a state: round the left side
                parts.append(_arrow([(sx, sy + BOX_H // 2), (sx - 30, sy + BOX_H // 2),
                                     (sx - 30, ty + BOX_H // 2), (tx - 2, ty + BOX_H // 2)]))
                parts.append(_text(sx - 38, sy + BOX_H + 12, label, anchor="end"))
            else:  # beside each other (paid ⇄ risk review): one arrow each way
                going_right = tx > sx
                y = sy + (10 if going_right else BOX_H - 10)
                start, end = (sx + BOX_W, tx - 2) if going_right else (sx, tx + BOX_W + 2)
                parts.append(_arrow([(start, y), (end, y)]))
                # Above the side box going there, below it coming back.
                ly = sy - 8 - 13 * (len(label) - 1) if going_right else sy + BOX_H + 14
                parts.append(_text(SIDE_X, ly, label))
    for offset, (target, moves) in enumerate(gathered.items()):
        tx, ty = places[target]
        bus = EXIT_X - 60 + offset * 24
        for move in moves:
            rows = []
            for source in move.sources:
                sx, sy = places[source]
                rows.append(sy + BOX_H // 2 + (4 if offset else -4))
                start = sx + BOX_W
                parts.append(f'<line x1="{start}" y1="{rows[-1]}" x2="{bus}" y2="{rows[-1]}" '
                             f'stroke="#b0bec5" stroke-dasharray="3 3"/>')
            middle = ty + BOX_H // 2
            top, bottom = min(rows + [middle]), max(rows + [middle])
            parts.append(f'<line x1="{bus}" y1="{top}" x2="{bus}" y2="{bottom}" stroke="#b0bec5"/>')
            parts.append(_arrow([(bus, middle), (tx - 2, middle)], colour="#b71c1c"))
            parts.append(_text(EXIT_X, ty + BOX_H + 14, [str(move.label), *move_guards(move)]))
    width = EXIT_X + BOX_W + 40
    height = TOP + len(COLUMN) * ROW
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="state-diagram" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif"><title>{escape(gettext("Order state machine"))}</title>'
        '<defs><marker id="oh-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="context-stroke"/></marker></defs>' + "".join(parts) + "</svg>")
