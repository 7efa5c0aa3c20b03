"""Reading finance's stored texts in the tests: as a Chinese-speaking finance clerk reads them."""
from __future__ import annotations

from django.utils import translation

from orderhub.core.texts import render


def zh(value: str) -> str:
    """A stored text (an explanation, a history note) rendered in zh-hans."""
    with translation.override("zh-hans"):
        return render(value)
