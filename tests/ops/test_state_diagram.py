"""The state machine drawn from its table: every state, every move, and the guards on the
arrows (gift scan, holds, permissions), in Chinese; plain SVG, nothing fetched."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from orders.state_diagram import move_guards, state_machine_svg
from orders.state_machine import MOVES, MOVES_BY_NAME, Status
from tests.browser import CHINESE_SCREEN, browser_type_launch_args, shot, sign_in  # noqa: F401

SVG = "{http://www.w3.org/2000/svg}"


def drawn(svg: str) -> tuple[set[str], str]:
    root = ET.fromstring(svg)
    states = {g.get("data-status") for g in root.iter(f"{SVG}g")}
    return states, " ".join(text for text in root.itertext())


def test_every_state_and_move_is_drawn_with_its_guards_in_chinese():
    with translation.override("zh-hans"):
        svg = state_machine_svg()
        states, text = drawn(svg)
        assert states == set(Status.values)
        for move in MOVES:
            assert str(move.label) in text, move.name
        # the guards: the gift scan before the label, holds, the permission, settle's condition
        assert "赠品已全部扫描" in move_guards(MOVES_BY_NAME["print_label"])
        assert "拦截中不可执行" in move_guards(MOVES_BY_NAME["start_picking"])
        assert "拦截中也可执行" in move_guards(MOVES_BY_NAME["cancel"])
        # the permission by its name, never its code
        assert "权限 可以拣货" in move_guards(MOVES_BY_NAME["start_picking"])
        assert "orders." not in text
        assert "已开票，或渠道自行开票" in move_guards(MOVES_BY_NAME["settle"])
        for words in ("赠品已全部扫描", "拦截中不可执行", "已开票，或渠道自行开票"):
            assert words in text
    # nothing fetched: no link, script or image of its own
    assert "<script" not in svg and "href" not in svg and "<image" not in svg


def test_a_guard_added_to_the_table_appears_on_its_arrow(monkeypatch):
    # given a move whose note changes nothing, but whose hold rule flips
    from dataclasses import replace

    import orders.state_diagram as diagram

    flipped = tuple(replace(move, blocked_by_hold=False) if move.name == "deliver" else move
                    for move in MOVES)
    monkeypatch.setattr(diagram, "MOVES", flipped)
    with translation.override("zh-hans"):
        guards = move_guards(next(m for m in flipped if m.name == "deliver"))
    assert "拦截中也可执行" in guards


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CHINESE_SCREEN}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_state_machine_page_shows_the_diagram(live_server, page, make_user):
    sign_in(page, live_server, make_user("operations"),
            reverse("admin:orders_order_state_machine"))
    diagram = page.locator("#state-diagram")
    diagram.scroll_into_view_if_needed()
    assert diagram.is_visible()
    assert page.locator("#state-diagram .oh-state").count() == len(Status.values)
    diagram.screenshot(path="/tmp/shots-ops/state-diagram.png")
    shot(page, "state-machine-page")
