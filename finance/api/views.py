"""The finance API: import a statement, read its lines (DESIGN.md section 4).

Only finance and managers get in (``FinancePermission``); everyone else is answered 403.
Errors are domain errors rendered by ``orderhub.core.api`` as JSON with a human ``detail``.
"""
from __future__ import annotations

from dataclasses import asdict

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance import permissions
from finance.api.serializers import (
    FinanceErrorSerializer,
    LineFilterSerializer,
    StatementImportInputSerializer,
    StatementImportOutputSerializer,
    StatementLineSerializer,
    StatementRejectedSerializer,
    StatementSerializer,
)
from finance.models import StatementLine
from finance.selectors import statement_get, statement_lines
from finance.services.statements import ImportOutcome, statement_counts, statement_import
from orderhub.core.api import StrictCursorPagination
from orderhub.core.parsers import MultiPartParser

TAG = "finance"


class FinancePermission(BasePermission):
    """Reading needs ``finance.view_statement``, importing ``finance.import_statement``:
    the finance and manager roles (finance/roles.py)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        needed = (
            permissions.VIEW if request.method in ("GET", "HEAD", "OPTIONS") else permissions.IMPORT
        )
        if request.user.has_perm(needed):
            return True
        self.message = (
            f"Only finance and managers may {'see' if needed == permissions.VIEW else 'import'} "
            f"payment statements (needs permission '{needed}')."
        )
        return False


def _error(description: str, serializer=FinanceErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


UNAUTHENTICATED = _error("No or invalid credentials (Token or session).")
FORBIDDEN = _error("The role is not finance or manager.")
NOT_FOUND = _error("No statement with this id.")
STATEMENT_ID = OpenApiParameter(
    "statement_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The statement's id."
)


class LineCursorPagination(StrictCursorPagination):
    """In file order; stable and without COUNT(*) on statements of a million lines."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


def _outcome_body(request: Request, outcome: ImportOutcome) -> dict:
    counts = outcome.counts
    lines_url = None
    if outcome.statement_id:
        lines_url = request.build_absolute_uri(
            reverse("finance-api:statement-lines", args=[outcome.statement_id])
        )
    return {
        "id": outcome.statement_id, "source": outcome.source, "file_name": outcome.file_name,
        "dry_run": outcome.dry_run, "duplicate": outcome.duplicate,
        "green": counts.get("green", 0), "yellow": counts.get("yellow", 0),
        "red": counts.get("red", 0), "grey": counts.get("grey", 0),
        "lines": outcome.line_count, "skipped_lines": outcome.skipped_lines,
        "lines_url": lines_url,
        "preview": [asdict(line) for line in outcome.preview],
    }


class StatementImportApi(APIView):
    """Import a payment statement and reconcile it (or preview it with ``dry_run``)."""

    permission_classes = [FinancePermission]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[TAG],
        operation_id="finance_statements_import",
        summary="Import a payment statement",
        description=(
            "Multipart upload of an Alipay account bill (账务明细), an Alipay trade bill "
            "(业务明细), a WeChat Pay trade bill (ALL) or a filled-in column template. All or "
            "nothing: one unreadable row refuses the file, listing the rows. The same file "
            "twice adds nothing and answers with the first import (`duplicate: true`)."
        ),
        request={"multipart/form-data": StatementImportInputSerializer},
        responses={
            200: OpenApiResponse(
                StatementImportOutputSerializer, description="Dry run, or a file imported before."
            ),
            201: OpenApiResponse(
                StatementImportOutputSerializer, description="Imported and reconciled."
            ),
            400: _error(
                "Bad input or a file that is not a statement of that kind; unreadable rows are "
                "listed under `errors` (row and message). Nothing was imported.",
                StatementRejectedSerializer,
            ),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            409: _error("An overlapping import finished at the same moment; import again."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = StatementImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        outcome = statement_import(
            content=upload.read(), file_name=upload.name or "statement", source=data["source"],
            channel=data.get("channel"), dry_run=data["dry_run"], actor=request.user,
        )
        created = not (outcome.dry_run or outcome.duplicate)
        return Response(
            StatementImportOutputSerializer(_outcome_body(request, outcome)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class StatementDetailApi(APIView):
    """One statement with its lines per colour now."""

    permission_classes = [FinancePermission]

    @extend_schema(
        tags=[TAG],
        operation_id="finance_statements_retrieve",
        summary="Get a payment statement",
        parameters=[STATEMENT_ID],
        responses={200: StatementSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, statement_id: int) -> Response:
        statement = statement_get(statement_id=statement_id)
        counts = statement_counts(statement)
        body = {
            "id": statement.pk, "source": statement.source,
            "channel": statement.channel.code if statement.channel_id else None,
            "file_name": statement.file_name, "account": statement.account,
            "period_start": statement.period_start, "period_end": statement.period_end,
            "imported_at": statement.created_at, "lines": sum(counts.values()),
            "summary": statement.summary, **counts,
        }
        return Response(StatementSerializer(body).data)


class StatementLinesApi(GenericAPIView):
    """A statement's lines: serial number, matched hub number (or null), colour, explanation."""

    permission_classes = [FinancePermission]
    queryset = StatementLine.objects.none()
    serializer_class = StatementLineSerializer
    pagination_class = LineCursorPagination
    filter_backends: list = []

    @extend_schema(
        tags=[TAG],
        operation_id="finance_statements_lines",
        summary="List a statement's lines",
        parameters=[STATEMENT_ID, LineFilterSerializer],
        responses={
            200: StatementLineSerializer(many=True),
            400: _error("Bad filter or cursor."),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, statement_id: int) -> Response:
        filters = LineFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        statement = statement_get(statement_id=statement_id)
        lines = statement_lines(statement=statement, colour=filters.validated_data.get("colour"))
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(StatementLineSerializer(page, many=True).data)
