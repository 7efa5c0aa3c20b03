"""What the platform readers share: unwrapping envelopes, and status tables."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from channels.adapters.fields import FieldProblem


def unwrap(item: Any, *, paths: Sequence[Sequence[str]], is_case: Callable[[Mapping], bool],
           where: str) -> list[tuple[Mapping, str]]:
    """The case objects in ``item``: ``item`` itself when it is one, else what one of the
    documented envelope ``paths`` leads to (an object or a list of them), with where each was
    found (for problems)."""
    if not isinstance(item, Mapping):
        raise FieldProblem(f"{where}: expected an object, got {type(item).__name__}")
    if is_case(item):
        return [(item, where)]
    for path in paths:
        current: Any = item
        for key in path:
            current = current.get(key) if isinstance(current, Mapping) else None
        if current is None:
            continue
        found = current if isinstance(current, list) else [current]
        spot = ".".join(path)
        return [(obj, f"{spot}[{i}]") for i, obj in enumerate(found)]
    raise FieldProblem(f"{where}: neither a case nor a documented envelope (expected one of "
                       f"{', '.join('.'.join(p) for p in paths)})")


def mapped(table: Mapping[Any, Any], code: Any, where: str, platform: str) -> Any:
    key = str(code).strip() if code is not None else ""
    if key not in table:
        raise FieldProblem(f"{where}: unknown {platform} '{key}' (known: "
                           f"{', '.join(map(str, table))})")
    return table[key]
