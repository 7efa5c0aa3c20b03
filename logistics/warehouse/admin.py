"""The floor's admin: waves (each with its pick list), pick locations, and the pages of
``views`` (pick list, scan station, batch hand-over) hung on the waves' admin URLs."""
from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from logistics.warehouse import views
from logistics.warehouse.models import PickLocation, Wave, WaveOrder


def pick_list_link(wave_id: int, number: str) -> str:
    return format_html('<a class="oh-pick-list" href="{}">{}</a>',
                       reverse("admin:logistics_wave_picklist", args=[wave_id]), number)


class WaveOrderInline(admin.TabularInline):
    model = WaveOrder
    fields = ("order", "position")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    """Waves are made from the picking queue (its "make a wave" action), never by hand."""

    list_display = ("number_link", "warehouse", "order_count", "created_at", "created_by")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse", "created_by")
    readonly_fields = ("warehouse", "created_at", "created_by")
    inlines = (WaveOrderInline,)

    def get_urls(self):
        site = self.admin_site
        return [
            path("<int:pk>/pick-list/", site.admin_view(partial(views.pick_list_view,
                                                                admin_site=site)),
                 name="logistics_wave_picklist"),
            path("scan-station/", site.admin_view(partial(views.scan_station_view,
                                                          admin_site=site)),
                 name="logistics_scan_station"),
            path("hand-over/", site.admin_view(partial(views.handover_view, admin_site=site)),
                 name="logistics_handover"),
        ] + super().get_urls()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("wave"), ordering="pk")
    def number_link(self, obj: Wave) -> str:
        return pick_list_link(obj.pk, obj.number)

    @admin.display(description=_("orders"))
    def order_count(self, obj: Wave) -> int:
        return len(obj.members.all())


@admin.register(PickLocation)
class PickLocationAdmin(admin.ModelAdmin):
    """One by one here, or many at once pasted from a spreadsheet (``paste/``)."""

    list_display = ("sku", "location", "warehouse")
    list_editable = ("location",)
    list_filter = ("warehouse",)
    search_fields = ("=sku", "location")
    list_select_related = ("warehouse",)
    change_list_template = "logistics/warehouse/picklocation_change_list.html"

    def get_urls(self):
        return [path("paste/", self.admin_site.admin_view(partial(
            views.pick_locations_paste_view, admin_site=self.admin_site)),
            name="logistics_picklocation_paste")] + super().get_urls()
