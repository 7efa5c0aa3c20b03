"""The event mechanism in the admin: the tasks that wait or failed, with retry and discard.

Operations and managers open "Event tasks" filtered to what needs them (dead letters and
failing tasks); each row says which handler, which event and order, how often it was tried
and the last error. "Retry now" starts a task again from its first attempt; "Discard" gives
up on a dead letter, with the reason kept on the task.
"""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy as _

from orderhub.core.errors import DomainError
from orderhub.events.kinds import KIND_LABELS, kind_html, kind_label
from orderhub.events.models import Event, EventTask
from orderhub.events.registry import handler_label, handlers
from orderhub.events.services import event_tasks_discard, event_tasks_retry

Status = EventTask.TaskStatus


def order_link(order_id: int | None) -> str:
    """A link to the order's admin page (by URL name: this app imports no domain app)."""
    if order_id is None:
        return "—"
    try:
        url = reverse("admin:orders_order_change", args=[order_id])
    except NoReverseMatch:
        return str(order_id)
    return format_html('<a href="{}">#{}</a>', url, order_id)


class NeedsAttentionFilter(admin.SimpleListFilter):
    """Default view: dead letters and failing tasks, the ones a person acts on."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("attention", _("Needs attention (dead or failing)")),
            ("dead", _("Dead letters")),
            ("failing", _("Failing, will retry")),
            ("pending", Status.PENDING.label),
            ("done", Status.DONE.label),
            ("discarded", _("Discarded")),
            ("all", _("All")),
        ]

    def value(self):
        return super().value() or "attention"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        failing = queryset.filter(status=Status.PENDING).exclude(last_error="")
        return {
            "attention": queryset.filter(status=Status.DEAD) | failing,
            "dead": queryset.filter(status=Status.DEAD),
            "failing": failing,
            "pending": queryset.filter(status=Status.PENDING),
            "done": queryset.filter(status=Status.DONE),
            "discarded": queryset.filter(status=Status.DISCARDED),
        }.get(self.value(), queryset)


class HandlerFilter(admin.SimpleListFilter):
    """The registered handlers, by what they do."""

    title = _("handler")
    parameter_name = "handler"

    def lookups(self, request, model_admin):
        return [(h.name, h.label or h.name) for h in handlers()]

    def queryset(self, request, queryset):
        return queryset.filter(handler=self.value()) if self.value() else queryset


class KindFilter(admin.SimpleListFilter):
    """The event kinds, by their labels."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted(((kind, kind_label(kind)) for kind in KIND_LABELS), key=lambda c: c[1])

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


def handler_html(name: str) -> SafeString:
    """A handler by what it does, its name on hover."""
    return format_html('<span title="{}">{}</span>', name, handler_label(name))


class DiscardActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("required to discard")}),
    )


@admin.register(EventTask)
class EventTaskAdmin(admin.ModelAdmin):
    list_display = ("id", "handler_label", "event_kind", "order", "status", "attempts",
                    "due_at", "error_line")
    list_filter = (NeedsAttentionFilter, HandlerFilter)
    list_select_related = ("event",)
    search_fields = ("=order_id", "=event__id")
    search_help_text = _("Order id or event id.")
    show_full_result_count = False
    action_form = DiscardActionForm
    actions = ["retry_now", "discard"]
    readonly_fields = ("event", "handler_label", "order", "status", "attempts", "due_at",
                       "created_at", "done_at", "resolved_by", "payload", "last_error")
    fields = readonly_fields

    @admin.display(description=_("handler"), ordering="handler")
    def handler_label(self, obj: EventTask) -> str:
        return handler_html(obj.handler)

    @admin.display(description=_("event"))
    def event_kind(self, obj: EventTask) -> str:
        return format_html("#{} {}", obj.event_id, kind_html(obj.event.kind))

    @admin.display(description=_("order"))
    def order(self, obj: EventTask) -> str:
        return order_link(obj.order_id)

    @admin.display(description=_("payload"))
    def payload(self, obj: EventTask) -> str:
        return format_html("<code>{}</code>", obj.event.payload)

    @admin.display(description=_("last error"))
    def error_line(self, obj: EventTask) -> str:
        lines = [line for line in obj.last_error.strip().splitlines() if line.strip()]
        return lines[-1][:120] if lines else ""

    def has_add_permission(self, request):
        return False  # tasks are written with their events

    def has_change_permission(self, request, obj=None):
        return False  # read-only page; retry and discard are actions

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("events.retry_eventtask"):
            actions.pop("retry_now", None)
            actions.pop("discard", None)
        return actions

    @admin.action(description=_("Retry now (from the first attempt)"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[EventTask]) -> None:
        try:
            count = event_tasks_retry(task_ids=list(queryset.values_list("pk", flat=True)),
                                      actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, gettext("%(count)d task(s) will be tried again now.")
                          % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Discard dead letters (give up)"))
    def discard(self, request: HttpRequest, queryset: QuerySet[EventTask]) -> None:
        try:
            count = event_tasks_discard(
                task_ids=list(queryset.values_list("pk", flat=True)), actor=request.user,
                reason=request.POST.get("reason", ""),
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, gettext("%(count)d dead letter(s) discarded.")
                          % {"count": count}, messages.SUCCESS)


class EventTaskInline(admin.TabularInline):
    model = EventTask
    fields = ("handler_label", "status", "attempts", "due_at", "done_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("handler"))
    def handler_label(self, obj: EventTask) -> str:
        return handler_html(obj.handler)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "kind_display", "order", "occurred_at")
    list_filter = (KindFilter,)
    search_fields = ("=order_id", "=id")
    search_help_text = _("Order id or event id.")
    show_full_result_count = False
    readonly_fields = ("kind_display", "order", "payload_code", "occurred_at")
    fields = readonly_fields
    inlines = [EventTaskInline]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_display(self, obj: Event) -> str:
        return kind_html(obj.kind)

    @admin.display(description=_("payload"))
    def payload_code(self, obj: Event) -> str:
        # the data the handlers and integrators read, codes as recorded
        return format_html("<code>{}</code>", json.dumps(obj.payload, ensure_ascii=False))

    @admin.display(description=_("order"))
    def order(self, obj: Event) -> str:
        return order_link(obj.order_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
