"""The buyer's tracking page and its QR code: no login, a signed link (``buyer_page``).

A wrong or edited signature, or an order that no longer exists, gets the same plain 404 page
(it tells nothing about which hub numbers exist). The page is Chinese unless ``?lang=en``.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from logistics.shipments.buyer_page import (
    tracking_hub_no,
    tracking_order_get,
    tracking_page_url,
    tracking_qr_svg,
    tracking_view,
)

CHINESE = "zh-hans"


def _language(request: HttpRequest) -> str:
    return "en" if request.GET.get("lang") == "en" else CHINESE


def _not_found(request: HttpRequest, language: str) -> HttpResponse:
    with translation.override(language):
        body = render_to_string("logistics/tracking_not_found.html", {"language": language},
                                request=request)
    response = HttpResponse(body, status=404)
    response["Content-Language"] = language
    return response


@require_safe
@never_cache
def tracking_page(request: HttpRequest, token: str) -> HttpResponse:
    """The order's progress, its parcels and their traces, personal data masked."""
    language = _language(request)
    hub_no = tracking_hub_no(token)
    order = tracking_order_get(hub_no) if hub_no else None
    if order is None:
        return _not_found(request, language)
    with translation.override(language):
        view = tracking_view(order)
        body = render_to_string("logistics/tracking.html", {
            "view": view, "language": language, "token": token,
            "other_language": "en" if language == CHINESE else CHINESE,
        }, request=request)
    response = HttpResponse(body)
    response["Content-Language"] = language
    # The page is the buyer's: no search engine keeps it, no other site frames it.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def tracking_qr(request: HttpRequest, token: str) -> HttpResponse:
    """The link as an SVG QR code; ``?download=1`` saves it as a file."""
    hub_no = tracking_hub_no(token)
    order = tracking_order_get(hub_no) if hub_no else None
    if order is None:
        return _not_found(request, _language(request))
    response = HttpResponse(tracking_qr_svg(tracking_page_url(order, request), scale=8),
                            content_type="image/svg+xml")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="tracking-{order.hub_no}.svg"'
    return response
