"""The back office for deadlines: SLA policies (with a rehearsal before a change is saved),
ship-by promises and traffic-light thresholds. Who is told of a breach, and when (the
escalation ladder, notification targets, the alert inbox), is in ``orderhub.alerts.admin``.

Writes that matter go through services: SLA policies (``orders.sla.policies``: open orders
follow the change). Imported by ``orders/admin.py``, which also shows
:func:`traffic_light_column` in the order list.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from orderhub.alerts.admin import badge
from orders import texts
from orders.models import (
    SHIP_BY_WATCHED_STATUSES,
    Order,
    ShipByPromise,
    SlaPolicy,
    TrafficLightSettings,
)
from orders.sla.config import deadline_config
from orders.sla.deadlines import NO_LABEL, NOT_PICKED, TrafficLight, order_traffic_light
from orders.sla.policies import sla_policy_delete, sla_policy_save
from orders.sla.rehearsal import sla_policy_rehearse
from orders.state_machine import Status

LIGHT_COLOURS = {
    TrafficLight.GREEN: ("#e8f5e9", "#1b5e20"),
    TrafficLight.YELLOW: ("#fff8e1", "#7a5c00"),
    TrafficLight.RED: ("#ffebee", "#b71c1c"),
}


# --- the order list: traffic lights -------------------------------------------------------------
@admin.display(description=_("light"))
def traffic_light_column(order: Order) -> SafeString:
    """A list column for ``OrderAdmin.list_display``: the order's traffic light."""
    light = TrafficLight(order_traffic_light(order))
    hint = (timezone.localtime(order.ship_by).strftime("%m-%d %H:%M") if order.ship_by else "")
    return format_html('<span title="{}">{}</span>', hint, badge(light.label, LIGHT_COLOURS[light]))


class TrafficLightFilter(admin.SimpleListFilter):
    """Orders that are red or yellow now (a range on the ship-by index)."""

    title = _("traffic light")
    parameter_name = "light"

    def lookups(self, request, model_admin):
        return [(TrafficLight.RED, TrafficLight.RED.label),
                (TrafficLight.YELLOW, TrafficLight.YELLOW.label),
                ("at_risk", _("Red or yellow"))]

    def queryset(self, request, queryset):
        config = deadline_config()
        now = timezone.now()
        # Unpaid orders have no promise: the watched statuses match the partial index.
        red = Q(status__in=NO_LABEL & set(SHIP_BY_WATCHED_STATUSES), ship_by__lt=now + config.red)
        yellow = Q(status__in=NOT_PICKED & set(SHIP_BY_WATCHED_STATUSES),
                   ship_by__lt=now + config.yellow) & ~red
        chosen = {TrafficLight.RED: red, TrafficLight.YELLOW: yellow, "at_risk": red | yellow}
        return queryset.filter(chosen[self.value()]) if self.value() in chosen else queryset


# --- SLA policies, with the rehearsal -----------------------------------------------------------
class SlaPolicyForm(forms.ModelForm):
    """Changing how long a step may take first shows what it would have raised."""

    rehearsal_days = forms.IntegerField(
        label=_("rehearse over the last (days)"), initial=7, min_value=1, max_value=90,
    )
    confirm_rehearsal = forms.BooleanField(
        label=_("I have seen the rehearsal: save"), required=False,
        help_text=_("Saving a new or changed time first shows how many alerts it would have "
                    "raised; tick this and save again to apply it."),
    )
    rehearsal = None

    class Meta:
        model = SlaPolicy
        fields = ["step", "channel", "minutes", "team", "is_active", "note"]

    def clean(self):
        cleaned = super().clean()
        timing = {"step", "channel", "minutes", "is_active"}
        if self.errors or not timing.intersection(self.changed_data):
            return cleaned
        draft = SlaPolicy(
            step=cleaned["step"], channel=cleaned.get("channel"), minutes=cleaned["minutes"],
            team=cleaned["team"], is_active=cleaned.get("is_active", False),
        )
        self.rehearsal = sla_policy_rehearse(policy=draft, days=cleaned["rehearsal_days"])
        if not cleaned.get("confirm_rehearsal"):
            raise ValidationError(self.rehearsal_message(self.rehearsal), code="rehearse")
        return cleaned

    @staticmethod
    def rehearsal_message(rehearsal) -> str:
        return gettext(
            "Rehearsal over the last %(days)s days (%(stays)s stays in “%(status)s”): this "
            "policy would have raised %(proposed)s alerts; the rules in force raised "
            "%(current)s. Tick “I have seen the rehearsal” and save again to apply it."
        ) % {"days": rehearsal.days, "stays": rehearsal.stays, "status": rehearsal.status,
             "proposed": rehearsal.proposed_alerts, "current": rehearsal.current_alerts}


def _only_the_rehearsal_stopped(form: forms.Form) -> bool:
    errors = form.errors.as_data()
    return list(errors) == [NON_FIELD_ERRORS] and all(
        error.code == "rehearse" for error in errors[NON_FIELD_ERRORS])


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    form = SlaPolicyForm
    list_display = ("step", "state", "channel", "minutes", "team", "is_active", "note")
    list_filter = ("step", "team", "is_active", "channel")
    list_select_related = ("channel",)
    actions = ["rehearse"]
    fieldsets = (
        (None, {"fields": ("step", "channel", "minutes", "team", "is_active", "note")}),
        (_("Rehearsal"), {"fields": ("rehearsal_days", "confirm_rehearsal")}),
    )

    @admin.display(description=_("state"))
    def state(self, policy: SlaPolicy) -> str:
        return Status(policy.status).label

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The rehearsal is information, not a mistake: when it is all that stopped the save,
        it is shown as a message (and the form as it was typed), with no error banner."""
        form = context["adminform"].form
        if form.rehearsal is not None and form.is_bound and _only_the_rehearsal_stopped(form):
            form.errors.pop(NON_FIELD_ERRORS, None)
            context["errors"] = helpers.AdminErrorList(form, [])
            self.message_user(request, form.rehearsal_message(form.rehearsal), messages.INFO)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        sla_policy_save(policy=obj, actor=request.user, reason=texts.CHANGED_IN_ADMIN.encode())

    def delete_model(self, request, obj):
        sla_policy_delete(policy=obj, actor=request.user,
                          reason=texts.DELETED_IN_ADMIN.encode())

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            sla_policy_delete(policy=policy, actor=request.user,
                              reason=texts.DELETED_IN_ADMIN.encode())

    @admin.action(description=_("Rehearse over the last 7 days"))
    def rehearse(self, request, queryset):
        for policy in queryset.select_related("channel"):
            result = sla_policy_rehearse(policy=policy, days=7)
            self.message_user(request, gettext(
                "%(policy)s: %(alerts)s alerts over the last 7 days (%(stays)s stays)."
            ) % {"policy": policy, "alerts": result.current_alerts, "stays": result.stays})


@admin.register(ShipByPromise)
class ShipByPromiseAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "channel", "hours", "urgent_hours", "is_active")
    list_select_related = ("channel",)


@admin.register(TrafficLightSettings)
class TrafficLightSettingsAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "yellow_hours", "red_hours")

    def has_delete_permission(self, request, obj=None):
        return False
