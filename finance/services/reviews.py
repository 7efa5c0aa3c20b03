"""Finance's decisions on lines: a yellow difference confirmed, a red line resolved, with a reason.

Each decision is kept in ``LineReview`` (who, when, from which IP, why), and a resolved red line
stops escalating; its alerts are resolved with it.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from finance import permissions, texts
from finance.models import Colour, LineReview, StatementLine
from finance.services.alerts import line_alert_key
from orderhub.alerts.models import Alert
from orderhub.alerts.services import alert_resolve
from orderhub.core.errors import Conflict, NotFound, ValidationFailed
from orderhub.core.history import client_ip, current_request
from orderhub.core.texts import fit, render

REASON_MAX_LENGTH = 255


def _locked(line: StatementLine) -> StatementLine:
    try:
        return StatementLine.objects.select_for_update().get(pk=line.pk)
    except StatementLine.DoesNotExist:
        raise NotFound(f"Statement line #{line.pk} no longer exists.") from None


def _review(line: StatementLine, *, action: str, actor, reason: str) -> StatementLine:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason: it is kept with the decision for the auditors.")
    user = actor if getattr(actor, "is_authenticated", False) else None
    request = current_request()
    line.reviewed_at = timezone.now()
    line.reviewed_by = user
    line.review_reason = reason[:REASON_MAX_LENGTH]
    line.save(update_fields=["reviewed_at", "reviewed_by", "review_reason"])
    LineReview.objects.create(
        line=line, action=action, colour=line.colour, reason=reason[:REASON_MAX_LENGTH],
        actor=user, ip_address=client_ip(request) if request is not None else None,
    )
    return line


@transaction.atomic
def line_confirm(*, line: StatementLine, actor, reason: str) -> StatementLine:
    """Finance accepts a yellow line's explained difference."""
    permissions.require(actor, permissions.REVIEW)
    locked = _locked(line)
    if locked.colour != Colour.YELLOW:
        raise Conflict(
            f"Only yellow lines are confirmed; this line is {locked.colour} "
            f"({render(locked.explanation) or 'no explanation'})."
        )
    if locked.reviewed_at is not None:
        raise Conflict(f"This line was already confirmed: {locked.review_reason}")
    return _review(locked, action=LineReview.Action.CONFIRM, actor=actor, reason=reason)


@transaction.atomic
def line_resolve(*, line: StatementLine, actor, reason: str) -> StatementLine:
    """Finance settles a red line by hand (e.g. refunded the buyer); it stops escalating."""
    permissions.require(actor, permissions.REVIEW)
    locked = _locked(line)
    if locked.colour != Colour.RED:
        raise Conflict(f"Only red lines are resolved; this line is {locked.colour}.")
    if locked.reviewed_at is not None:
        raise Conflict(f"This line was already resolved: {locked.review_reason}")
    reviewed = _review(locked, action=LineReview.Action.RESOLVE, actor=actor, reason=reason)
    keys = [line_alert_key(locked, reason_key) for reason_key in ("red", locked.cause)]
    for alert in Alert.objects.filter(key__in=keys).exclude(status=Alert.AlertStatus.RESOLVED):
        alert_resolve(
            alert=alert,
            actor=actor,
            # The alert keeps 255 characters: the reason is shortened, never the code.
            resolution=fit(texts.LINE_RESOLVED.encode(reason=reviewed.review_reason), 255),
        )
    return reviewed
