"""The back office for alerts: the alert inbox (acknowledge and resolve), deliveries (retry),
notification targets (secrets masked) and the escalation ladder.

Writes that matter go through services: acknowledging and resolving alerts and saving a ladder
step (``orderhub.alerts.services``: open alerts follow a ladder change), retrying a delivery
(``orderhub.alerts.notify.deliveries``). :func:`badge` is shared with the orders' deadline pages.
"""
from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from orderhub.alerts import texts
from orderhub.alerts.kinds import alert_kind, alert_kind_choices
from orderhub.alerts.models import (
    Alert,
    AlertDelivery,
    AlertEvent,
    EscalationStep,
    NotificationTarget,
    Team,
)
from orderhub.alerts.selectors import alerts_addressed_to_q, ladder_silent_rungs
from orderhub.alerts.notify.deliveries import delivery_retry_now
from orderhub.alerts.notify.robots import DeliveryError
from orderhub.alerts.services import (
    ALERT_PERMISSION,
    alert_acknowledge,
    alert_resolve,
    escalation_step_save,
    notification_target_test,
)
from orderhub.alerts.tasks import alert_deliveries_send
from orderhub.core.errors import DomainError
from orderhub.core.tasks import enqueue_on_commit
from orderhub.core.texts import render

LEVEL_COLOURS = {1: ("#e3f2fd", "#0d47a1"), 2: ("#fff3e0", "#e65100"), 3: ("#ffebee", "#b71c1c")}
STATUS_COLOURS = {
    Alert.AlertStatus.OPEN: ("#ffebee", "#b71c1c"),
    Alert.AlertStatus.ACKNOWLEDGED: ("#fff8e1", "#7a5c00"),
    Alert.AlertStatus.RESOLVED: ("#e8f5e9", "#1b5e20"),
}
MASK = "••••"
# Test messages are sent in the request, one at a time: a few targets per click.
TEST_MESSAGE_LIMIT = 10


def badge(label: str, colours: tuple[str, str]) -> SafeString:
    background, text = colours
    return format_html(
        '<span class="oh-badge" style="background:{};color:{};padding:1px 8px;'
        'border-radius:9px;white-space:nowrap">{}</span>', background, text, label,
    )


class EscalationStepForm(forms.ModelForm):
    """The kind is chosen from the declared kinds (in words), never typed."""

    kind = forms.ChoiceField(label=_("alert kind"), required=False, help_text=_(
        "Empty: the ladder of every kind without a ladder of its own."))

    class Meta:
        model = EscalationStep
        fields = ["kind", "level", "after_minutes", "to_team_lead", "recipients"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", gettext("(every other kind)")), *alert_kind_choices()]
        stored = getattr(self.instance, "kind", "")
        if stored and stored not in dict(choices):
            choices.append((stored, stored))  # a kind no app declares any more: kept as it is
        self.fields["kind"].choices = choices


def silent_rung_warning(kind: str, level: int) -> str:
    return gettext("Level %(level)s of the ladder “%(kind)s” notifies nobody: add recipients or "
                   "a team lead's target, or alerts at that level reach no one.") % {
        "level": Alert.Level(level).label if level in Alert.Level.values else level,
        "kind": alert_kind(kind).label if kind else gettext("(every other kind)")}


@admin.register(EscalationStep)
class EscalationStepAdmin(SimpleHistoryAdmin):
    form = EscalationStepForm
    list_display = ("kind_or_default", "level", "after_minutes", "to_team_lead_mark",
                    "recipient_names")
    list_filter = ("level",)
    filter_horizontal = ("recipients",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("recipients")

    @admin.display(description=_("alert kind"), ordering="kind")
    def kind_or_default(self, step: EscalationStep) -> str:
        return str(alert_kind(step.kind).label) if step.kind else gettext("(every other kind)")

    @admin.display(description=_("to the responsible team's lead"), empty_value="")
    def to_team_lead_mark(self, step: EscalationStep) -> str | None:
        return "✓" if step.to_team_lead else None

    @admin.display(description=_("recipients"))
    def recipient_names(self, step: EscalationStep) -> SafeString | str:
        names = ", ".join(target.name for target in step.recipients.all() if target.is_active)
        if names or step.to_team_lead:
            return names or "—"
        return badge(gettext("notifies nobody"), LEVEL_COLOURS[3])

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for kind, level in ladder_silent_rungs():
                self.message_user(request, silent_rung_warning(kind, level), messages.WARNING)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        escalation_step_save(step=obj, actor=request.user, reason=texts.STEP_CHANGED_IN_ADMIN.encode())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        step = form.instance
        if (step.kind, step.level) in ladder_silent_rungs():
            self.message_user(request, silent_rung_warning(step.kind, step.level),
                              messages.WARNING)


# --- notification targets (secrets masked) ------------------------------------------------------
def mask(value: str, *, keep: int = 4) -> str:
    """``https://oapi.dingtalk.com/robot/send?access_token=••••3f2a``: enough to recognise."""
    if not value:
        return "—"
    base, _sep, query = value.partition("?")
    if query:
        name, _eq, secret = query.partition("=")
        return f"{base}?{name}={MASK}{secret[-keep:]}"
    head, _slash, tail = value.rstrip("/").rpartition("/")
    if head.startswith("http"):
        return f"{head}/{MASK}{tail[-keep:]}"
    return f"{MASK}{value[-keep:]}"


class SecretInput(forms.PasswordInput):
    """Never renders the stored value; an empty submission keeps it."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", "size": 60, **(attrs or {})},
                         render_value=False)


class NotificationTargetForm(forms.ModelForm):
    # The URL carries the robot's token: a secret like the signing secret.
    webhook_url = forms.URLField(label=_("robot webhook URL"), max_length=500, required=False,
                                 assume_scheme="https", widget=SecretInput)
    clear_secret = forms.BooleanField(label=_("remove the signing secret"), required=False)

    class Meta:
        model = NotificationTarget
        fields = ["name", "transport", "team", "email_to", "webhook_url", "secret",
                  "mention_mobiles", "language", "is_active"]
        widgets = {"secret": SecretInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("webhook_url", "secret"):
            stored = getattr(self.instance, name, "")
            if stored:
                self.fields[name].required = False
                self.fields[name].help_text = gettext(
                    "Stored: %(masked)s. Leave empty to keep it.") % {"masked": mask(stored)}

    def clean_webhook_url(self):
        return self.cleaned_data.get("webhook_url") or self.instance.webhook_url

    def clean_secret(self):
        if self.data.get(self.add_prefix("clear_secret")):
            return ""
        return self.cleaned_data.get("secret") or self.instance.secret


@admin.register(NotificationTarget)
class NotificationTargetAdmin(admin.ModelAdmin):
    form = NotificationTargetForm
    list_display = ("name", "transport", "team", "destination", "signed", "is_active")
    list_filter = ("transport", "team", "is_active")
    search_fields = ("name",)
    actions = ["send_test"]

    @admin.action(description=_("Send a test message"), permissions=["change"])
    def send_test(self, request, queryset: QuerySet[NotificationTarget]):
        """Each selected target gets a message now; the answer is shown target by target."""
        for target in queryset.order_by("name")[:TEST_MESSAGE_LIMIT]:
            try:
                notification_target_test(target=target, actor=request.user)
            except DeliveryError as error:
                self.message_user(request, gettext(
                    "The test message to “%(target)s” did not get through: %(error)s")
                    % {"target": target.name, "error": error}, messages.ERROR)
            else:
                self.message_user(request, gettext(
                    "The test message to “%(target)s” was accepted: check that it arrived.")
                    % {"target": target.name}, messages.SUCCESS)

    @admin.display(description=_("destination"))
    def destination(self, target: NotificationTarget) -> str:
        return target.email_to if target.transport == target.Transport.EMAIL else mask(
            target.webhook_url)

    @admin.display(description=_("signed"), boolean=True)
    def signed(self, target: NotificationTarget) -> bool:
        return bool(target.secret)

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # View-only: the masked forms, never the stored secrets.
            return ["name", "transport", "team", "email_to", "destination", "signed",
                    "mention_mobiles", "language", "is_active"]
        fields = list(NotificationTargetForm.Meta.fields)
        return [*fields, "clear_secret"] if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        return ()


# --- deliveries ---------------------------------------------------------------------------------
class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "alert_link", "level", "transport", "target", "status", "attempts",
                    "next_attempt_at", "error", "sent_at")
    list_filter = ("status", "transport", "level")
    list_select_related = ("alert", "target")
    actions = ["retry_now"]
    readonly_fields = [field.name for field in AlertDelivery._meta.fields]

    @admin.display(description=_("alert"))
    def alert_link(self, delivery: AlertDelivery) -> SafeString:
        url = reverse("admin:alerts_alert_change", args=[delivery.alert_id])
        return format_html('<a href="{}">#{} {}</a>', url, delivery.alert_id,
                           render(delivery.alert.title)[:60])

    @admin.display(description=_("last error"))
    def error(self, delivery: AlertDelivery) -> str:
        return delivery.last_error[:80]

    def has_change_permission(self, request, obj=None):
        # Changing means retrying (the action); the rows themselves stay as they were.
        return obj is None and super().has_change_permission(request)

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request, queryset):
        with transaction.atomic():
            for delivery in queryset:
                delivery_retry_now(delivery=delivery)
            enqueue_on_commit(alert_deliveries_send)
        self.message_user(request, ngettext("%(count)d delivery queued again.",
                                            "%(count)d deliveries queued again.",
                                            queryset.count()) % {"count": queryset.count()})


# --- the alert inbox ----------------------------------------------------------------------------
class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False


class AlertEventInline(ReadOnlyInline):
    model = AlertEvent
    fields = ("at", "kind", "level", "actor", "note_text")
    verbose_name_plural = _("timeline")

    @admin.display(description=_("note"))
    def note_text(self, obj: AlertEvent) -> str:
        return render(obj.note)


class AlertDeliveryInline(ReadOnlyInline):
    model = AlertDelivery
    fields = ("level", "transport", "target", "status", "attempts", "next_attempt_at",
              "last_error", "sent_at")


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter that is on by default (``default``), with every choice, "all" included, as an
    explicit link: the inbox opens on what needs doing and one click shows the rest."""

    default = ""

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class InboxStatusFilter(DefaultChoiceFilter):
    title = _("status")
    parameter_name = "status"
    default = "open"

    def lookups(self, request, model_admin):
        return [*Alert.AlertStatus.choices, ("unresolved", _("Open or acknowledged")),
                ("all", _("All"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "unresolved":
            return queryset.exclude(status=Alert.AlertStatus.RESOLVED)
        if value in Alert.AlertStatus.values:
            return queryset.filter(status=value)
        return queryset


class AddressedFilter(DefaultChoiceFilter):
    title = _("addressed to")
    parameter_name = "for"
    default = "me"

    def lookups(self, request, model_admin):
        return [("me", _("Me (my team, my level)")), ("all", _("Everyone"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(alerts_addressed_to_q(request.user))
        return queryset


class ViewFilter(DefaultChoiceFilter):
    """Grouped: the alerts of one kind and cause as one row with a count."""

    title = _("show")
    parameter_name = "view"
    default = "groups"

    def lookups(self, request, model_admin):
        return [("groups", _("Grouped by kind and cause")), ("each", _("Each alert"))]

    def queryset(self, request, queryset):
        return queryset  # InboxChangeList groups after the filters and the search


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return alert_kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class CauseFilter(admin.SimpleListFilter):
    """Set by a group's "show each" link; not offered in the sidebar."""

    title = _("cause")
    parameter_name = "cause"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def choices(self, changelist):
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(cause="" if value == NO_CAUSE else value)


class TeamFilter(admin.SimpleListFilter):
    title = _("responsible team")
    parameter_name = "team"

    def lookups(self, request, model_admin):
        return [*Team.choices, (NO_CAUSE, _("No team"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(team="" if value == NO_CAUSE else value)


NO_CAUSE = "-"
# The reader's filters, kept in a group's "show each" link (per request: admins are shared).
_kept_filters: ContextVar[dict[str, str]] = ContextVar("alert_inbox_filters", default={})
TEAM_LABELS = dict(Team.choices)
# What an alert's data may say, in words; other keys (internal ids) are not shown.
DATA_LABELS = {
    "hub_no": _("hub number"), "status": _("status"), "entered_at": _("entered the state at"),
    "due_at": _("due at"), "ship_by": _("promised ship-by"), "carrier": _("carrier"),
    "payment_serial_no": _("payment serial number"),
    "merchant_order_no": _("merchant order number"), "amount": _("amount"),
    "explanation": _("explanation"), "sku": "SKU", "warehouse": _("warehouse"),
    "available": _("available"),
}


class InboxChangeList(ChangeList):
    """In the grouped view, one row per kind and cause of the alerts the filters and the
    search chose: the newest alert of the group, with the group's size, highest level and
    first raise (``alert_group_idx`` serves the grouping)."""

    def get_queryset(self, request, exclude_parameters=None):
        chosen = super().get_queryset(request, exclude_parameters)
        if request.GET.get(ViewFilter.parameter_name, ViewFilter.default) != "groups":
            return chosen
        members = chosen.order_by()
        same_group = members.filter(kind=OuterRef("kind"), cause=OuterRef("cause")).values(
            "kind", "cause")
        return (
            Alert.objects.filter(pk__in=members.values("kind", "cause").annotate(
                newest=Max("pk")).values("newest"))
            .select_related(*self.list_select_related)
            .annotate(
                group_size=Subquery(same_group.annotate(n=Count("pk")).values("n")),
                group_level=Subquery(same_group.annotate(top=Max("level")).values("top")),
                group_since=Subquery(same_group.annotate(first=Min("raised_at"))
                                     .values("first")),
            )
            .order_by(*chosen.query.order_by)
        )


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The alert inbox: it opens on the open alerts addressed to the reader (their role's team,
    their rung of the ladder), the alerts of one kind and cause grouped into one row with a
    count (its link shows each), with no internal keys or data: kinds, teams and causes in
    words. Acknowledging or resolving a group acts on every alert in it."""

    list_display = ("level_badge", "status_badge", "kind_label", "title_or_group", "order_link",
                    "raised")
    list_filter = (ViewFilter, InboxStatusFilter, AddressedFilter, "level", KindFilter,
                   TeamFilter, CauseFilter)
    list_select_related = ("order", "acknowledged_by", "resolved_by")
    search_fields = ("title", "=order__hub_no")
    search_help_text = _("Words of the title, or an exact hub number.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("-id",)
    actions = ["acknowledge", "resolve"]
    inlines = (AlertEventInline, AlertDeliveryInline)
    fields = ("inbox_buttons", "title", "message", ("kind_label", "cause_text"),
              ("level", "status", "team_label"), "order",
              ("raised_at", "next_escalation_at"), ("acknowledged_at", "acknowledged_by"),
              ("resolved_at", "resolved_by", "resolution"), "details")
    change_list_template = "admin/alerts/alert/change_list.html"

    def get_changelist(self, request, **kwargs):
        return InboxChangeList

    def get_readonly_fields(self, request, obj=None):
        return [name for entry in self.fields
                for name in (entry if isinstance(entry, tuple) else (entry,))]

    def has_change_permission(self, request, obj=None):
        # The alert's fields are read-only; the buttons and actions call the services.
        return request.user.has_perm(ALERT_PERMISSION)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        no_save = {"show_save": False, "show_save_and_continue": False,
                   "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, {**no_save, **(extra_context or {})})

    def save_model(self, request, obj, form, change):
        # Nothing to save: every field is read-only; alerts change through the services.
        pass

    # --- columns -------------------------------------------------------------------------------
    @admin.display(description=_("level"), ordering="level")
    def level_badge(self, alert: Alert) -> SafeString:
        level = getattr(alert, "group_level", None) or alert.level
        return badge(Alert.Level(level).label if level in Alert.Level.values else str(level),
                     LEVEL_COLOURS.get(level, LEVEL_COLOURS[1]))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, alert: Alert) -> SafeString:
        who = self.acknowledged(alert) if alert.acknowledged_at else ""
        if alert.resolved_at:
            who = self.resolved(alert)
        return format_html('<span title="{}">{}</span>', who,
                           badge(alert.get_status_display(), STATUS_COLOURS[alert.status]))

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, alert: Alert) -> str:
        return str(alert_kind(alert.kind).label)

    @admin.display(description=_("cause"))
    def cause_text(self, alert: Alert) -> str:
        return alert_kind(alert.kind).cause_text(alert.cause) or "—"

    @admin.display(description=_("responsible team"))
    def team_label(self, alert: Alert) -> str:
        return str(TEAM_LABELS.get(alert.team, alert.team)) if alert.team else "—"

    @admin.display(description=_("alert"))
    def title_or_group(self, alert: Alert) -> SafeString:
        size = getattr(alert, "group_size", None) or 1
        if size == 1:
            return format_html('<span class="oh-alert-title" title="{}">{}</span>',
                               render(alert.title), render(alert.title))
        kind = alert_kind(alert.kind)
        query = {ViewFilter.parameter_name: "each", KindFilter.parameter_name: alert.kind,
                 CauseFilter.parameter_name: alert.cause or NO_CAUSE}
        return format_html(
            '<span class="oh-alert-group"><strong>{}</strong>{} · <a class="oh-expand" '
            'href="?{}">{}</a></span><br><small class="oh-alert-title" title="{}">{}</small>',
            kind.label,
            f": {kind.cause_text(alert.cause)}" if alert.cause else "",
            urlencode({**_kept_filters.get(), **query}),
            ngettext("%(count)d alert, show each", "%(count)d alerts, show each", size)
            % {"count": size},
            render(alert.title), gettext("latest: %(title)s") % {"title": render(alert.title)},
        )

    @admin.display(description=_("order"))
    def order_link(self, alert: Alert) -> SafeString | str:
        if alert.order_id is None or (getattr(alert, "group_size", None) or 1) > 1:
            return "—"
        url = reverse(admin_urlname(alert.order._meta, "change"), args=[alert.order_id])
        return format_html('<a href="{}">{}</a>', url, alert.order.hub_no)

    @admin.display(description=_("raised at"), ordering="raised_at")
    def raised(self, alert: Alert) -> SafeString:
        since = getattr(alert, "group_since", None)
        latest = timezone.localtime(alert.raised_at)
        if since is None or (getattr(alert, "group_size", None) or 1) == 1:
            return format_html('<span title="{}">{}</span>', f"{latest:%Y-%m-%d %H:%M:%S}",
                               f"{latest:%m-%d %H:%M}")
        first = timezone.localtime(since)
        return format_html('{}<br><small>{}</small>', f"{latest:%m-%d %H:%M}",
                           gettext("first %(time)s") % {"time": f"{first:%m-%d %H:%M}"})

    @admin.display(description=_("details"))
    def details(self, alert: Alert) -> SafeString | str:
        """The alert's data as labelled values (internal ids left out, times local)."""
        kind = alert_kind(alert.kind)
        rows = []
        for key, label in DATA_LABELS.items():
            value = (alert.data or {}).get(key)
            if value in (None, ""):
                continue
            if key == kind.cause_key:
                value = kind.cause_text(str(value))
            elif isinstance(value, str) and (moment := parse_datetime(value)) is not None:
                value = f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if timezone.is_aware(
                    moment) else value
            rows.append((label, value))
        if not rows:
            return "—"
        return format_html('<dl class="oh-details">{}</dl>', format_html_join(
            "", "<dt>{}</dt><dd>{}</dd>", rows))

    @staticmethod
    def _who_when(user, at: dt.datetime | None) -> str:
        if at is None:
            return "—"
        name = user.get_username() if user else gettext("the hub")
        return f"{name} · {timezone.localtime(at):%m-%d %H:%M}"

    @admin.display(description=_("acknowledged"))
    def acknowledged(self, alert: Alert) -> str:
        return self._who_when(alert.acknowledged_by, alert.acknowledged_at)

    @admin.display(description=_("resolved"))
    def resolved(self, alert: Alert) -> str:
        return self._who_when(alert.resolved_by, alert.resolved_at)

    @admin.display(description=_("actions"))
    def inbox_buttons(self, alert: Alert) -> SafeString | str:
        if alert.pk is None or alert.status == Alert.AlertStatus.RESOLVED:
            return "—"
        buttons = []
        if alert.status == Alert.AlertStatus.OPEN:
            buttons.append((reverse("admin:alerts_alert_acknowledge", args=[quote(alert.pk)]),
                            gettext("Acknowledge")))
        buttons.append((reverse("admin:alerts_alert_resolve", args=[quote(alert.pk)]),
                        gettext("Resolve")))
        return format_html(
            '<input type="text" name="resolution" maxlength="255" placeholder="{}"> {}',
            gettext("How it was resolved"),
            format_html_join(" ", '<button type="submit" class="button" formaction="{}">{}'
                                  '</button>', buttons),
        )

    # --- the inbox's counts ----------------------------------------------------------------------
    def changelist_view(self, request, extra_context=None):
        # A group's "show each" link keeps the reader's other filters.
        _kept_filters.set({key: value for key, value in request.GET.items()
                           if key not in ("p", "view", "kind", "cause")})
        addressed = (Q() if request.GET.get(AddressedFilter.parameter_name) == "all"
                     else alerts_addressed_to_q(request.user))
        counts = Alert.objects.filter(addressed).aggregate(
            open=Count("pk", filter=Q(status=Alert.AlertStatus.OPEN)),
            acknowledged=Count("pk", filter=Q(status=Alert.AlertStatus.ACKNOWLEDGED)),
        )
        title = gettext("Alert inbox: %(open)d unread (open), %(acknowledged)d acknowledged") % counts
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    # --- acknowledge and resolve ------------------------------------------------------------------
    def get_urls(self):
        def post_view(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path("<path:object_id>/acknowledge/", post_view(self.acknowledge_view),
                 name="alerts_alert_acknowledge"),
            path("<path:object_id>/resolve/", post_view(self.resolve_view),
                 name="alerts_alert_resolve"),
            *super().get_urls(),
        ]

    def _alert_or_404(self, request: HttpRequest, object_id: str) -> Alert:
        alert = self.get_object(request, unquote(object_id))
        if alert is None:
            raise Http404(gettext("No such alert."))
        if not request.user.has_perm(ALERT_PERMISSION):
            raise PermissionDenied
        return alert

    def _done(self, request, alert: Alert, call, message: str) -> HttpResponse:
        try:
            call()
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:alerts_alert_change", args=[quote(alert.pk)]))

    def acknowledge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        alert = self._alert_or_404(request, object_id)
        return self._done(request, alert, lambda: alert_acknowledge(alert=alert, actor=request.user),
                          gettext("Alert #%(id)s acknowledged: it stops climbing.") % {"id": alert.pk})

    def resolve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        alert = self._alert_or_404(request, object_id)
        resolution = request.POST.get("resolution", "").strip() or gettext("resolved in the admin")
        return self._done(
            request, alert,
            lambda: alert_resolve(alert=alert, actor=request.user, resolution=resolution),
            gettext("Alert #%(id)s resolved.") % {"id": alert.pk},
        )

    @staticmethod
    def _with_groups(request, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        """In the grouped view a selected row stands for its whole group."""
        if request.GET.get(ViewFilter.parameter_name, ViewFilter.default) != "groups":
            return queryset
        groups = Q(pk__in=[])
        for kind, cause in queryset.values_list("kind", "cause"):
            groups |= Q(kind=kind, cause=cause)
        return Alert.objects.filter(groups).order_by("pk")

    @admin.action(description=_("Acknowledge the selected alerts (whole groups)"))
    def acknowledge(self, request, queryset: QuerySet[Alert]):
        done = 0
        for alert in self._with_groups(request, queryset).filter(status=Alert.AlertStatus.OPEN):
            try:
                alert_acknowledge(alert=alert, actor=request.user)
            except DomainError as problem:  # acknowledged by someone else meanwhile
                self.message_user(request, problem.message, messages.WARNING)
                continue
            done += 1
        self.message_user(request, ngettext("%(count)d alert acknowledged.",
                                            "%(count)d alerts acknowledged.", done) % {"count": done})

    @admin.action(description=_("Resolve the selected alerts (whole groups)"))
    def resolve(self, request, queryset: QuerySet[Alert]):
        done = 0
        for alert in self._with_groups(request, queryset).exclude(
                status=Alert.AlertStatus.RESOLVED):
            try:
                alert_resolve(
                    alert=alert, actor=request.user, resolution=gettext("resolved in the admin")
                )
            except DomainError as problem:
                self.message_user(request, problem.message, messages.WARNING)
                continue
            done += 1
        self.message_user(request, ngettext("%(count)d alert resolved.",
                                            "%(count)d alerts resolved.", done) % {"count": done})
