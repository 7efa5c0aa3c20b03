"""``StoredTextField``: a stored text (``orderhub.core.texts``) in the API, in the language the
request asked for (``Accept-Language``, through ``LocaleMiddleware``; zh-hans by default)."""
from __future__ import annotations

from rest_framework import serializers

from orderhub.core.texts import render


class StoredTextField(serializers.CharField):
    """A read-only text rendered in the request's language (typed text as typed)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return render(value)
