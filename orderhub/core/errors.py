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
