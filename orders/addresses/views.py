"""The two small JSON endpoints the address forms' script calls (inside the admin, staff only):
the cities or districts under a choice, and the parts of a pasted address."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from orders.addresses.parsing import address_parse
from orders.addresses.regions import region_choices
from orders.services import CHANGE_ORDER_PERMISSION

PASTE_MAX_LENGTH = 500
PART_LABELS = {
    "name": _lazy("Receiver"), "phone": _lazy("Phone"), "province": _lazy("Province"),
    "city": _lazy("City"), "district": _lazy("District"), "address": _lazy("Address"),
}


@require_GET
def regions_view(request: HttpRequest) -> JsonResponse:
    """``?province=浙江省`` → its cities; ``&city=杭州市`` → that city's districts too."""
    if not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    names = region_choices(province=request.GET.get("province", "").strip(),
                           city=request.GET.get("city", "").strip())
    return JsonResponse({"cities": names["cities"], "districts": names["districts"]})


@require_POST
def parse_view(request: HttpRequest) -> JsonResponse:
    """``text`` → the receiver's parts, the ones not found, and the labels to show them with."""
    if not request.user.has_perm(CHANGE_ORDER_PERMISSION):
        raise PermissionDenied
    text = request.POST.get("text", "")
    if len(text) > PASTE_MAX_LENGTH:
        return JsonResponse({"detail": _("Paste at most %(limit)d characters.")
                             % {"limit": PASTE_MAX_LENGTH}}, status=400)
    parsed = address_parse(text)
    return JsonResponse({
        "parts": parsed.receiver(),
        "missing": parsed.missing,
        "labels": {part: str(label) for part, label in PART_LABELS.items()},
        "missing_text": _("Not found, fill in by hand: %(parts)s") % {
            "parts": "、".join(str(PART_LABELS[part]) for part in parsed.missing)},
        "check_text": _("Check the parts below, then save."),
    })
