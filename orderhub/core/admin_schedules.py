"""django-q2's scheduled tasks, named in the reader's language.

The migrations install each schedule under a function path (``orders.tasks.sla_sweep_task``)
and an English name, both looked up by code and tests, so they stay as they are; the admin
names each job by its label here and keeps the path as small print (``<code>``) for whoever
needs to match it to the code. The help texts' examples are code too, shown as code.
"""
from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy as _
from django_q.admin import ScheduleAdmin
from django_q.models import Schedule

from orderhub.core.admin_labels import LabelledObjectAdmin

# The jobs the migrations schedule, by function path.
JOB_LABELS = {
    "aftersales.tasks.cases_sweep_task": _("After-sales answer deadline sweep"),
    "channels.tasks.spreadsheets_import_folder": _("Import spreadsheets from the import folder"),
    "channels.writeback.tasks.writebacks_sweep": _("Shipping write-back sweep"),
    "finance.tasks.finance_consistency_check": _("Finance consistency check"),
    "finance.tasks.finance_red_line_sweep": _("Finance red-line sweep"),
    "logistics.tasks.kuaidi100_subscriptions_sweep": _("Kuaidi100 tracking subscriptions"),
    "logistics.tasks.stock_drift_sweep": _("Stock drift check"),
    "logistics.tasks.trace_alert_sweep": _("Parcel trace alerts"),
    "orderhub.events.tasks.events_purge_task": _("Purge handled events"),
    "orderhub.events.tasks.events_sweep": _("Event dispatch sweep"),
    "orderhub.webhooks.tasks.webhooks_purge_task": _("Purge old webhook deliveries"),
    "orderhub.webhooks.tasks.webhooks_sweep": _("Webhook send sweep"),
    "orders.metrics.tasks.weekly_health_report": _("Weekly health report"),
    "orders.tasks.sla_sweep_task": _("Order SLA sweep"),
}
# Examples of what to type, per field (django-q2's own help gives them inside plain words).
EXAMPLES = {
    "func": "module.tasks.function",
    "hook": "module.tasks.result_function",
    "args": "1, 2, '张三'",
    "kwargs": "x=1, y=2, name='张三'",
}


def job_label(schedule: Schedule) -> str:
    """A schedule as staff read it: its job's label, else the name it was given, else its path."""
    label = JOB_LABELS.get(schedule.func)
    return str(label) if label is not None else (schedule.name or schedule.func)


class LabelledScheduleAdmin(LabelledObjectAdmin, ScheduleAdmin):
    list_display = ("id", "job", "schedule_type", "repeats", "cluster", "next_run",
                    "get_last_run", "get_success")
    list_display_links = ("id", "job")

    @admin.display(description=_("job"), ordering="func")
    def job(self, schedule: Schedule) -> SafeString:
        return format_html("{}<br><small><code>{}</code></small>", job_label(schedule),
                           schedule.func)

    def object_label(self, obj: Schedule) -> str:
        return job_label(obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in EXAMPLES:
            field.help_text = format_html("{} <code>{}</code>", gettext("For example:"),
                                          EXAMPLES[db_field.name])
        return field


admin.site.unregister(Schedule)
admin.site.register(Schedule, LabelledScheduleAdmin)
