"""Admin screens of the write-back: the channels' API access (secrets masked, replaced through
a write-only field), the write-backs with their attempts and a retry action, and the card on
the order page (``OrderAdmin.page_panels``, since orders may not import channels).

Every action calls a service and reports with ``message_user``.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from orderhub.core.errors import DomainError
from orders.admin import ReadOnlyMixin, pill
from orders.models import Order

from channels.masking import masked
from channels.writeback.models import ChannelApiAccess, WriteBack, WriteBackAttempt
from channels.writeback.selectors import order_writebacks
from channels.writeback.services import (
    RETRY_PERMISSION,
    channel_api_access_save,
    writeback_retryable,
    writebacks_retry,
)

Status = WriteBack.WriteBackStatus
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    Status.PENDING: ("#fff3e0", "#e65100"),
    Status.SENT: ("#e3f2fd", "#0d47a1"),
    Status.CONFIRMED: ("#e8f5e9", "#1b5e20"),
    Status.FAILED: ("#ffebee", "#b71c1c"),
    Status.NOT_NEEDED: ("#f5f5f5", "#616161"),
}


def writeback_pill(writeback: WriteBack) -> SafeString:
    return pill(writeback.get_status_display(), STATUS_COLOURS[writeback.status])


def writeback_problem(writeback: WriteBack) -> str:
    """Why it is not confirmed, in words: our reason, then the platform's own code and words."""
    if writeback.status == Status.CONFIRMED:
        return ""
    parts = [writeback.get_reason_display() if writeback.reason else "",
             " ".join(filter(None, [writeback.platform_code, writeback.platform_message])),
             writeback.last_error]
    return " — ".join(filter(None, parts))


# --- API access --------------------------------------------------------------------------------
class ChannelApiAccessForm(forms.ModelForm):
    base_url = forms.URLField(
        label=_("API address"), required=False, max_length=255, assume_scheme="https",
        help_text=ChannelApiAccess._meta.get_field("base_url").help_text,
    )
    new_app_secret = forms.CharField(
        label=_("new app secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one. It is never shown again."),
    )
    new_access_token = forms.CharField(
        label=_("new access token"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one. It is never shown again."),
    )

    new_signing_secret = forms.CharField(
        label=_("new signing secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one. It is never shown again."),
    )

    class Meta:
        model = ChannelApiAccess
        fields = ("channel", "writeback_enabled", "base_url", "app_key", "carrier_codes",
                  "platform_settings")

    def clean_platform_settings(self):
        values = self.cleaned_data["platform_settings"] or {}
        if not isinstance(values, dict) or not all(
                isinstance(value, (str, int)) for value in values.values()):
            raise forms.ValidationError(_('Platform settings are an object of names and '
                                          'values, e.g. {"shop_id": "123456"}.'))
        return {str(key): str(value) for key, value in values.items()}

    def clean_carrier_codes(self):
        codes = self.cleaned_data["carrier_codes"] or {}
        if not isinstance(codes, dict) or not all(
                isinstance(value, (str, int)) for value in codes.values()):
            raise forms.ValidationError(_('Carrier codes are an object of hub carrier codes and '
                                          'the platform\'s codes, e.g. {"JTEXPRESS": "384"}.'))
        return {str(key): str(value) for key, value in codes.items()}


@admin.register(ChannelApiAccess)
class ChannelApiAccessAdmin(admin.ModelAdmin):
    form = ChannelApiAccessForm
    list_display = ("channel", "writeback_enabled", "base_url", "app_key", "secret", "token",
                    "updated_at")
    list_select_related = ("channel",)
    list_filter = ("writeback_enabled",)
    readonly_fields = ("secret", "token", "signing", "updated_at")

    @admin.display(description=_("app secret"))
    def secret(self, obj: ChannelApiAccess) -> str:
        return masked(obj.app_secret) or "—"

    @admin.display(description=_("access token"))
    def token(self, obj: ChannelApiAccess) -> str:
        return masked(obj.access_token) or "—"

    @admin.display(description=_("signing secret"))
    def signing(self, obj: ChannelApiAccess) -> str:
        return masked(obj.signing_secret) or "—"

    def save_model(self, request, obj, form, change) -> None:
        channel_api_access_save(access=obj, actor=request.user,
                                app_secret=form.cleaned_data.get("new_app_secret") or None,
                                access_token=form.cleaned_data.get("new_access_token") or None,
                                signing_secret=form.cleaned_data.get("new_signing_secret")
                                or None)


# --- write-backs ---------------------------------------------------------------------------------
class WriteBackAttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = WriteBackAttempt
    fields = ("number", "started_at", "duration_ms", "verdict", "reason", "http_status",
              "platform_code", "platform_message", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(WriteBack)
class WriteBackAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "order_no", "channel", "carrier", "tracking_no", "status_shown",
                    "attempts", "next_attempt_at", "problem", "updated_at")
    list_filter = ("status", "reason", "channel")
    list_select_related = ("order", "channel")
    search_fields = ("=order__hub_no", "=order__channel_order_no", "=tracking_no")
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ("retry_now",)
    inlines = (WriteBackAttemptInline,)
    fields = ("order_no", "channel", "carrier", "carrier_given", "tracking_no", "shipment_ref",
              "status_shown", "problem", "attempts", "next_attempt_at", "last_attempt_at",
              "ship_by", "deadline_alerted_at", "confirmed_at", "retried_at", "retried_by",
              "answer_excerpt", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description=_("order"), ordering="order__hub_no")
    def order_no(self, obj: WriteBack) -> str:
        url = reverse("admin:orders_order_change", args=[quote(obj.order_id)])
        return format_html('<a href="{}">{}</a>', url, obj.order.hub_no)

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: WriteBack) -> SafeString:
        return writeback_pill(obj)

    @admin.display(description=_("why not confirmed"))
    def problem(self, obj: WriteBack) -> str:
        return writeback_problem(obj)[:300]

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset) -> None:
        try:
            count = writebacks_retry(writeback_ids=queryset.values_list("pk", flat=True),
                                     actor=request.user)
        except DomainError as problem:
            self.message_user(request, problem.message, messages.ERROR)
            return
        self.message_user(request, gettext("%(count)d write-back(s) will be sent again now.")
                          % {"count": count}, messages.SUCCESS)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RETRY_PERMISSION)

    def get_urls(self):
        return [
            path("<int:writeback_id>/retry/",
                 self.admin_site.admin_view(require_POST(self.retry_view)),
                 name="channels_writeback_retry"),
        ] + super().get_urls()

    def retry_view(self, request: HttpRequest, writeback_id: int):
        """The order page's "Retry now" button: one write-back, back to where it was asked."""
        if not self.has_retry_permission(request):
            raise PermissionDenied
        writeback = get_object_or_404(WriteBack, pk=writeback_id)
        count = writebacks_retry(writeback_ids=[writeback.pk], actor=request.user)
        if count:
            self.message_user(request, gettext("The write-back of %(tracking)s will be sent "
                                               "again now.") % {"tracking": writeback.tracking_no},
                              messages.SUCCESS)
        else:
            self.message_user(request, gettext("This write-back cannot be retried now (%(status)s).")
                              % {"status": writeback.get_status_display()}, messages.WARNING)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("admin:channels_writeback_change", args=[writeback.pk])
        return HttpResponseRedirect(back)


# --- the order page ------------------------------------------------------------------------------
def order_page_writeback_panel(request: HttpRequest, order: Order) -> str:
    """The write-back card on the order page: each confirmation to the channel, its state and
    why, and "Retry now" for those who may."""
    if not request.user.has_perm("channels.view_writeback"):
        return ""
    rows = [
        {"writeback": writeback, "pill": writeback_pill(writeback),
         "problem": writeback_problem(writeback),
         "retry_url": reverse("admin:channels_writeback_retry", args=[writeback.pk]),
         "may_retry": writeback_retryable(writeback)}
        for writeback in order_writebacks(order=order)
    ]
    context = {"order": order, "rows": rows, "csrf_token": get_token(request),
               "may_retry": request.user.has_perm(RETRY_PERMISSION), "next": request.path}
    return render_to_string("admin/channels/includes/order_writeback_panel.html", context,
                            request=request)


# Orders may not import channels (STYLE.md): channels adds its card to the order page.
admin.site.get_model_admin(Order).page_panels.append(order_page_writeback_panel)
