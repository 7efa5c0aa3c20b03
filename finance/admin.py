"""The finance back office: the three-colour board, statement upload with a dry-run preview,
invoices, cost breakdowns and the reports finance files.

Only finance and managers see any of it (their roles hold the ``finance.*`` permissions). Views
and actions call ``finance.services`` and report with ``message_user``; nothing here decides a
colour or moves an order.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from finance import exports, permissions
from finance.importers import InvoiceResource
from finance.models import (
    ChannelFigure,
    Colour,
    ConsistencyCheck,
    ExpectedRefund,
    FeeCeiling,
    Invoice,
    LineReview,
    OrderCost,
    Source,
    Statement,
    StatementLine,
)
from finance.parsers.generic import dataset_bytes, template_dataset
from finance.selectors import colour_totals
from finance.services.costs import order_cost_set_shipping
from finance.services.invoices import invoice_record, invoices_import
from finance.services.reviews import line_confirm, line_resolve
from finance.services.statements import file_digest, statement_import
from finance.tasks import import_statement_file
from orderhub.core.errors import DomainError
from orderhub.core.tasks import enqueue_on_commit
from orderhub.core.texts import render
from orders.models import Channel, Order

COLOURS: dict[str, tuple[str, str]] = {
    Colour.GREEN: ("#e8f5e9", "#1b5e20"),
    Colour.YELLOW: ("#fff8e1", "#7a5d00"),
    Colour.RED: ("#ffebee", "#b71c1c"),
    Colour.GREY: ("#eceff1", "#455a64"),
}
PENDING_UPLOADS = "finance/pending"
_TOKEN = re.compile(r"^[0-9a-f]{64}$")
REVIEW_LIMIT = 500
# The board's export link carries the board's own query plus this parameter.
EXPORT_FORMAT = "_format"
# Confirmed files larger than this are imported by a background task, not in the request.
INLINE_IMPORT_BYTES = 16 * 1024 * 1024


COLOUR_SHORT = {Colour.GREEN: pgettext_lazy("line colour", "Green"),
                Colour.YELLOW: pgettext_lazy("line colour", "Yellow"),
                Colour.RED: pgettext_lazy("line colour", "Red"),
                Colour.GREY: pgettext_lazy("line colour", "Grey")}


def colour_pill(colour: str) -> SafeString:
    background, text = COLOURS.get(colour, COLOURS[Colour.GREY])
    return format_html(
        '<span class="oh-badge" style="background:{};color:{}">{}</span>',
        background, text, Colour(colour).label if colour in Colour.values else colour,
    )


def _with(query, name: str, value: str) -> str:
    query = query.copy()
    query[name] = value
    return query.urlencode()


def _context(admin_site, request: HttpRequest, title: str, **extra) -> dict:
    return {**admin_site.each_context(request), "title": title, **extra}


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _problem_rows(problem: DomainError) -> list[dict]:
    return problem.extra.get("errors", []) if isinstance(problem.extra, dict) else []


# --- filters --------------------------------------------------------------------------------------
class PeriodFilter(admin.SimpleListFilter):
    """When the money moved, in the hub's time zone."""

    title = _("period")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        return [
            ("today", _("Today")), ("yesterday", _("Yesterday")), ("7d", _("Last 7 days")),
            ("month", _("This month")), ("last_month", _("Last month")),
        ]

    def queryset(self, request, queryset):
        bounds = period_of(self.value())
        if bounds is None:
            return queryset
        since, until = bounds
        return queryset.filter(occurred_at__gte=since, occurred_at__lt=until)


def period_of(value: str | None) -> tuple[dt.datetime, dt.datetime] | None:
    """The local-time range of a period filter value."""
    today = timezone.localdate()
    starts = {
        "today": (today, today + dt.timedelta(days=1)),
        "yesterday": (today - dt.timedelta(days=1), today),
        "7d": (today - dt.timedelta(days=6), today + dt.timedelta(days=1)),
        "month": (today.replace(day=1), today + dt.timedelta(days=1)),
        "last_month": (
            (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1),
            today.replace(day=1),
        ),
    }
    if value not in starts:
        return None
    start, end = starts[value]
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


class ReviewedFilter(admin.SimpleListFilter):
    title = _("confirmed or resolved")
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", _("Not yet")), ("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(reviewed_at__isnull=self.value() == "no")
        return queryset


# --- forms ----------------------------------------------------------------------------------------
class UploadForm(forms.Form):
    file = forms.FileField(label=_("Statement file"))
    source = forms.ChoiceField(
        label=_("Kind of statement"), required=False,
        choices=[("", _("Detect from the file")), *Source.choices],
        help_text=_("Told from the file's header unless you choose one."),
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.all(), required=False,
        help_text=_("Leave empty to take the channel of the matched orders."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )


class InvoiceForm(forms.Form):
    hub_no = forms.CharField(label=_("Hub order number"), max_length=32)
    number = forms.CharField(label=_("Invoice number (20 digits)"), max_length=20)
    issued_on = forms.DateField(
        label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(label=_("Amount including tax"), max_digits=14, decimal_places=2)
    tax_amount = forms.DecimalField(label=_("Tax"), max_digits=14, decimal_places=2)
    buyer_name = forms.CharField(label=_("Buyer (invoice title)"), max_length=200, required=False)


class InvoiceImportForm(forms.Form):
    file = forms.FileField()
    dry_run = forms.BooleanField(
        label=_("Dry run (check only, save nothing)"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        columns = ", ".join(InvoiceResource.label(name) for name in InvoiceResource.Meta.fields)
        self.fields["file"].label = gettext(
            "Invoices (xlsx or csv with the columns %(columns)s)") % {"columns": columns}


class ReportForm(forms.Form):
    REPORTS = [
        ("reconciliation", _("Reconciliation result")),
        ("differences", _("Difference report (yellow and red)")),
        ("monthly", _("Monthly cross-platform consistency")),
        ("costs", _("Order cost breakdown")),
    ]
    report = forms.ChoiceField(label=_("Report"), choices=REPORTS)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.all(), required=False
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    month = forms.CharField(
        label=_("Month (monthly report)"), required=False, max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "2026-01"}),
    )
    statement = forms.ModelChoiceField(
        queryset=Statement.objects.all(), required=False, widget=forms.HiddenInput
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "xlsx"), ("csv", "csv")])

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Write the month as YYYY-MM.")) from None

    def clean(self):
        data = super().clean()
        if data.get("report") == "monthly" and not data.get("month"):
            self.add_error("month", _("The monthly report needs a month."))
        return data


def report_response(table: exports.Table, file_format: str) -> HttpResponse:
    name, content_type, body = exports.render(table, file_format)
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ReadOnlyAdmin(admin.ModelAdmin):
    """Finance records change only through the services (imports, reviews, invoices)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- statements -----------------------------------------------------------------------------------
@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "file_name", "source", "channel", "period_start", "period_end", "green", "yellow",
        "red", "grey_count", "imported_by", "created_at",
    )
    list_filter = ("source", "channel")
    list_select_related = ("channel", "imported_by")
    search_fields = ("=file_name", "=account")
    show_full_result_count = False
    exclude = ("original",)
    readonly_fields = [field.name for field in Statement._meta.fields if field.name != "original"]
    change_list_template = "admin/finance/statement/change_list.html"
    change_form_template = "admin/finance/statement/change_form.html"

    @admin.display(description=_("green"), ordering="green_count")
    def green(self, obj: Statement) -> SafeString:
        return self._count(obj, Colour.GREEN, obj.green_count)

    @admin.display(description=_("yellow"), ordering="yellow_count")
    def yellow(self, obj: Statement) -> SafeString:
        return self._count(obj, Colour.YELLOW, obj.yellow_count)

    @admin.display(description=_("red"), ordering="red_count")
    def red(self, obj: Statement) -> SafeString:
        return self._count(obj, Colour.RED, obj.red_count)

    def _count(self, obj: Statement, colour: str, count: int) -> SafeString:
        background, text = COLOURS[colour]
        url = reverse("admin:finance_statementline_changelist")
        return format_html(
            '<a class="oh-badge" style="background:{};color:{}" '
            'href="{}?statement__id__exact={}&colour__exact={}">{}</a>',
            background,
            text,
            url,
            obj.pk,
            colour,
            count,
        )

    def has_delete_permission(self, request, obj=None):
        # A wrongly imported statement can be removed by whoever holds the permission
        # (no role does by default), its lines with it.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def get_urls(self):
        def wrap(view: Callable) -> Callable:
            return self.admin_site.admin_view(view)

        return [
            path("upload/", wrap(self.upload_view), name="finance_statement_upload"),
            path(
                "upload/template.<str:file_format>",
                wrap(self.template_view),
                name="finance_statement_template",
            ),
            path("reports/", wrap(self.reports_view), name="finance_reports"),
            path(
                "<int:statement_id>/original/",
                wrap(self.original_view),
                name="finance_statement_original",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_import": request.user.has_perm(permissions.IMPORT),
                 "can_export": request.user.has_perm(permissions.EXPORT)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            "can_export": request.user.has_perm(permissions.EXPORT),
            "board_url": reverse("admin:finance_statementline_changelist")
            + f"?statement__id__exact={object_id}",
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def original_view(self, request: HttpRequest, statement_id: int) -> HttpResponse:
        """The statement file exactly as it was imported."""
        _require(request, permissions.VIEW)
        statement = Statement.objects.filter(pk=statement_id).first()
        if statement is None or not statement.original:
            raise Http404
        return FileResponse(
            statement.original.open("rb"), as_attachment=True, filename=statement.file_name
        )

    def template_view(self, request: HttpRequest, file_format: str) -> HttpResponse:
        """The generic statement's column template, empty, for finance to fill in."""
        _require(request, permissions.IMPORT)
        if file_format not in exports.FORMATS:
            raise PermissionDenied
        content = dataset_bytes(template_dataset(), file_format=file_format)
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="statement-template.{file_format}"'
        return response

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → dry-run preview (colours and row errors) → import, all or nothing."""
        _require(request, permissions.IMPORT)
        context = _context(
            self.admin_site, request, gettext("Import a payment statement"), opts=self.model._meta
        )
        if request.method == "POST" and request.POST.get("token"):
            return self._confirm_upload(request, context)
        form = UploadForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            token = file_digest(content)
            try:
                outcome = statement_import(
                    content=content, file_name=upload.name, source=form.cleaned_data["source"],
                    channel=form.cleaned_data["channel"], actor=request.user, dry_run=True,
                )
            except DomainError as problem:
                context.update(problem=problem.message, problem_rows=_problem_rows(problem))
            else:
                # The confirm step may land on another web worker: keep the file in storage.
                stored = f"{PENDING_UPLOADS}/{token}"
                if not default_storage.exists(stored):
                    default_storage.save(stored, ContentFile(content))
                context.update(
                    outcome=outcome,
                    token=token,
                    file_name=upload.name,
                    # As detected from the file when none was chosen.
                    source=outcome.source,
                    source_label=Source(outcome.source).label,
                    channel_id=(
                        form.cleaned_data["channel"].pk if form.cleaned_data["channel"] else ""
                    ),
                    preview=[
                        {"line": line, "pill": colour_pill(line.colour)} for line in outcome.preview
                    ],
                )
        return TemplateResponse(request, "admin/finance/statement/upload.html", context)

    def _confirm_upload(self, request: HttpRequest, context: dict) -> HttpResponse:
        token = request.POST["token"]
        stored = f"{PENDING_UPLOADS}/{token}"
        if not _TOKEN.match(token) or not default_storage.exists(stored):
            self.message_user(
                request, gettext("The previewed file has expired; upload it again."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:finance_statement_upload"))
        channel = Channel.objects.filter(pk=request.POST.get("channel") or None).first()
        file_name = request.POST.get("file_name", "statement")[:255]
        if default_storage.size(stored) > INLINE_IMPORT_BYTES:
            enqueue_on_commit(
                import_statement_file,
                stored,
                file_name,
                request.POST.get("source", ""),
                channel.pk if channel else None,
                request.user.pk,
            )
            self.message_user(
                request, gettext("%(name)s is large: it is being imported in the background and "
                                 "appears here when done.") % {"name": file_name}, messages.INFO,
            )
            return HttpResponseRedirect(reverse("admin:finance_statement_changelist"))
        with default_storage.open(stored, "rb") as handle:
            content = handle.read()
        try:
            outcome = statement_import(
                content=content, file_name=file_name, source=request.POST.get("source", ""),
                channel=channel, actor=request.user,
            )
        except DomainError as problem:
            context.update(
                form=UploadForm(), problem=problem.message, problem_rows=_problem_rows(problem)
            )
            return TemplateResponse(request, "admin/finance/statement/upload.html", context)
        default_storage.delete(stored)
        counts = outcome.counts
        if outcome.duplicate:
            self.message_user(
                request,
                gettext("This file was imported before (statement #%(id)s): nothing was added.")
                % {"id": outcome.statement_id},
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                gettext(
                    "Imported %(lines)s lines: %(green)s green, %(yellow)s yellow, %(red)s red, "
                    "%(grey)s not orders; %(skipped)s rows were already imported."
                )
                % {**counts, "lines": outcome.line_count, "skipped": outcome.skipped_lines},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(
            reverse("admin:finance_statementline_changelist")
            + f"?statement__id__exact={outcome.statement_id}"
        )

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        """The reports finance files, as xlsx or csv."""
        _require(request, permissions.EXPORT)
        form = ReportForm(request.GET or None)
        if request.GET and form.is_valid():
            data = form.cleaned_data
            builders = {
                "reconciliation": lambda: exports.reconciliation_table(
                    actor=request.user,
                    statement=data["statement"],
                    channel=data["channel"],
                    start=data["start"],
                    end=data["end"],
                ),
                "differences": lambda: exports.differences_table(
                    actor=request.user,
                    channel=data["channel"],
                    start=data["start"],
                    end=data["end"],
                ),
                "monthly": lambda: exports.monthly_table(actor=request.user, month=data["month"]),
                "costs": lambda: exports.costs_table(
                    actor=request.user,
                    channel=data["channel"],
                    start=data["start"],
                    end=data["end"],
                ),
            }
            return report_response(builders[data["report"]](), data["format"])
        context = _context(
            self.admin_site, request, gettext("Finance reports"), opts=self.model._meta, form=form,
            method="get", submit=gettext("Download"),
        )
        return TemplateResponse(request, "admin/finance/form.html", context)


# --- the three-colour board -----------------------------------------------------------------------
@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    """The three-colour board: every line by colour, channel and period."""

    # Narrow enough for 1440 pixels beside the menu and the filters: the time and the kind, the
    # two numbers, the order and its explanation share a column each (the explanation cut to
    # one line, whole on hover and on the line's page); the channel is a filter.
    list_display = (
        "colour_badge", "occurred", "serial_numbers", "order_explained", "amount_shown",
        "reviewed",
    )
    list_filter = ("colour", "channel", PeriodFilter, "kind", "cause", ReviewedFilter)
    list_select_related = ("order", "channel", "reviewed_by")
    search_fields = ("=payment_serial_no", "=merchant_order_no", "=order__hub_no")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 100
    ordering = ("-occurred_at", "-id")
    actions = ["confirm_lines", "resolve_lines"]
    change_list_template = "admin/finance/statementline/change_list.html"
    readonly_fields = [field.name for field in StatementLine._meta.fields]

    @admin.display(description=_("colour"), ordering="colour")
    def colour_badge(self, obj: StatementLine) -> SafeString:
        # The colour's short name in the list (its meaning on hover and in the totals above).
        background, text = COLOURS.get(obj.colour, COLOURS[Colour.GREY])
        label = Colour(obj.colour).label if obj.colour in Colour.values else obj.colour
        return format_html(
            '<span class="oh-badge" title="{}" style="background:{};color:{}">{}</span>',
            label, background, text, COLOUR_SHORT.get(obj.colour, label))

    @admin.display(description=_("occurred at"), ordering="occurred_at")
    def occurred(self, obj: StatementLine) -> SafeString:
        if obj.occurred_at is None:
            return format_html("—<br><small>{}</small>", obj.get_kind_display())
        local = timezone.localtime(obj.occurred_at)
        return format_html('<span title="{}">{}</span><br><small>{}</small>',
                           f"{local:%Y-%m-%d %H:%M:%S}", f"{local:%m-%d %H:%M}",
                           obj.get_kind_display())

    @admin.display(description=_("payment serial / merchant order number"))
    def serial_numbers(self, obj: StatementLine) -> SafeString:
        return format_html('<span class="oh-serial">{}</span><br><small>{}</small>',
                           obj.payment_serial_no or "—", obj.merchant_order_no or "")

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj: StatementLine) -> SafeString:
        return format_html('<span class="oh-money">{}&nbsp;<small>{}</small></span>',
                           obj.amount, obj.currency)

    @admin.display(description=_("order / explanation"), ordering="order__hub_no")
    def order_explained(self, obj: StatementLine) -> SafeString:
        words = render(obj.explanation)
        return format_html('{}<br><small class="oh-explanation" title="{}">{}</small>',
                           self.order_link(obj), words, words)

    @admin.display(description=_("order"), ordering="order__hub_no")
    def order_link(self, obj: StatementLine) -> SafeString | str:
        if not obj.order_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[obj.order_id]),
            obj.order.hub_no,
        )

    @admin.display(description=_("confirmed or resolved"), empty_value="")
    def reviewed(self, obj: StatementLine) -> SafeString | None:
        # Only what a person reviewed is marked: a column of "no" icons hides the few "yes".
        if obj.reviewed_at is None:
            return None
        return format_html('<span class="oh-reviewed" title="{}">✓</span>',
                           gettext("confirmed or resolved"))

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(permissions.REVIEW)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            query = request.GET.copy()
            query.pop("colour__exact", None)
            response.context_data["colour_totals"] = [
                {
                    "totals": totals,
                    "pill": colour_pill(totals.colour),
                    "url": (
                        f"?{query.urlencode()}&colour__exact={totals.colour}"
                        if query
                        else f"?colour__exact={totals.colour}"
                    ),
                }
                for totals in colour_totals(changelist.queryset)
            ]
            response.context_data["can_export"] = request.user.has_perm(permissions.EXPORT)
            response.context_data["reports_url"] = reverse("admin:finance_reports")
            # The board exports exactly what it shows: its filters and search go along.
            export = request.GET.copy()
            response.context_data["export_urls"] = [
                (file_format, f"{reverse('admin:finance_statementline_export')}?"
                              f"{_with(export, EXPORT_FORMAT, file_format)}")
                for file_format in exports.FORMATS
            ]
        return response

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view),
                 name="finance_statementline_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The board's lines, with its filters and search, as xlsx or csv."""
        _require(request, permissions.EXPORT)
        query = request.GET.copy()
        file_format = query.pop(EXPORT_FORMAT, ["xlsx"])[-1]
        if file_format not in exports.FORMATS:
            return HttpResponseBadRequest(gettext("Choose xlsx or csv."))
        # The changelist reads its filters from request.GET; the format is not one of them.
        request.GET = query
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(gettext("These board filters are not valid."))
        table = exports.board_table(
            actor=request.user, lines=changelist.get_queryset(request),
            name=f"reconciliation-board-{timezone.localdate():%Y%m%d}",
        )
        return report_response(table, file_format)

    def _review_action(self, request, queryset, *, service, colour: str, title: str, done: str):
        lines = list(
            queryset.filter(colour=colour, reviewed_at__isnull=True).order_by("id")[:REVIEW_LIMIT]
        )
        if not lines:
            self.message_user(
                request,
                gettext("None of the selected lines can be %(what)s.") % {"what": done},
                messages.WARNING,
            )
            return None
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            ok, refused = 0, []
            for line in lines:
                try:
                    service(line=line, actor=request.user, reason=form.cleaned_data["reason"])
                    ok += 1
                except DomainError as problem:
                    refused.append(f"#{line.pk}: {problem.message}")
            self.message_user(
                request,
                ngettext("%(count)d line %(what)s.", "%(count)d lines %(what)s.", ok)
                % {"count": ok, "what": done},
                messages.SUCCESS if ok else messages.WARNING,
            )
            for message in refused[:20]:
                self.message_user(request, message, messages.ERROR)
            return None
        context = _context(
            self.admin_site,
            request,
            title,
            opts=self.model._meta,
            form=form,
            lines=lines,
            action=request.POST.get("action"),
            selected=request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            submit=title,
            method="post",
        )
        return TemplateResponse(request, "admin/finance/form.html", context)

    @admin.action(
        description=_("Confirm the selected yellow lines (with a reason)"), permissions=["review"]
    )
    def confirm_lines(self, request, queryset):
        return self._review_action(
            request, queryset, service=line_confirm, colour=Colour.YELLOW,
            title=gettext("Confirm explained differences"), done=gettext("confirmed"),
        )

    @admin.action(
        description=_("Resolve the selected red lines (with a reason)"), permissions=["review"]
    )
    def resolve_lines(self, request, queryset):
        return self._review_action(
            request, queryset, service=line_resolve, colour=Colour.RED,
            title=gettext("Resolve red lines"), done=gettext("resolved"),
        )


@admin.register(LineReview)
class LineReviewAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "colour", "line", "reason", "actor", "ip_address")
    list_filter = ("action", "colour")
    list_select_related = ("line", "actor")
    readonly_fields = [field.name for field in LineReview._meta.fields]


# --- invoices -------------------------------------------------------------------------------------
@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "order",
        "issued_on",
        "amount",
        "tax_amount",
        "buyer_name",
        "recorded_by",
    )
    list_select_related = ("order", "recorded_by")
    search_fields = ("=number", "=order__hub_no")
    readonly_fields = [field.name for field in Invoice._meta.fields]
    change_list_template = "admin/finance/invoice/change_list.html"

    def get_urls(self):
        return [
            path(
                "record/",
                self.admin_site.admin_view(self.record_view),
                name="finance_invoice_record",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="finance_invoice_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_record": request.user.has_perm(permissions.RECORD_INVOICE)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def record_view(self, request: HttpRequest) -> HttpResponse:
        """Record one invoice; a delivered order moves to invoiced."""
        _require(request, permissions.RECORD_INVOICE)
        form = InvoiceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            order = Order.objects.filter(hub_no=data["hub_no"].strip().upper()).first()
            if order is None:
                form.add_error("hub_no", gettext("No order with this hub number."))
            else:
                try:
                    invoice = invoice_record(
                        order=order, number=data["number"], issued_on=data["issued_on"],
                        amount=data["amount"], tax_amount=data["tax_amount"],
                        buyer_name=data["buyer_name"], actor=request.user,
                    )
                except DomainError as problem:
                    form.add_error(None, problem.message)
                else:
                    self.message_user(
                        request, gettext("Invoice %(number)s recorded for %(order)s.")
                        % {"number": invoice.number, "order": order.hub_no}, messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:finance_invoice_changelist"))
        context = _context(
            self.admin_site,
            request,
            gettext("Record an invoice"),
            opts=self.model._meta,
            form=form,
            method="post",
            submit=gettext("Record"),
        )
        return TemplateResponse(request, "admin/finance/form.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import invoices from a spreadsheet: dry run first, all rows or none."""
        _require(request, permissions.RECORD_INVOICE)
        form = InvoiceImportForm(request.POST or None, request.FILES or None)
        context = _context(
            self.admin_site, request, gettext("Import invoices"), opts=self.model._meta, form=form,
            method="post", submit=gettext("Check / import"), multipart=True,
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = invoices_import(
                    content=upload.read(), file_name=upload.name, actor=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except DomainError as problem:
                context.update(problem=problem.message, problem_rows=_problem_rows(problem))
            else:
                if outcome.dry_run:
                    context["results"] = [
                        gettext("%(number)s for %(order)s: would be recorded")
                        % {"number": invoice.number, "order": invoice.order.hub_no}
                        for invoice in outcome.recorded
                    ]
                else:
                    self.message_user(
                        request,
                        gettext("%(count)d invoices recorded.") % {"count": len(outcome.recorded)},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:finance_invoice_changelist"))
        return TemplateResponse(request, "admin/finance/form.html", context)


# --- costs ----------------------------------------------------------------------------------------
class ShippingCostForm(forms.ModelForm):
    class Meta:
        model = OrderCost
        fields = ["shipping_cost"]


@admin.register(OrderCost)
class OrderCostAdmin(admin.ModelAdmin):
    list_display = (
        "order", "revenue", "commission", "payment_fee", "fulfilment_fee", "shipping_cost", "tax",
        "tax_from_invoice", "net_revenue", "updated_at",
    )
    list_select_related = ("order",)
    search_fields = ("=order__hub_no",)
    show_full_result_count = False
    form = ShippingCostForm
    readonly_fields = (
        "order", "currency", "revenue", "commission", "payment_fee", "fulfilment_fee", "tax",
        "tax_from_invoice", "net_revenue", "updated_at",
    )
    fields = readonly_fields[:6] + ("shipping_cost",) + readonly_fields[6:]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The service recomputes the net revenue and checks the permission.
        order_cost_set_shipping(
            order=obj.order, shipping_cost=obj.shipping_cost, actor=request.user
        )


class OrderCostInline(admin.StackedInline):
    """The cost breakdown on the order page (for ``orders.admin.OrderAdmin.inlines``)."""

    model = OrderCost
    fields = (
        "revenue",
        "commission",
        "payment_fee",
        "fulfilment_fee",
        "shipping_cost",
        "tax",
        "tax_from_invoice",
        "net_revenue",
    )
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name_plural = _("cost breakdown")


# --- refunds after-sales approved ----------------------------------------------------------------
@admin.register(ExpectedRefund)
class ExpectedRefundAdmin(ReadOnlyAdmin):
    """Refunds after-sales approved and the statement line that paid each out (if any yet)."""

    list_display = ("case_no", "order", "amount", "currency", "colour", "statement_line",
                    "created_at", "matched_at")
    list_filter = ("colour",)
    list_select_related = ("order", "statement_line")
    search_fields = ("=case_no", "=order__hub_no")
    show_full_result_count = False
    readonly_fields = [field.name for field in ExpectedRefund._meta.fields]


# --- fee ceilings -------------------------------------------------------------------------------
@admin.register(FeeCeiling)
class FeeCeilingAdmin(admin.ModelAdmin):
    """What each channel's platform may take as fees and commissions before a line turns
    yellow; channels without a row take the defaults (3 % payment fees, 30 % commissions,
    35 % fulfilment fees, each held to its own ceiling).
    A change applies to the lines matched from then on (imports and re-matches)."""

    list_display = ("channel", "payment_fee_percent", "commission_percent",
                    "fulfilment_fee_percent", "updated_at")
    list_select_related = ("channel",)
    fields = ("channel", "payment_fee_percent", "commission_percent", "fulfilment_fee_percent")

    def get_readonly_fields(self, request, obj=None):
        return ("channel",) if obj is not None else ()


# --- consistency ----------------------------------------------------------------------------------
@admin.register(ChannelFigure)
class ChannelFigureAdmin(ReadOnlyAdmin):
    list_display = ("day", "channel", "source", "paid_orders", "paid_amount", "updated_at")
    list_filter = ("channel", "source")


@admin.register(ConsistencyCheck)
class ConsistencyCheckAdmin(ReadOnlyAdmin):
    list_display = (
        "day", "channel", "source", "hub_paid_orders", "channel_paid_orders", "deviation_percent",
        "within_tolerance", "checked_at",
    )
    list_filter = ("within_tolerance", "channel", "source")

    @admin.display(description=_("deviation"), ordering="deviation")
    def deviation_percent(self, obj: ConsistencyCheck) -> str:
        return f"{obj.deviation:.2%}"


# The cost breakdown joins the order page from here: orders may not import finance (STYLE.md),
# so finance adds its inline to the registered order admin through the admin's own registry.
# The inline shows only to users who may view finance.OrderCost (finance and managers).
_order_admin = admin.site.get_model_admin(Order)
_order_admin.inlines = [*_order_admin.inlines, OrderCostInline]
