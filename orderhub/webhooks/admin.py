"""Webhooks in the admin: every subscription (secrets masked), its deliveries and their
attempts with what the receiver answered; staff re-enable, switch off, ping and retry.

Writes go through ``orderhub.webhooks.services``: the form checks the URL and the event types
as the API does, a new subscription's secret is shown once (in the message after saving), and
the actions report with ``message_user`` and leave an entry in the object's admin history.
"""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from orderhub.core.errors import DomainError
from orderhub.webhooks import texts
from orderhub.events.admin import order_link
from orderhub.events.kinds import kind_html, kind_label
from orderhub.webhooks.addresses import url_target
from orderhub.webhooks.models import Delivery, DeliveryAttempt, Subscription, masked_url
from orderhub.webhooks.registry import PUBLIC_EVENT_TYPES
from orderhub.webhooks.services import (
    deliveries_retry,
    event_types_clean,
    secret_clean,
    subscription_create,
    subscription_delete,
    subscription_disable,
    subscription_enable,
    subscription_ping,
    subscription_update,
)

Status = Delivery.DeliveryStatus
RECENT = 20
COLOURS = {
    "green": ("#e8f5e9", "#1b5e20"), "yellow": ("#fff8e1", "#7a5c00"),
    "red": ("#ffebee", "#b71c1c"), "grey": ("#eceff1", "#37474f"),
}
DELIVERY_COLOURS = {Status.SENT: "green", Status.PENDING: "yellow", Status.FAILED: "red"}


def pill(label: str, colour: str) -> SafeString:
    background, text = COLOURS[colour]
    return format_html('<span style="background:{};color:{};padding:1px 8px;'
                       'border-radius:9px;white-space:nowrap">{}</span>', background, text, label)


def masked_secret(secret: str) -> str:
    return f"••••{secret[-4:]}" if secret else "—"


# --- subscriptions ------------------------------------------------------------------------------
class SubscriptionForm(forms.ModelForm):
    """Checks what the API checks, before anything is saved."""

    events = forms.MultipleChoiceField(
        label=_("event types"), choices=[(kind, kind) for kind in PUBLIC_EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    new_secret = forms.CharField(
        label=_("new secret"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "size": 60}),
        help_text=_("At least 16 characters. Leave empty to keep the secret (a new "
                    "subscription then gets a random one, shown once after saving)."),
    )

    class Meta:
        model = Subscription
        fields = ["owner", "url", "events"]
        widgets = {"url": forms.URLInput(attrs={"size": 80})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # each type by its label in the reader's language, its code (the contract's) beside it
        self.fields["events"].choices = [(kind, kind_html(kind)) for kind in PUBLIC_EVENT_TYPES]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url != self.instance.url:
            try:
                url_target(url)
            except DomainError as refused:
                raise forms.ValidationError(refused.message) from None
        return url

    def clean_events(self) -> list[str]:
        try:
            return event_types_clean(self.cleaned_data["events"])
        except DomainError as refused:
            raise forms.ValidationError(refused.message) from None

    def clean_new_secret(self) -> str:
        secret = self.cleaned_data.get("new_secret") or ""
        if secret:
            try:
                secret_clean(secret)
            except DomainError as refused:
                raise forms.ValidationError(refused.message) from None
        return secret


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("id", "endpoint", "owner", "event_types", "state", "consecutive_failures",
                    "last_success_at", "last_status_code", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("owner",)
    search_fields = ("url", "owner__username")
    actions = ["enable", "disable", "ping"]
    readonly_fields = ("secret_masked", "state", "disabled_reason", "disabled_at",
                       "consecutive_failures", "failing_since", "last_success_at",
                       "last_attempt_at", "last_status_code", "last_error", "created_at",
                       "updated_at", "recent_deliveries")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["owner", "url", "events", "new_secret"]})]
        return [
            (None, {"fields": ["owner", "url", "events", "secret_masked", "new_secret"]}),
            (_("Health"), {"fields": ["state", "disabled_reason", "disabled_at",
                                      "consecutive_failures", "failing_since",
                                      "last_success_at", "last_attempt_at",
                                      "last_status_code", "last_error",
                                      "created_at", "updated_at"]}),
            (_("Recent deliveries"), {"fields": ["recent_deliveries"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return (*self.readonly_fields, "owner")  # a subscription stays its owner's
        return self.readonly_fields

    # --- columns ---------------------------------------------------------------------------------
    @admin.display(description=_("URL"), ordering="url")
    def endpoint(self, subscription: Subscription) -> str:
        return masked_url(subscription.url)

    @admin.display(description=_("event types"))
    def event_types(self, subscription: Subscription) -> str:
        return format_html_join("、", "{}", ((kind_label(kind),) for kind in subscription.events))

    @admin.display(description=_("state"))
    def state(self, subscription: Subscription) -> SafeString:
        if not subscription.is_active:
            return pill(gettext("switched off"), "red")
        if subscription.consecutive_failures:
            return pill(gettext("failing (%(count)d in a row)")
                        % {"count": subscription.consecutive_failures}, "yellow")
        if subscription.last_attempt_at is None:
            return pill(gettext("not tried yet"), "grey")
        return pill(gettext("healthy"), "green")

    @admin.display(description=_("secret"))
    def secret_masked(self, subscription: Subscription) -> str:
        return masked_secret(subscription.secret)

    @admin.display(description=_("recent deliveries"))
    def recent_deliveries(self, subscription: Subscription) -> SafeString | str:
        deliveries = list(subscription.deliveries.order_by("-id")[:RECENT])
        if not deliveries:
            return "—"
        rows = format_html_join("", "<tr><td><a href=\"{}\">#{}</a></td><td>{}</td><td>{}</td>"
                                    "<td>{}</td><td>{}</td><td>{}</td></tr>", (
            (reverse("admin:webhooks_delivery_change", args=[d.pk]), d.pk, d.event_type,
             pill(d.get_status_display(), DELIVERY_COLOURS[d.status]), d.attempts,
             d.last_status_code or "—", timezone.localtime(d.created_at).strftime("%m-%d %H:%M:%S"))
            for d in deliveries
        ))
        every = reverse("admin:webhooks_delivery_changelist") + f"?subscription__id__exact=" \
                                                              f"{subscription.pk}"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th></tr></thead><tbody>{}</tbody></table><p><a href=\"{}\">{}</a></p>",
            gettext("delivery"), gettext("event type"), gettext("status"), gettext("attempts"),
            gettext("last HTTP status"), gettext("created at"), rows, every,
            gettext("All deliveries of this subscription"),
        )

    # --- saving and deleting through the services -------------------------------------------------
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            subscription_update(subscription=obj, url=data["url"], events=data["events"],
                                secret=data.get("new_secret") or None, actor=request.user)
            return
        created, secret = subscription_create(
            owner=data["owner"], url=data["url"], events=data["events"],
            secret=data.get("new_secret") or None, actor=request.user,
        )
        for field in Subscription._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        self.message_user(request, gettext(
            "The secret of this subscription is %(secret)s. Give it to the integrator now: it "
            "is not shown again.") % {"secret": secret}, messages.WARNING)

    def delete_model(self, request, obj):
        subscription_delete(subscription=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            subscription_delete(subscription=subscription, actor=request.user)

    # --- actions ----------------------------------------------------------------------------------
    def _each(self, request, queryset, call, log: str) -> int:
        done = 0
        for subscription in queryset:
            try:
                changed = call(subscription)
            except DomainError as problem:
                self.message_user(request, problem.message, messages.ERROR)
                return done
            if changed:
                self.log_change(request, subscription, log)
                done += 1
        return done

    @admin.action(description=_("Re-enable (send what is owed, in order)"),
                  permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        done = self._each(request, queryset, lambda s: subscription_enable(
            subscription=s, actor=request.user), "re-enabled")
        self.message_user(request, ngettext(
            "%(count)d subscription re-enabled: what it was owed is sent now.",
            "%(count)d subscriptions re-enabled: what they were owed is sent now.", done,
        ) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Switch off"), permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        done = self._each(request, queryset, lambda s: subscription_disable(
            subscription=s, reason=texts.IN_THE_ADMIN.encode(), actor=request.user),
            "switched off")
        self.message_user(request, ngettext(
            "%(count)d subscription switched off.", "%(count)d subscriptions switched off.",
            done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Send a test ping"), permissions=["change"])
    def ping(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        done = self._each(request, queryset, lambda s: subscription_ping(
            subscription=s, actor=request.user), "test ping sent")
        self.message_user(request, ngettext(
            "%(count)d test ping queued: its attempt shows in the subscription's recent "
            "deliveries within seconds.",
            "%(count)d test pings queued: their attempts show in the subscriptions' recent "
            "deliveries within seconds.", done) % {"count": done}, messages.SUCCESS)


# --- deliveries and attempts --------------------------------------------------------------------
class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ("number", "at", "duration_ms", "address", "status_code", "response_excerpt",
              "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "subscription_link", "event_type", "order", "status_pill",
                    "attempts", "last_status_code", "next_attempt_at", "created_at", "sent_at")
    list_filter = ("status", "event_type")
    list_select_related = ("subscription",)
    search_fields = ("=order_id", "=event_id", "=subscription__id")
    search_help_text = _("Order id, event id or subscription id.")
    show_full_result_count = False
    actions = ["retry"]
    inlines = [DeliveryAttemptInline]
    fields = ("subscription_link", "event_type", "event_id", "order", "status_pill", "attempts",
              "next_attempt_at", "last_status_code", "created_at", "sent_at", "body_json")
    readonly_fields = fields

    @admin.display(description=_("subscription"))
    def subscription_link(self, delivery: Delivery) -> SafeString:
        url = reverse("admin:webhooks_subscription_change", args=[delivery.subscription_id])
        return format_html('<a href="{}">#{} {}</a>', url, delivery.subscription_id,
                           masked_url(delivery.subscription.url))

    @admin.display(description=_("order"))
    def order(self, delivery: Delivery) -> str:
        return order_link(delivery.order_id)

    @admin.display(description=_("status"), ordering="status")
    def status_pill(self, delivery: Delivery) -> SafeString:
        return pill(delivery.get_status_display(), DELIVERY_COLOURS[delivery.status])

    @admin.display(description=_("body as sent"))
    def body_json(self, delivery: Delivery) -> SafeString:
        try:
            shown = json.dumps(json.loads(delivery.body), ensure_ascii=False, indent=2)
        except ValueError:
            shown = delivery.body
        return format_html('<pre style="white-space:pre-wrap;max-height:40em;overflow:auto">'
                           '{}</pre>', shown)

    def has_add_permission(self, request):
        return False  # the fan-out writes deliveries

    def has_change_permission(self, request, obj=None):
        # Changing means retrying (the action); the rows stay as they were sent.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the given-up deliveries now"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        try:
            count = deliveries_retry(delivery_ids=list(queryset.values_list("pk", flat=True)),
                                     actor=request.user)
        except DomainError as problem:
            self.message_user(request, problem.message, messages.ERROR)
            return
        self.message_user(request, ngettext(
            "%(count)d delivery will be tried again now (only given-up ones are retried).",
            "%(count)d deliveries will be tried again now (only given-up ones are retried).",
            count) % {"count": count}, messages.SUCCESS)
