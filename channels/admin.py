"""Admin screens for getting orders in: channel endpoints (secrets masked), deliveries with
their errors and a reprocess action, the spreadsheet upload with a dry-run preview, product
aliases (import and export), test-order rules, identity matching and merges (undo).

Every action calls a service and reports with ``message_user``; nothing here changes an order.
"""
from __future__ import annotations

import json

import tablib
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import SelectableFieldsExportForm

from orderhub.core.errors import DomainError
from orders.models import Channel

from channels.importers import PosTemplateResource, SkuAliasResource
from channels.models import (
    ChannelEndpoint,
    CustomerIdentity,
    Delivery,
    DeliverySource,
    IdentityMatchSettings,
    IdentityMerge,
    RefusedDelivery,
    SkuAlias,
    TestOrderRule,
)
from channels.selectors import can_see_payloads, delivery_answer_shown
from channels.services.deliveries import (
    REPROCESS_PERMISSION,
    deliveries_reprocess,
    delivery_process,
    delivery_store,
)
from channels.services.endpoints import endpoint_secret_set
from channels.services.identity import UNDO_PERMISSION, identity_merge_undo

UPLOAD_PERMISSION = "channels.upload_spreadsheet"
BODY_PREVIEW = 20_000


# --- channel endpoints -----------------------------------------------------------------------
class ChannelEndpointForm(forms.ModelForm):
    new_secret = forms.CharField(
        label=_("new webhook secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current secret. It is never shown again."),
    )

    class Meta:
        model = ChannelEndpoint
        fields = ("channel", "scheme", "accepts_pushes")


@admin.register(ChannelEndpoint)
class ChannelEndpointAdmin(admin.ModelAdmin):
    form = ChannelEndpointForm
    list_display = ("channel", "scheme", "accepts_pushes", "secret")
    list_select_related = ("channel",)
    list_filter = ("scheme", "accepts_pushes")

    @admin.display(description=_("webhook secret"))
    def secret(self, obj: ChannelEndpoint) -> str:
        return obj.masked_secret or gettext("(none: signed pushes are refused)")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            # a reader sees the masked secret, not an empty box (shown as "New secret: None")
            fields = [name for name in fields if name != "new_secret"] + ["secret"]
        return fields

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("new_secret"):
            endpoint_secret_set(endpoint=obj, secret=form.cleaned_data["new_secret"],
                                actor=request.user)


# --- deliveries ------------------------------------------------------------------------------
class UploadForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=_("channel"), queryset=Channel.objects.filter(platform=Channel.Platform.POS),
        empty_label=None,
    )
    file = forms.FileField(label=_("spreadsheet (xlsx or csv)"))


class PayloadPrivacyMixin:
    """Hides ``personal_fields`` (payloads, headers, the sender's address) from roles that may
    not see buyers' personal data (``channels.selectors.can_see_payloads``)."""

    personal_fields: tuple[str, ...] = ()

    def _without_personal(self, request, names):
        if can_see_payloads(request.user):
            return names
        return [name for name in names if name not in self.personal_fields]

    def get_fields(self, request, obj=None):
        return self._without_personal(request, super().get_fields(request, obj))

    def get_list_display(self, request):
        return self._without_personal(request, super().get_list_display(request))


@admin.register(Delivery)
class DeliveryAdmin(PayloadPrivacyMixin, admin.ModelAdmin):
    list_display = ("id", "channel", "source", "status", "received_at", "order_count",
                    "short_error")
    list_filter = ("status", "source", "channel")
    list_select_related = ("channel",)
    search_fields = ("=id", "filename", "error", "=body_sha256")
    date_hierarchy = "received_at"
    show_full_result_count = False
    actions = ["reprocess"]
    readonly_fields = ("channel", "source", "status", "received_at", "processed_at",
                       "content_type", "filename", "remote_addr", "received_by", "attempts",
                       "order_count", "replay_of", "error", "headers_shown", "body_shown",
                       "result_shown")
    exclude = ("headers", "body", "body_sha256", "result")
    change_form_template = None

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body")

    personal_fields = ("remote_addr", "headers_shown", "body_shown", "result_shown")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("error"))
    def short_error(self, obj: Delivery) -> str:
        return obj.error[:120]

    @admin.display(description=_("headers"))
    def headers_shown(self, obj: Delivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.headers, indent=2,
                                                       ensure_ascii=False))

    @admin.display(description=_("body (as received)"))
    def body_shown(self, obj: Delivery) -> str:
        body = obj.body_bytes
        text = body[:BODY_PREVIEW].decode("utf-8", "replace")
        more = gettext(" … (%(size)s bytes in all)") % {"size": len(body)} \
            if len(body) > BODY_PREVIEW else ""
        return format_html("<pre style='white-space:pre-wrap'>{}{}</pre>", text, more)

    @admin.display(description=_("result"))
    def result_shown(self, obj: Delivery) -> str:
        shown = json.dumps(delivery_answer_shown(obj.result), indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", shown[:BODY_PREVIEW])

    @admin.action(description=_("Reprocess the selected deliveries"),
                  permissions=["reprocess"])
    def reprocess(self, request: HttpRequest, queryset) -> None:
        done, failures = deliveries_reprocess(deliveries=queryset.order_by("pk"),
                                              actor=request.user)
        if done:
            self.message_user(request, gettext("%(count)d deliveries reprocessed.")
                              % {"count": done}, messages.SUCCESS)
        for failure in failures:
            self.message_user(request, failure, messages.ERROR)

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REPROCESS_PERMISSION)

    # --- spreadsheet upload with a dry-run preview --------------------------------------------
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view),
                 name="%s_%s_upload" % info),
            path("upload/template/", self.admin_site.admin_view(self.template_view),
                 name="%s_%s_template" % info),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "can_upload": request.user.has_perm(UPLOAD_PERMISSION)}
        return super().changelist_view(request, extra_context)

    def template_view(self, request: HttpRequest) -> HttpResponse:
        resource = PosTemplateResource()
        book = tablib.Databook((resource.template(), resource.help_sheet()))
        response = HttpResponse(
            book.export("xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="pos_orders_template.xlsx"'
        return response

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": gettext("Upload an order spreadsheet")}
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            delivery = delivery_store(
                channel=form.cleaned_data["channel"], body=upload.read(),
                source=DeliverySource.ADMIN, content_type=upload.content_type or "",
                filename=upload.name, user=request.user,
            )
            try:
                preview = delivery_process(delivery=delivery, actor=request.user, dry_run=True)
            except DomainError as exc:
                context.update(errors=exc.extra.get("errors", []), detail=exc.message)
            else:
                context.update(preview=preview, delivery=delivery)
        context["form"] = form
        return TemplateResponse(request, "admin/channels/delivery/upload.html", context)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        delivery = get_object_or_404(Delivery, pk=request.POST.get("confirm"),
                                     status=Delivery.Status.PREVIEWED,
                                     source=DeliverySource.ADMIN)
        try:
            answer = delivery_process(delivery=delivery, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Imported: %(created)d created, %(updated)d updated, %(dropped)d "
                        "dropped as test orders.") % answer,
                messages.SUCCESS,
            )
        return redirect(reverse("admin:channels_delivery_change", args=[delivery.pk]))


@admin.register(RefusedDelivery)
class RefusedDeliveryAdmin(PayloadPrivacyMixin, admin.ModelAdmin):
    list_display = ("id", "channel_code", "received_at", "reason", "remote_addr", "body_size")
    list_filter = ("channel_code",)
    show_full_result_count = False
    readonly_fields = ("channel_code", "received_at", "reason", "headers", "body_excerpt",
                       "body_size", "remote_addr")
    personal_fields = ("remote_addr", "headers", "body_excerpt")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- cleaning ----------------------------------------------------------------------------------
class LabelledExportForm(SelectableFieldsExportForm):
    """The export page names each column as the sheet heads it (别名, not "Alias")."""

    def _get_field_label(self, resource, field_name: str) -> str:
        return capfirst(str(resource.fields[field_name].column_name))


@admin.register(SkuAlias)
class SkuAliasAdmin(ImportExportModelAdmin):
    resource_classes = [SkuAliasResource]
    export_form_class = LabelledExportForm
    list_display = ("alias", "product", "channel")
    list_select_related = ("product", "channel")
    list_filter = ("channel",)
    search_fields = ("alias", "product__sku", "product__name")
    autocomplete_fields = ()
    raw_id_fields = ("product",)


@admin.register(TestOrderRule)
class TestOrderRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "field", "match", "value", "is_active")
    list_filter = ("is_active", "channel", "field")
    list_editable = ("is_active",)


@admin.register(IdentityMatchSettings)
class IdentityMatchSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "phone_weight", "buyer_id_weight", "device_weight", "threshold",
                    "duplicate_window_minutes")

    def has_add_permission(self, request) -> bool:
        return not IdentityMatchSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- identities --------------------------------------------------------------------------------
@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(admin.ModelAdmin):
    list_display = ("value", "kind", "customer", "created_at")
    list_filter = ("kind",)
    list_select_related = ("customer",)
    search_fields = ("=value", "=customer__id")
    show_full_result_count = False
    readonly_fields = ("customer", "kind", "value", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdentityMerge)
class IdentityMergeAdmin(admin.ModelAdmin):
    list_display = ("id", "survivor", "absorbed", "reason", "merged_at", "undone_at")
    list_filter = (("undone_at", admin.EmptyFieldListFilter),)
    list_select_related = ("survivor", "absorbed")
    search_fields = ("=survivor__id", "=absorbed__id", "reason")
    actions = ["undo"]
    readonly_fields = ("survivor", "absorbed", "reason", "moved_order_ids",
                       "moved_identity_ids", "merged_at", "merged_by", "undone_at", "undone_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Undo the selected merges"), permissions=["undo"])
    def undo(self, request: HttpRequest, queryset) -> None:
        for merge in queryset.order_by("pk"):
            try:
                identity_merge_undo(merge=merge, actor=request.user,
                                    reason=gettext("undone in the admin"))
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, gettext("Merge #%(id)d undone: customer #%(absorbed)d "
                                                   "has its orders back.")
                                  % {"id": merge.pk, "absorbed": merge.absorbed_id},
                                  messages.SUCCESS)

    def has_undo_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(UNDO_PERMISSION)


# Shipping write-back: API access, write-backs and the order page's card.
from channels.writeback import admin as writeback_admin  # noqa: E402,F401
