"""Trend charts by day, as inline SVG drawn on the server by pygal (pip-installed): nothing is
loaded from a CDN (pygal's tooltip script is switched off), so the page works offline."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

STYLE = Style(
    background="transparent", plot_background="transparent",
    font_family="'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
    colors=("#0d47a1", "#2e7d32", "#c62828", "#6a1b9a"),
    label_font_size=11, major_label_font_size=11, legend_font_size=12, title_font_size=14,
)


def trend_svg(*, title: str, days: Sequence[dict[str, Any]], series: Sequence[tuple[str, str]],
              percent: bool = False) -> str:
    """A line chart of ``series`` (legend, figure code) over the days; a day with nothing to
    measure is a gap, not a zero."""
    chart = pygal.Line(
        title=title, style=STYLE, js=[], width=680, height=280, explicit_size=True,
        show_dots=len(days) <= 45, x_label_rotation=30, show_minor_x_labels=False,
        x_labels_major_every=max(1, len(days) // 10), truncate_label=-1, legend_at_bottom=True,
        value_formatter=(lambda v: f"{v:.1%}") if percent else (lambda v: f"{v:.2f}"),
        allow_interruptions=True, disable_xml_declaration=True,
    )
    chart.x_labels = [row["day"][5:] for row in days]
    for legend, code in series:
        chart.add(legend, [row["figures"].get(code) for row in days])
    return chart.render(is_unicode=True)
