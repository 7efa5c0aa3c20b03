"""Code 128 barcodes for printed pick lists (python-barcode's SVG writer, drawn inline)."""
from __future__ import annotations

import io
import re

import barcode
from barcode.writer import SVGWriter
from django.utils.safestring import SafeString, mark_safe

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_PLAIN = re.compile(r"[0-9A-Za-z_-]{1,60}")


def code128_svg(text: str, *, height_mm: float = 9.0) -> SafeString:
    """An inline ``<svg>`` of ``text`` as Code 128 (what handheld scanners read), without the
    XML prologue so that it can sit in an HTML page. Only plain codes (letters, digits, ``-``,
    ``_``) are drawn: python-barcode escapes nothing; anything else draws no barcode."""
    if not _PLAIN.fullmatch(text or ""):
        return mark_safe("")
    drawn = io.BytesIO()
    barcode.Code128(text, writer=SVGWriter()).write(drawn, options={
        "module_height": height_mm, "module_width": 0.25, "quiet_zone": 2.0,
        "write_text": False, "compress": False})
    return mark_safe(_PROLOGUE.sub("", drawn.getvalue().decode()))  # noqa: S308 (our own codes)
