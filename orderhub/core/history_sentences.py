"""The audit trail as sentences a person reads: "2026-12-04 10:31 张三 将状态从 拣货中 改为 打包中
（原因：…）".

Every admin history page (simple-history's ``object_history_list.html``, overridden in
``templates/simple_history/``) shows its records through :func:`history_rows`: local time, who,
what changed with each value as staff read it (a choice's label, yes/no, local times, the
related object, a stored text rendered) and the reason rendered from its code. Nothing raw (a
status code, ``False``, a UTC timestamp) reaches the page.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from orderhub.core.texts import render, render_value

# simple-history's bookkeeping columns: never a change a person made.
_BOOKKEEPING = {"updated_at", "modified", "modified_at", "version"}


def field_value(model: type[models.Model], name: str, value: Any) -> str:
    """One stored value of ``model.name`` as staff read it."""
    if value is None or value == "":
        return "—"
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if field is not None and field.is_relation and field.related_model is not None:
        if isinstance(value, models.Model):
            return str(value)
        try:
            return str(field.related_model._default_manager.get(pk=value))
        except (ObjectDoesNotExist, ValueError, TypeError):
            return f"#{value}"
    if isinstance(value, str) and isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is not None:
            value = moment
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return render_value(value)


def field_name(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def record_sentence(model: type[models.Model], record, changes: Sequence) -> str:
    """What one history record did, in a sentence (without the time)."""
    who = _who(record)
    kind = getattr(record, "history_type", "~")
    if kind == "+":
        sentence = gettext("%(who)s created it") % {"who": who}
    elif kind == "-":
        sentence = gettext("%(who)s deleted it") % {"who": who}
    else:
        clauses = [
            gettext("changed %(field)s from %(old)s to %(new)s") % {
                "field": field_name(model, change.field),
                "old": field_value(model, change.field, change.old),
                "new": field_value(model, change.field, change.new),
            }
            for change in changes if change.field not in _BOOKKEEPING
        ]
        if clauses:
            sentence = gettext("%(who)s %(changes)s") % {
                "who": who, "changes": gettext("; ").join(clauses)}
        else:
            sentence = gettext("%(who)s saved it without changes") % {"who": who}
    reason = render(getattr(record, "history_change_reason", "") or "")
    if reason:
        sentence += gettext(" (reason: %(reason)s)") % {"reason": reason}
    return sentence


def _who(record) -> str:
    user = getattr(record, "history_user", None)
    if user is None:
        return gettext("the hub")
    if not user.is_active and user.username == _system_username():
        return gettext("the hub")
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def _system_username() -> str:
    from django.conf import settings

    return getattr(settings, "ORDERHUB_SYSTEM_USERNAME", "")


def history_rows(model: type[models.Model], records: Sequence) -> list[dict]:
    """A page of history records (newest first, as the admin lists them) as rows of local
    time, sentence and the record, each diffed against the record before it."""
    records = list(records)
    rows = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else _previous(record)
        changes = []
        if older is not None and getattr(record, "history_type", "~") == "~":
            try:
                changes = record.diff_against(older).changes
            except Exception:  # noqa: BLE001 - a history row of a changed schema: no diff
                changes = []
        at = record.history_date
        rows.append({
            "record": record,
            "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "",
            "sentence": record_sentence(model, record, changes),
        })
    return rows


def _previous(record):
    try:
        return record.prev_record
    except (AttributeError, ObjectDoesNotExist):
        return None
