"""Requests refused before their body is read (README, "Security and production").

:class:`RequestGuardMiddleware` runs before anything touches ``request.body``, ``POST`` or
``FILES`` (Django parses a multipart upload to disk when the CSRF check first reads
``request.POST``, before any view can check who is asking). It answers, reading nothing:

- 400 when ``Content-Length`` is not a number;
- 413 when the declared body is larger than the limit: ``ORDERHUB_UPLOAD_MAX_BYTES`` for a
  multipart upload (channel spreadsheets, statements, stock, invoices, import-export),
  ``ORDERHUB_MAX_BODY_BYTES`` for any other body, signed push or not;
- 401 (API) or 403 (admin) for a multipart upload from a caller who is not authenticated
  (neither a session nor a valid ``Authorization: Token``), the two login forms aside.

Under WSGI (gunicorn, the production server) a body without ``Content-Length`` is read as
empty by Django, so the declared length bounds what is read. Django's ASGI handler buffers the
whole body (to a temporary file past 2.5 MB) before any middleware runs: the checks still
answer, but after the read, which is why production serves through ``orderhub.wsgi``.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from orderhub.core.api import API_PATH

DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024
DEFAULT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024


def max_body_bytes() -> int:
    return int(getattr(settings, "ORDERHUB_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


def upload_max_bytes() -> int:
    return int(getattr(settings, "ORDERHUB_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def is_upload(content_type: str) -> bool:
    return content_type.strip().lower().startswith("multipart/")


def _refusal(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    if API_PATH.match(request.path_info):
        response = JsonResponse({"detail": detail, "code": code}, status=status)
        if status == 401:
            response["WWW-Authenticate"] = "Token"
        return response
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


def _token_valid(header: str) -> bool:
    scheme, _sep, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "token" or not key or len(key) > 40 or not key.isalnum():
        return False
    return Token.objects.filter(key=key, user__is_active=True).exists()


@lru_cache(maxsize=1)
def _login_paths() -> frozenset[str]:
    """Where one logs in (a login form may be posted as multipart; it carries no file)."""
    return frozenset({reverse("admin:login"), reverse("api-token-login")})


def _authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    # DRF's test client (APIClient.force_authenticate) marks the request itself: nothing
    # outside the process can set it.
    if getattr(request, "_force_auth_user", None) is not None:
        return True
    return _token_valid(request.META.get("HTTP_AUTHORIZATION", ""))


class RequestGuardMiddleware:
    """Size and authentication of a body, checked on its headers (placed after
    AuthenticationMiddleware; its checks run before any middleware's ``process_view``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            return _refusal(request, 400, "invalid",
                            _("The Content-Length header is not a number."))
        upload = is_upload(request.META.get("CONTENT_TYPE", ""))
        limit = upload_max_bytes() if upload else max_body_bytes()
        if length > limit:
            return _refusal(request, 413, "too_large", _(
                "The body is %(size)s bytes; at most %(limit)s are accepted. Send smaller "
                "files or batches.") % {"size": length, "limit": limit})
        if (upload and length and request.path_info not in _login_paths()
                and not _authenticated(request)):
            return _refusal(request, 401 if API_PATH.match(request.path_info) else 403,
                            "not_authenticated",
                            _("Log in (or send a token) before uploading a file."))
        return None
