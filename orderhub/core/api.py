"""The API's error contract and shared permission: every error is JSON with a human ``detail``.

Every error body has ``detail`` (a sentence for humans) and ``code`` (stable, for programs);
validation errors add ``errors`` (the field errors), domain errors add their ``extra`` fields
(e.g. ``current_state`` and ``allowed_transitions`` of a refused transition).

DRF calls :func:`exception_handler` for whatever an API view raises. Unknown URLs and unexpected
exceptions never reach DRF, so ``orderhub/urls.py`` points ``handler400/403/404/500`` at the
views below, which answer JSON under ``/api/`` and Django's usual HTML pages elsewhere.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from orderhub.core.errors import DomainError

API_PATH = re.compile(r"^/api(/|$)")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: domain, DRF and Django errors as JSON; ``None`` means a 500."""
    if isinstance(exc, DomainError):
        set_rollback()
        body = {**exc.extra, "detail": exc.message, "code": exc.code}
        return Response(body, status=exc.status_code)
    exc = _as_api_exception(exc)
    # DRF's own handler sets WWW-Authenticate / Retry-After and rolls back; we reshape the body.
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _error_body(exc)
    return response


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DataError) and "NUL" in str(exc):
        # PostgreSQL refused a NUL that no guard stopped (orderhub/core/nul_guard.py): bad
        # input, answered like the guard's 400; DRF's handler rolls the request back.
        return exceptions.ValidationError(_("Null characters are not allowed."))
    if isinstance(exc, DjangoValidationError):
        # A model or form validator refused a value: bad input, never a server error.
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def _error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail
        if not isinstance(errors, dict):
            errors = {api_settings.NON_FIELD_ERRORS_KEY: errors}
        problems = "; ".join(_problems(errors)) or _("no details")
        return {
            "detail": _("Invalid input: %(problems)s") % {"problems": problems},
            "code": "invalid",
            "errors": errors,
        }
    detail = exc.detail
    if isinstance(detail, (list, dict)):
        detail = "; ".join(_problems(detail))
    code = getattr(exc.detail, "code", None) or exc.default_code
    if isinstance(exc, exceptions.ParseError):
        detail = _("Malformed request body: %(error)s") % {"error": detail}
    return {"detail": str(detail), "code": code}


def _problems(errors: Any, path: str = "") -> Iterator[str]:
    """``"field: message"`` for every message in DRF's nested error structure."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = path
            else:
                name = f"{path}.{key}" if path else str(key)
            yield from _problems(value, name)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, (dict, list)):
                yield from _problems(value, f"{path}[{index}]")
            else:
                yield f"{path}: {value}" if path else str(value)
    else:
        yield f"{path}: {errors}" if path else str(errors)


class ApiErrorSerializer(serializers.Serializer):
    """The body of every API error (for the schema: ``@extend_schema(responses=...)``)."""

    detail = serializers.CharField(help_text=_lazy("What went wrong, for humans."))
    code = serializers.CharField(help_text=_lazy("Stable error code, for programs."))


@extend_schema_field({
    "oneOf": [
        {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
        {"type": "object"},
    ],
    "description": "The field's messages; for a nested object or a list of them, the same "
                   "structure again per field or per item.",
})
class FieldErrorsField(serializers.JSONField):
    """One field's messages: a list of strings, or nested like the input (DRF's shape)."""


class ApiValidationErrorSerializer(ApiErrorSerializer):
    """The body of a 400: the summary, plus the messages per field for invalid fields (a body
    that cannot be parsed has no ``errors``)."""

    errors = serializers.DictField(
        child=FieldErrorsField(), required=False,
        help_text=_lazy("Messages per field (non_field_errors for the request as a whole)."),
    )


class ModelViewPermissions(DjangoModelPermissions):
    """Every method needs ``<app>.view_<model>`` of the view's queryset model.

    Unlike DRF's DjangoModelPermissions, POST does not need ``add_<model>``: the API's writes are
    actions (transitions, holds) whose services check their own, per-action permission.
    """

    perms_map = {
        method: ["%(app_label)s.view_%(model_name)s"]
        for method in ("GET", "OPTIONS", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    }

    def has_permission(self, request, view) -> bool:
        allowed = super().has_permission(request, view)
        if not allowed and request.user and request.user.is_authenticated:
            model = self._queryset(view).model
            self.message = _(
                "Your role may not view %(things)s (needs permission %(permissions)s)."
            ) % {
                "things": model._meta.verbose_name_plural,
                "permissions": ", ".join(self.get_required_permissions(request.method, model)),
            }
        return allowed


class StrictCursorPagination(CursorPagination):
    """Cursor pagination (no COUNT on big tables) whose malformed cursor is a 400, not a 404."""

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None


class NewestFirstPagination(StrictCursorPagination):
    """Newest first by id: stable under inserts and no COUNT(*) on a table of millions."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# --- input fields -------------------------------------------------------------------------------
def choices_text(values) -> str:
    return ", ".join(str(value) for value in values)


class ListsValidChoicesMixin:
    """A refused choice names the valid ones, so that an integrator can fix the request."""

    def fail(self, key, **kwargs):
        if key == "invalid_choice":
            raise serializers.ValidationError(
                _('"%(input)s" is not a valid choice. Valid values: %(valid)s.')
                % {"input": kwargs.get("input"), "valid": choices_text(self.choices)},
                code=key,
            )
        return super().fail(key, **kwargs)


class ValidChoiceField(ListsValidChoicesMixin, serializers.ChoiceField):
    pass


class ValidMultipleChoiceField(ListsValidChoicesMixin, serializers.MultipleChoiceField):
    pass


# --- the schema's shared error responses --------------------------------------------------------
def api_error(description: str, serializer=ApiErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


UNAUTHENTICATED = api_error("No or invalid credentials (Token or session).")
FORBIDDEN = api_error("The user's role lacks the permission.")
INVALID = api_error("Invalid input; field errors under `errors`.", ApiValidationErrorSerializer)


# --- handler400/403/404/500: JSON under /api/, Django's pages elsewhere -----------------------
def is_api_request(request: HttpRequest) -> bool:
    return bool(API_PATH.match(request.path_info))


def _json_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400 (e.g. a SuspiciousOperation raised outside DRF)."""
    if is_api_request(request):
        return _json_error(_("Bad request."), "bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403 (e.g. Django's CSRF check outside DRF)."""
    if is_api_request(request):
        return _json_error(
            _("You do not have permission to perform this action."), "permission_denied", 403
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an unknown ``/api/`` URL answers JSON, not an HTML page."""
    if is_api_request(request):
        return _json_error(
            _("There is no API endpoint at %(path)s; the endpoints are listed at /api/docs/.")
            % {"path": request.path},
            "not_found",
            404,
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON without a traceback under ``/api/`` (Django has logged the error)."""
    if is_api_request(request):
        return _json_error(
            _("Internal server error. It has been logged; please try again later."),
            "server_error",
            500,
        )
    return defaults.server_error(request)
