"""Trend charts by day, as inline SVG drawn on the server by pygal (pip-installed): nothing is
loaded from a CDN (pygal's tooltip script is switched off), so the page works offline.

Drawing a chart costs about 0.1 s, most of the page's time; the same numbers draw the same
chart, so a chart is kept in the cache under a digest of what it shows (title, legends, days,
values, language) for ``CHART_SECONDS``: the managers who open the page after one another get
it drawn once, and a new figure (another digest) is drawn at once."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

import pygal
from pygal.style import Style

STYLE = Style(
    background="transparent", plot_background="transparent",
    font_family="'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
    colors=("#0d47a1", "#2e7d32", "#c62828", "#6a1b9a"),
    label_font_size=11, major_label_font_size=11, legend_font_size=12, title_font_size=14,
)


CHART_SECONDS = 600


def trend_svg(*, title: str, days: Sequence[dict[str, Any]], series: Sequence[tuple[str, str]],
              percent: bool = False) -> str:
    """A line chart of ``series`` (legend, figure code) over the days; a day with nothing to
    measure is a gap, not a zero. Drawn once per distinct content (see the module doc)."""
    content = [title, percent, get_language(), [row["day"] for row in days],
               [(legend, [row["figures"].get(code) for row in days]) for legend, code in series]]
    key = "metrics-chart:" + hashlib.sha256(
        json.dumps(content, default=str).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = _draw(title=title, days=days, series=series, percent=percent)
        cache.set(key, svg, CHART_SECONDS)
    return svg


def _draw(*, title: str, days: Sequence[dict[str, Any]], series: Sequence[tuple[str, str]],
          percent: bool) -> str:
    chart = pygal.Line(
        title=title, style=STYLE, js=[], width=680, height=280, explicit_size=True,
        show_dots=len(days) <= 14, x_label_rotation=30, show_minor_x_labels=False,
        x_labels_major_every=max(1, len(days) // 10), truncate_label=-1, legend_at_bottom=True,
        value_formatter=(lambda v: f"{v:.1%}") if percent else (lambda v: f"{v:.2f}"),
        allow_interruptions=True, disable_xml_declaration=True,
    )
    chart.x_labels = [row["day"][5:] for row in days]
    for legend, code in series:
        chart.add(legend, [row["figures"].get(code) for row in days])
    return chart.render(is_unicode=True)
