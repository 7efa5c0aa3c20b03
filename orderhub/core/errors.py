"""Domain errors. Services raise these; the API's exception handler and the admin turn them
into a status code (or a message) with the human text they carry."""
from __future__ import annotations


class DomainError(Exception):
    """Base class: a business rule refused the request. ``message`` is for humans."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ValidationFailed(DomainError):
    status_code = 400
    code = "invalid"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class PermissionRefused(DomainError):
    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The request is valid but the current state forbids it (e.g. an illegal transition)."""

    status_code = 409
    code = "conflict"


def model_permission_check(actor, instance, action: str) -> None:
    """Refuse unless ``actor`` (``None``: the hub itself) may ``action`` rows like ``instance``
    (``add``, ``change``, ``delete``); the message names the permission the role lacks."""
    opts = instance._meta
    permission = f"{opts.app_label}.{action}_{opts.model_name}"
    if actor is not None and not actor.has_perm(permission):
        raise PermissionRefused(f"Your role may not {action} {opts.verbose_name_plural} "
                                f"(needs '{permission}').")
