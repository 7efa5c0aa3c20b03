"""Requests that carry a NUL character in a field are refused before any view reads them.

PostgreSQL refuses NUL (U+0000) in every text value it is asked to store *or compare*, so a
NUL that reaches any query (a channel code looked up by a serializer's related field, a filter,
an admin search) answers 500 there while SQLite quietly accepts it. No person types a NUL and
no documented field may hold one, so instead of guarding each field:

- :class:`NulGuardMiddleware` answers 400 for a NUL in the query string, everywhere, and in
  the name or value of an API's ``application/x-www-form-urlencoded``
  field. Nothing has been read by a view, so nothing is written. The admin's forms are left
  to Django's form fields, which refuse NUL in text with the form's own error (and to views
  that clean a barcode scanner's control characters on purpose, as the scan station does).
- The API's multipart bodies are checked by ``orderhub.core.parsers.MultiPartParser`` when DRF parses them (the
  API's default, and named by the views that list their parsers), not in the middleware: a
  view may need the raw body (a courier's push is stored as received), which Django cannot
  give once the form was parsed from the stream. ``tests/core/test_nul_guard.py`` checks that
  every API view that takes multipart uses it.
- The body of a JSON request is left to its serializer: DRF's ``CharField`` refuses NUL, and
  the channel endpoints keep a NUL quoted in a platform's payload (as U+FFFD) on purpose.
- Last, the API's exception handler (``orderhub.core.api``) turns a NUL that still reaches
  PostgreSQL into the same 400, rolled back, instead of a 500.

The middleware sits after ``RequestGuardMiddleware`` (body size and who uploads are checked on
the headers first, so an upload is never parsed for a caller who may not upload) and runs in
``process_view``, after Django's CSRF check.
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from orderhub.core.api import API_PATH
from orderhub.core.parsers import holding_nul

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"


def nul_fields(request: HttpRequest) -> list[str]:
    """The names of the fields (query string, form, file names) that hold a NUL, in order."""
    found = list(holding_nul(request.GET.lists()))
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if not API_PATH.match(request.path_info) or content_type == MULTIPART:
        return found  # admin forms: their fields; the API's multipart: its parser
    if request.method not in ("GET", "HEAD", "OPTIONS") and content_type == URLENCODED:
        found.extend(holding_nul(request.POST.lists()))
    return list(dict.fromkeys(found))


def nul_refusal(request: HttpRequest, fields: list[str]) -> HttpResponse:
    """The API's usual 400 (``detail``, ``code``, ``errors`` per field); plain text elsewhere."""
    message = _("Null characters are not allowed.")
    if API_PATH.match(request.path_info):
        problems = "; ".join(f"{name}: {message}" for name in fields)
        return JsonResponse({
            "detail": _("Invalid input: %(problems)s") % {"problems": problems},
            "code": "invalid",
            "errors": {name: [message] for name in fields},
        }, status=400)
    text = _("The request was refused: %(fields)s hold a null character (\\x00), which no "
             "field accepts. Nothing was saved.") % {"fields": ", ".join(fields)}
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


class NulGuardMiddleware:
    """400 for a NUL in the query string or a form field (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        # A NUL in the path is the view's to answer (a page that does not exist: 404).
        fields = nul_fields(request)
        return nul_refusal(request, fields) if fields else None

