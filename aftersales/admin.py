"""The after-sales queue in the back office: one list by priority then deadline, the case page
with the whole order on one screen, the moves and the usual answers as one-click actions, and
the phrase table and routes operations keep.

Nothing here changes a case directly: buttons and actions call ``aftersales.services`` and
``aftersales.answers`` (permission, lock, history, effects) and report with ``message_user``.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from orderhub.core.errors import DomainError
from orderhub.core.texts import render
from orders.admin import (
    CustomerAdmin,
    EstimatedCountPaginator,
    LargeTableAdmin,
    OrderAdmin,
    pill,
    status_pill,
    timeline_rows,
)
from orders.models import Customer, Order

from aftersales.answers import ANSWERS, ANSWERS_BY_NAME, case_answer
from aftersales.figures import aftersales_figures
from aftersales.models import (
    Case,
    CaseDelivery,
    CaseLine,
    Inspection,
    ReasonCategory,
    ReasonPhrase,
    ReturnRisk,
    TeamRoute,
)
from aftersales.risk import HIGH_RISK
from aftersales.services import case_transition
from aftersales.state_machine import (
    CASE_MOVES,
    CASE_MOVES_BY_NAME,
    FINAL_CASE_STATUSES,
    OPEN_CASE_STATUSES,
    CaseStatus,
)

CASE_COLOURS = {
    CaseStatus.REQUESTED: ("#fff3e0", "#e65100"), CaseStatus.APPROVED: ("#e3f2fd", "#0d47a1"),
    CaseStatus.AWAITING_RETURN: ("#e0f7fa", "#006064"),
    CaseStatus.RETURNED: ("#ede7f6", "#4527a0"), CaseStatus.INSPECTED: ("#e8eaf6", "#283593"),
    CaseStatus.REFUNDED: ("#fce4ec", "#880e4f"), CaseStatus.RESHIPPED: ("#e0f2f1", "#004d40"),
    CaseStatus.CLOSED: ("#fafafa", "#616161"), CaseStatus.REJECTED: ("#ffebee", "#b71c1c"),
    CaseStatus.WITHDRAWN: ("#f5f5f5", "#424242"),
}


def case_pill(status: str) -> SafeString:
    return pill(CaseStatus(status).label, CASE_COLOURS[status])


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("today", _("Due within 24 hours")),
                ("open", _("All open"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(status__in=OPEN_CASE_STATUSES, due_at__lt=now)
        if self.value() == "today":
            return queryset.filter(status__in=OPEN_CASE_STATUSES, due_at__gte=now,
                                   due_at__lt=now + timezone.timedelta(hours=24))
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_CASE_STATUSES)
        return queryset


class CaseLineInline(admin.TabularInline):
    model = CaseLine
    extra = 0
    can_delete = False
    fields = ["title", "sku", "channel_sku", "quantity", "order_line"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _answer_action(answer):
    def action(modeladmin, request, queryset):
        modeladmin.run_on_cases(request, queryset, lambda case: case_answer(
            case=case, name=answer.name, actor=request.user), str(answer.label))

    action.__name__ = f"answer_{answer.name}"
    return admin.action(description=answer.label)(action)


def _move_action(move, inspection=""):
    def action(modeladmin, request, queryset):
        modeladmin.run_on_cases(request, queryset, lambda case: case_transition(
            case=case, name=move.name, actor=request.user, inspection=inspection),
            str(move.label))

    action.__name__ = f"move_{move.name}{'_' + inspection if inspection else ''}"
    # lazy: the actions are made at import, their labels read in each request's language
    label = move.label if not inspection else format_lazy(
        "{} ({})", move.label, Inspection(inspection).label)
    return admin.action(description=label)(action)


class QueuePaginator(EstimatedCountPaginator):
    """The queue is worked from the top: its pager counts at most 1,000 cases (20 pages);
    the filters narrow it further. Counting 10,000 open cases cost more than the page's
    rows (``bench/aftersales_queue.py``)."""

    count_cap = 1_000


@admin.register(Case)
class CaseAdmin(LargeTableAdmin, SimpleHistoryAdmin):
    """The queue: open work first by priority, then by the platform's deadline.

    Kept fast at 100,000 open cases (``bench/aftersales_queue.py``): the open queue and its
    filters walk ``case_queue_idx`` (partial: open cases, in the list's order) and stop at the
    page; the whole list walks ``case_list_idx``; no full count (``QueuePaginator``'s capped
    count, no facets); the order and channel come in the page's one query."""

    change_form_template = "admin/aftersales/case/change_form.html"
    list_display = ["case_number", "order_link", "channel", "kind", "status_badge",
                    "reason_category", "deciding_words", "team", "priority", "due", "amount"]
    list_filter = [OverdueFilter, "kind", "status", "reason_category", "channel", "team",
                   "priority"]
    search_fields = ["=channel_case_no", "=channel_order_no", "=order__hub_no",
                     "=return_tracking_no"]
    list_select_related = ["order", "channel"]
    ordering = ["-priority", "due_at", "id"]
    paginator = QueuePaginator
    inlines = [CaseLineInline]
    readonly_fields = [
        "case_number", "channel", "channel_case_no", "channel_order_no", "order", "kind", "status",
        "channel_status", "amount", "currency", "buyer_words", "platform_reason",
        "reason_category", "deciding_words", "team", "priority", "requested_at", "due_at",
        "is_overdue", "first_answered_at", "closed_at", "return_carrier",
        "return_tracking_no", "return_shipment_id", "inspection", "new_order",
        "refund_confirmed_at", "refund_statement_line_id", "refund_colour",
    ]
    exclude = ["raw"]
    actions = [*(_answer_action(a) for a in ANSWERS),
               *(_move_action(m) for m in CASE_MOVES if m.name not in ("inspect", "reject")),
               _move_action(CASE_MOVES_BY_NAME["inspect"], "good"),
               _move_action(CASE_MOVES_BY_NAME["inspect"], "damaged")]

    def has_add_permission(self, request) -> bool:
        return False  # customer service opens cases from the order (aftersales.services)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("order"), ordering="order__hub_no")
    def order_link(self, obj: Case) -> SafeString | str:
        if obj.order_id is None:
            return format_html("<em>{}</em>", obj.channel_order_no)
        return format_html('<a href="{}">{}</a>', reverse(
            "admin:orders_order_change", args=[obj.order_id]), obj.order.hub_no)

    @admin.display(description=_("after-sales case number"), ordering="id")
    def case_number(self, obj: Case) -> str:
        return obj.case_no

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Case) -> SafeString:
        return case_pill(obj.status)

    @admin.display(description=_("answer due"), ordering="due_at")
    def due(self, obj: Case) -> SafeString | str:
        if obj.due_at is None:
            return "—"
        shown = timezone.localtime(obj.due_at).strftime("%m-%d %H:%M")
        late = obj.status not in FINAL_CASE_STATUSES and obj.due_at < timezone.now()
        return format_html('<span style="color:{}">{}{}</span>', "#b71c1c" if late else
                           "inherit", shown, " ⚠" if late else "")

    def run_on_cases(self, request: HttpRequest, queryset: QuerySet, work, label: str) -> None:
        done, refused = 0, []
        for case in queryset.order_by("pk")[:200]:
            try:
                work(case)
            except DomainError as error:
                refused.append(f"{case.case_no}: {error.message}")
            else:
                done += 1
        if done:
            self.message_user(request, gettext("%(label)s: %(n)d case(s) done.") % {
                "label": label, "n": done}, messages.SUCCESS)
        for line in refused[:20]:
            self.message_user(request, line, messages.ERROR)

    # --- the case page --------------------------------------------------------------------
    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None:
            context.update(self.workflow_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_context(self, request: HttpRequest, case: Case) -> dict:
        legal = {t.name for t in case.get_available_status_transitions()}
        moves = [m for m in CASE_MOVES if m.name in legal and
                 request.user.has_perm(m.permission_name)]
        answers = [{"label": a.label, "url": reverse("admin:aftersales_case_answer",
                                                      args=[quote(case.pk), a.name])}
                   for a in ANSWERS if case.kind in a.kinds and
                   a.moves[0] in {m.name for m in moves}]
        return {
            "case_status_badge": case_pill(case.status),
            "order_status_badge": status_pill(case.order.status) if case.order_id else "",
            "case_moves": moves, "case_answers": answers,
            "may_inspect": any(m.name == "inspect" for m in moves),
            "move_url": reverse("admin:aftersales_case_move", args=[quote(case.pk)]),
            "case_panels": case_panels(request, case),
        }

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path("figures/", self.admin_site.admin_view(self.figures_view),
                 name="aftersales_case_figures"),
            path("<path:object_id>/move/", wrap(self.move_view), name="aftersales_case_move"),
            path("<path:object_id>/answer/<slug:name>/", wrap(self.answer_view),
                 name="aftersales_case_answer"),
        ] + super().get_urls()

    def figures_view(self, request: HttpRequest) -> HttpResponse:
        """Return rates by reason, channel and SKU; median times to answer and to close."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = max(1, min(int(request.GET.get("days", 30)), 365))
        except ValueError:
            days = 30
        figures = aftersales_figures(days=days)
        reasons = dict(ReasonCategory.choices)
        for row in figures.by_reason:
            row.label = reasons.get(row.label, row.label)
        return TemplateResponse(request, "admin/aftersales/case/figures.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "days": days,
            "title": gettext("After-sales figures"), "figures": figures,
            "tables": [(gettext("By reason"), figures.by_reason),
                       (gettext("By channel"), figures.by_channel),
                       (gettext("By SKU (highest return rate)"), figures.by_sku)]})

    def _case_or_404(self, request: HttpRequest, object_id: str) -> Case:
        case = self.get_object(request, unquote(object_id))
        if case is None:
            raise Http404(gettext("No such case."))
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        return case

    def _back(self, case: Case) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:aftersales_case_change", args=[case.pk]))

    def move_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        case = self._case_or_404(request, object_id)
        move = CASE_MOVES_BY_NAME.get(request.POST.get("move", ""))
        if move is None:
            raise Http404(gettext("No such move."))
        try:
            case_transition(case=case, name=move.name, actor=request.user,
                            reason=request.POST.get("reason", "").strip()[:255],
                            inspection=request.POST.get("inspection", "")
                            if move.name == "inspect" else "")
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, gettext("%(case)s: %(move)s done.") % {
                "case": case.case_no, "move": move.label}, messages.SUCCESS)
        return self._back(case)

    def answer_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        case = self._case_or_404(request, object_id)
        answer = ANSWERS_BY_NAME.get(name)
        if answer is None:
            raise Http404(gettext("No such answer."))
        try:
            case_answer(case=case, name=name, actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, gettext("%(case)s: %(answer)s done.") % {
                "case": case.case_no, "answer": answer.label}, messages.SUCCESS)
        return self._back(case)


# --- panels: the whole order on the case page -------------------------------------------------
def _card(title: str, body: SafeString | str) -> SafeString:
    return format_html('<div class="oh-card"><h2>{}</h2><div class="oh-card-body">{}</div>'
                       "</div>", title, body)


def _table(headers, rows) -> SafeString:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join("", "<tr>{}</tr>", (
        (format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows))
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head,
                       body or mark_safe(""))


def case_panels(request: HttpRequest, case: Case) -> list[SafeString]:
    order = case.order
    panels = []
    if order is None:
        panels.append(_card(gettext("Order"), gettext(
            "The order %(no)s has not reached the hub yet; the case is linked when it "
            "arrives.") % {"no": case.channel_order_no}))
        return panels
    panels.append(_card(gettext("Order"), _table(
        [gettext("hub order number"), gettext("status"), gettext("paid"), gettext("receiver"),
         gettext("carrier"), gettext("tracking number"), gettext("on hold")],
        [(format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change",
                                                     args=[order.pk]), order.hub_no),
          status_pill(order.status), f"{order.paid_amount} {order.currency}",
          f"{order.receiver_name} {order.receiver_province}{order.receiver_city}",
          order.carrier, order.tracking_no, "✔" if order.on_hold else "")])))
    panels.append(_card(gettext("Order lines"), _table(
        [gettext("SKU"), gettext("title"), gettext("quantity"), gettext("amount")],
        [(line.sku, line.title, line.quantity, line.amount) for line in order.lines.all()])))
    panels.append(_card(gettext("Shipments and return parcel"), _table(
        [gettext("parcel"), gettext("carrier"), gettext("tracking number")],
        [(gettext("outbound"), order.carrier, order.tracking_no),
         (gettext("return"), case.return_carrier, case.return_tracking_no)])))
    panels.append(_card(gettext("Order history"), _table(
        [gettext("at"), gettext("by"), gettext("status"), gettext("reason")],
        [(timezone.localtime(row["at"]).strftime("%Y-%m-%d %H:%M") if row.get("at") else "",
          row.get("user") or "", row["status_badge"], render(row.get("reason")))
         for row in timeline_rows(order)[:20]])))
    others = (Order.objects.filter(customer_id=order.customer_id).exclude(pk=order.pk)
              .order_by("-id")[:10] if order.customer_id else [])
    panels.append(_card(gettext("The customer's other orders"), _table(
        [gettext("hub order number"), gettext("status"), gettext("paid")],
        [(format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change",
                                                     args=[o.pk]), o.hub_no),
          status_pill(o.status), o.paid_amount) for o in others])))
    cases = (Case.objects.filter(order__customer_id=order.customer_id).exclude(pk=case.pk)
             .select_related("order").order_by("-id")[:10] if order.customer_id else [])
    panels.append(_card(gettext("The customer's other cases"), _table(
        [gettext("case"), gettext("order"), gettext("kind"), gettext("status"),
         gettext("reason")],
        [(format_html('<a href="{}">{}</a>', reverse("admin:aftersales_case_change",
                                                     args=[c.pk]), c.case_no),
          c.order.hub_no if c.order_id else c.channel_order_no, c.get_kind_display(),
          case_pill(c.status), c.get_reason_category_display()) for c in cases])))
    return panels


def order_cases_panel(request: HttpRequest, order: Order) -> SafeString | str:
    """The order page's card of its after-sales cases (``OrderAdmin.page_panels``)."""
    if not request.user.has_perm("aftersales.view_case"):
        return ""
    cases = list(Case.objects.filter(order=order).order_by("-id")[:20])
    if not cases:
        return ""
    return _card(gettext("After-sales cases"), _table(
        [gettext("case"), gettext("kind"), gettext("status"), gettext("reason"),
         gettext("amount"), gettext("answer due")],
        [(format_html('<a href="{}">{}</a>', reverse("admin:aftersales_case_change",
                                                     args=[c.pk]), c.case_no),
          c.get_kind_display(), case_pill(c.status), c.get_reason_category_display(),
          c.amount, timezone.localtime(c.due_at).strftime("%m-%d %H:%M") if c.due_at else "")
         for c in cases]))


def order_risk_panel(request: HttpRequest, order: Order) -> SafeString | str:
    """The order page's return-risk score and its reasons (``OrderAdmin.page_panels``)."""
    if not request.user.has_perm("aftersales.view_returnrisk"):
        return ""
    risk = ReturnRisk.objects.filter(order=order).first()
    if risk is None:
        return ""
    colour = "#b71c1c" if risk.score >= HIGH_RISK else "#424242"
    return _card(gettext("Return risk"), format_html(
        '<p><strong style="color:{}">{} / 100</strong></p><ul>{}</ul>', colour, risk.score,
        format_html_join("", "<li>{}</li>", ((why,) for why in risk.reasons))))


#: The newest cases shown on a customer's page.
CUSTOMER_CASES_SHOWN = 20


def customer_cases_panel(request: HttpRequest, customer: Customer) -> SafeString | str:
    """The customer page's card of their after-sales cases on every channel, newest first
    (``CustomerAdmin.page_panels``; one query through the order's indexed customer)."""
    if not request.user.has_perm("aftersales.view_case"):
        return ""
    cases = list(Case.objects.filter(order__customer=customer)
                 .select_related("order", "channel").order_by("-id")[:CUSTOMER_CASES_SHOWN + 1])
    if not cases:
        return ""
    more = len(cases) > CUSTOMER_CASES_SHOWN
    table = _table(
        [gettext("case"), gettext("channel"), gettext("order"), gettext("kind"),
         gettext("status"), gettext("reason"), gettext("amount"), gettext("requested at")],
        [(format_html('<a href="{}">{}</a>', reverse("admin:aftersales_case_change",
                                                     args=[c.pk]), c.case_no),
          c.channel.name, format_html('<a href="{}">{}</a>', reverse(
              "admin:orders_order_change", args=[c.order_id]), c.order.hub_no),
          c.get_kind_display(), case_pill(c.status), c.get_reason_category_display(),
          f"{c.amount} {c.currency}",
          timezone.localtime(c.requested_at).strftime("%Y-%m-%d %H:%M") if c.requested_at
          else "")
         for c in cases[:CUSTOMER_CASES_SHOWN]])
    if more:
        table = format_html("{}<p>{}</p>", table, gettext(
            "The newest %(count)d cases are shown.") % {"count": CUSTOMER_CASES_SHOWN})
    return _card(gettext("After-sales cases"), table)


OrderAdmin.page_panels.append(order_cases_panel)
OrderAdmin.page_panels.append(order_risk_panel)
CustomerAdmin.page_panels.append(customer_cases_panel)


@admin.register(ReasonPhrase)
class ReasonPhraseAdmin(admin.ModelAdmin):
    list_display = ["phrase", "category", "weight", "is_active"]
    list_editable = ["category", "weight", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["phrase"]


@admin.register(TeamRoute)
class TeamRouteAdmin(admin.ModelAdmin):
    list_display = ["category", "team", "priority"]


@admin.register(CaseDelivery)
class CaseDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "source", "status", "received_at", "error"]
    list_filter = ["status", "channel", "source"]
    exclude = ["body"]
    readonly_fields = ["channel", "source", "body_sha256", "headers", "remote_addr",
                       "received_by", "received_at", "status", "result", "error", "body_text"]
    show_full_result_count = False

    @admin.display(description=_("body"))
    def body_text(self, obj: CaseDelivery) -> str:
        return bytes(obj.body).decode("utf-8", "replace")[:20000]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
