"""URLs of the finance API, included under ``api/finance/`` by ``orderhub/urls.py``."""
from django.urls import path

from finance.api.views import StatementDetailApi, StatementImportApi, StatementLinesApi

app_name = "finance-api"

urlpatterns = [
    path("statements/", StatementImportApi.as_view(), name="statement-import"),
    path("statements/<int:statement_id>/", StatementDetailApi.as_view(), name="statement-detail"),
    path(
        "statements/<int:statement_id>/lines/", StatementLinesApi.as_view(), name="statement-lines"
    ),
]
