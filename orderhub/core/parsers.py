"""The API's multipart parser: DRF's, refusing a NUL in a field (see ``nul_guard``).

Its own module because DRF imports the parsers named in its settings while ``rest_framework
.views`` loads, before ``orderhub.core.api`` (which imports that) is ready."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

NUL = "\x00"


def holding_nul(fields: Iterable[tuple[str, list[str]]]) -> Iterator[str]:
    """The names of the fields whose name or a value holds a NUL, shown as ``\\x00``."""
    for name, values in fields:
        if NUL in name or any(NUL in value for value in values):
            # The name is shown to a person and put in JSON: never echo the NUL itself.
            yield name.replace(NUL, "\\x00")


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser that refuses a NUL in a field's name or value: the API's usual
    400, with the message under each such field."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        fields = list(holding_nul(parsed.data.lists()))
        fields += [name.replace(NUL, "\\x00") for name in parsed.files if NUL in name]
        if fields:
            message = _("Null characters are not allowed.")
            raise exceptions.ValidationError({name: [message] for name in fields})
        return parsed
