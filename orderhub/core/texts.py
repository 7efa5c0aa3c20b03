"""Texts the hub stores for people to read: a code with parameters, rendered in the reader's
language when read.

An alert's title, a hold's reason, a history note or a reconciliation explanation is written
once (by a task, in no one's language) and read many times (by a Chinese-speaking warehouse
lead, an English-speaking integrator, a chat robot). So a producer stores *what happened*, not
words::

    OUT_OF_STOCK = define("orders.hold.out_of_stock",
                          _("out of stock: SKU %(sku)s (needs %(needed)s, %(available)s available)"))
    hold.reason = OUT_OF_STOCK.encode(sku="A-1", needed=3, available=0)

and every surface renders it (:func:`render`, the ``|text`` template filter) in the active
language, through the template's gettext entry (so zh-hans comes from the .po file).

The stored form is ``§<code>`` followed by the parameters as compact JSON, e.g.
``§orders.hold.out_of_stock{"sku":"A-1","needed":3,"available":0}``. The section sign does not
start anything a person types into a reason box, so a typed text (and every row written before
this mechanism) renders as itself; an unknown code (a text from a newer release, a removed
definition) renders readably, never raises.

A parameter that is itself a code is stored with its kind and rendered through its label:
a Django ``Choices`` member (``Status.PICKING`` → 拣货中), a bool (是/否), a datetime (local
time), or another stored text. Raw codes such as ``picking`` or ``False`` never reach a screen.

Definitions live in each app's ``texts`` module, found on first use (as the admin finds
``admin`` modules), so a web process renders what a worker wrote without importing the worker's
code path.
"""
from __future__ import annotations

import datetime as dt
import enum
import importlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy as _

MARK = "§"
_STORED = re.compile(r"§([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)(\{.*\})?\Z", re.DOTALL)
# Choices classes are named in stored parameters by "module:Qual.Name"; only the project's
# own modules are imported back (a stored row never chooses what is imported).
_OWN_MODULES = ("orders.", "logistics.", "finance.", "aftersales.", "channels.", "orderhub.")
_ELLIPSIS = "…"

_registry: dict[str, "Text"] = {}
_discovered = False


@dataclass(frozen=True)
class Text:
    """One kind of stored text: its code and its (lazily translated) ``%(name)s`` template."""

    code: str
    template: Any

    def encode(self, **params: Any) -> str:
        """The value to store for this text with ``params``."""
        return encode(self.code, **params)

    def __call__(self, **params: Any) -> str:
        return self.encode(**params)


def define(code: str, template: Any, /) -> Text:
    """Register the text ``code`` with its template (``gettext_lazy``); returns it."""
    if not _STORED.match(MARK + code):
        raise ValueError(f"Bad text code {code!r}: lower-case words joined by dots.")
    existing = _registry.get(code)
    if existing is not None and str(existing.template) != str(template):
        raise ValueError(f"Text code {code!r} is defined twice with different templates.")
    text = Text(code=code, template=template)
    _registry[code] = text
    return text


def defined(code: str) -> Text | None:
    _discover()
    return _registry.get(code)


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("texts")


# --- storing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class choice:  # noqa: N801 - reads as a value in a call: choice(Order.Status, "picking")
    """A raw code that a ``Choices`` class labels (e.g. a status read from a history row)."""

    choices: type
    value: Any


@dataclass(frozen=True)
class field_of:  # noqa: N801 - a value in a call: field_of(Order, "receiver_phone")
    """A model's field, rendered as its verbose name."""

    model: type
    name: str


def _param(value: Any) -> Any:
    if isinstance(value, field_of):
        return {"$f": value.model._meta.label, "n": value.name}
    if isinstance(value, choice):
        return _choice_param(value.choices, value.value)
    if isinstance(value, models.Choices) or (
            isinstance(value, enum.Enum) and hasattr(type(value), "choices")):
        return _choice_param(type(value), value.value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, Promise):
        raise TypeError("Pass a code (a Choices member or a defined text), not translated words.")
    if isinstance(value, (list, tuple)):
        return [_param(item) for item in value]
    value = str(value)
    parsed = _parse(value)
    if parsed is not None:  # a stored text inside a text: kept as an object, not re-escaped
        return {"$x": parsed[0], "p": parsed[1]}
    return value


def _choice_param(cls: type, value: Any) -> dict:
    return {"$c": f"{cls.__module__}:{cls.__qualname__}", "v": value}


def encode(code: str, /, **params: Any) -> str:
    """The stored form of text ``code`` with ``params`` (see the module's docstring)."""
    if not _STORED.match(MARK + code):
        raise ValueError(f"Bad text code {code!r}.")
    if not params:
        return MARK + code
    stored = {name: _param(value) for name, value in params.items()}
    return MARK + code + json.dumps(stored, ensure_ascii=False, separators=(",", ":"),
                                    sort_keys=True)


def is_encoded(value: Any) -> bool:
    return isinstance(value, str) and _parse(value) is not None


def fit(value: str, max_length: int) -> str:
    """``value`` cut to ``max_length`` characters without breaking a stored text: its longest
    string parameters are shortened (ending in "…") until it fits. Typed text is cut plainly."""
    if len(value) <= max_length:
        return value
    parsed = _parse(value)
    if parsed is None:
        return value[:max_length]
    code, params = parsed
    while len(value) > max_length:
        # the longest string parameter that can still shrink ("x…" cannot)
        strings = [(len(v), k) for k, v in params.items()
                   if isinstance(v, str) and len(v) > 2]
        if not strings:
            nested = [(len(json.dumps(v, ensure_ascii=False)), k) for k, v in params.items()
                      if isinstance(v, (dict, list))]
            if not nested:
                return (MARK + code)[:max_length]
            # a text inside the text, too long to keep as a code: kept as words (hub's language)
            _size, name = max(nested)
            with translation.override(settings.LANGUAGE_CODE):
                params[name] = render_param(params[name])
            value = MARK + code + json.dumps(params, ensure_ascii=False, separators=(",", ":"),
                                             sort_keys=True)
            continue
        length, name = max(strings)
        keep = max(1, length - (len(value) - max_length) - 1)
        params[name] = params[name][:keep] + _ELLIPSIS
        value = MARK + code + json.dumps(params, ensure_ascii=False, separators=(",", ":"),
                                         sort_keys=True)
    return value


def _parse(value: str) -> tuple[str, dict] | None:
    if not value.startswith(MARK):
        return None
    match = _STORED.match(value)
    if match is None:
        return None
    code, raw = match.groups()
    if raw is None:
        return code, {}
    try:
        params = json.loads(raw)
    except ValueError:
        return None
    return (code, params) if isinstance(params, dict) else None


# --- reading ------------------------------------------------------------------------------------
def render(value: Any) -> str:
    """``value`` in the active language: a stored text through its template, anything else
    (a text a person typed, an old row) as itself. Never raises."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return render_value(value)
    parsed = _parse(value)
    if parsed is None:
        return value
    return _render_parsed(*parsed)


def _render_parsed(code: str, params: dict) -> str:
    if not isinstance(params, dict):
        params = {}
    shown = {name: render_param(param) for name, param in params.items()}
    text = defined(code)
    if text is not None:
        try:
            return str(text.template) % shown
        except (KeyError, ValueError, TypeError):
            pass  # a template and its stored parameters out of step: fall through, readably
    return _unknown(code, shown)


def _unknown(code: str, shown: dict[str, str]) -> str:
    words = code.rsplit(".", 1)[-1].replace("_", " ")
    if not shown:
        return words
    return f"{words}（{'，'.join(f'{name}：{value}' for name, value in sorted(shown.items()))}）"


def render_param(param: Any) -> str:
    """One stored parameter in the active language."""
    if isinstance(param, dict):
        if "$c" in param:
            return choice_label(param["$c"], param.get("v"))
        if "$x" in param:
            return _render_parsed(str(param["$x"]), param.get("p") or {})
        if "$f" in param:
            return field_label(param["$f"], param.get("n"))
        if "$t" in param:
            return render_value(_parse_datetime(param["$t"]))
        if "$d" in param:
            try:
                return formats.date_format(dt.date.fromisoformat(param["$d"]), "Y-m-d")
            except (TypeError, ValueError):
                return str(param["$d"])
        return json.dumps(param, ensure_ascii=False)
    if isinstance(param, list):
        return "、".join(render_param(item) for item in param)
    if isinstance(param, str):
        return render(param)
    return render_value(param)


def render_value(value: Any) -> str:
    """A plain value as a person reads it: yes/no, local times, labels of choices."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, models.Choices):
        return str(value.label)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return render(value)
    return str(value)


def _parse_datetime(value: str) -> dt.datetime | str:
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value


def choice_label(path: str, value: Any) -> str:
    """The label of ``value`` in the Choices class named ``module:Qual.Name`` (the value itself,
    readably, when the class or the value is gone)."""
    cls = _choices_class(path)
    if cls is not None:
        try:
            return str(cls(value).label)
        except (ValueError, TypeError):
            pass
    return render_value(value) if not isinstance(value, str) else value


def field_label(model_label: str, name: Any) -> str:
    """The verbose name of a model's field (its name when the model or field is gone)."""
    try:
        return str(apps.get_model(model_label)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, TypeError, FieldDoesNotExist):
        return str(name)


def _choices_class(path: str) -> type | None:
    module_name, _sep, qualname = path.partition(":")
    if not module_name.startswith(_OWN_MODULES) and not module_name.startswith("django."):
        return None
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj if isinstance(obj, type) and issubclass(obj, enum.Enum) else None


def label(choices: type, value: Any) -> str:
    """The label of a raw code, in the active language (the code itself if it is not one)."""
    try:
        return str(choices(value).label)
    except (ValueError, TypeError):
        return render_value(value)

